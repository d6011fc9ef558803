"""Sole entry point of the Dagster code location: autoload every module under `defs/`."""

from __future__ import annotations

import dagster as dg

import orchestration.defs

defs = dg.components.load_defs(defs_root=orchestration.defs)
