"""Data-quality asset checks: the GX suites of `data_tests/` run on the run's billing window."""
