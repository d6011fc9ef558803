"""Savings Plan and Reserved Instance sizing: exact optimum over an hourly usage history."""
