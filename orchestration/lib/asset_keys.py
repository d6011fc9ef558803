"""Asset keys mirror warehouse relations: raw/<source>/<table>, bronze|silver|gold/<model>."""

from __future__ import annotations

import dagster as dg


def raw_key(source: str, table: str) -> dg.AssetKey:
    """Key of a raw table written by dlt."""
    return dg.AssetKey(["raw", source, table])


def model_key(layer: str, name: str) -> dg.AssetKey:
    """Key of a dbt model (or seed) in a layer."""
    return dg.AssetKey([layer, name])
