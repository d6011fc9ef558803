"""Sole entry point of the Dagster code location: autoload every module under `defs/`."""

import dagster as dg

import orchestration.defs

defs = dg.Definitions.merge(
    dg.components.load_defs(defs_root=orchestration.defs),
    # global policy: every run in one process. DuckDB allows a single writer, so parallel step
    # processes (the ml assets) would collide on its file; it is also about twice as fast here
    dg.Definitions(executor=dg.in_process_executor),
)
