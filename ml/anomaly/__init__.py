"""Daily cost anomaly detection and root-cause breakdown; see `run.py`."""
