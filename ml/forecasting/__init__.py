"""Daily spend forecasting with calibrated prediction intervals; see `run.py`."""
