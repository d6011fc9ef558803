"""Pieces every source shares: the run report, locale-aware number parsing, load records."""
