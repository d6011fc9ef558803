"""Rightsizing and waste: same-family downsizing from p95 utilization, idle resources."""
