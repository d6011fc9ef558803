"""A Dagster logger that prints one short line per step instead of the full event stream."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import dagster as dg

# info lines from our own code worth showing without --verbose (progress, not chatter)
PROGRESS_PREFIXES = ("validated ", "quarantined ", "extracted ", "loading ", "dbt build")

_SHOWN = {
    "STEP_START": "started ",
    "STEP_SUCCESS": "done    ",
    "STEP_FAILURE": "FAILED  ",
    "ASSET_MATERIALIZATION": "built   ",
}


class _StepLines(logging.Handler):
    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        meta: dict[str, Any] = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        kind = getattr(event, "event_type_value", None)
        elapsed = f"[{time.monotonic() - self.started:6.1f}s]"
        if kind in _SHOWN:
            what = getattr(event, "asset_key", None)
            label = "/".join(what.path) if what is not None else (event.step_key or "")
            if kind == "ASSET_MATERIALIZATION" and not self.verbose:
                return
            print(f"  {elapsed} {_SHOWN[kind]}{label}", file=sys.stderr, flush=True)
        elif (
            record.levelno >= logging.WARNING
            or (self.verbose and record.levelno >= logging.INFO)
            or (record.levelno >= logging.INFO and _is_progress(meta))
        ):
            message = meta.get("orig_message") or record.getMessage()
            print(
                f"  {elapsed} {record.levelname.lower():7} {message}", file=sys.stderr, flush=True
            )


@dg.logger(config_schema={"verbose": bool})
def step_lines(init_context: dg.InitLoggerContext) -> logging.Logger:
    """Short progress lines on stderr: step starts, ends, warnings and errors."""
    logger = logging.getLogger("finops.progress")
    logger.handlers = [_StepLines(init_context.logger_config.get("verbose", False))]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger


def _is_progress(meta: dict[str, Any]) -> bool:
    # our sources report progress through context.log.info; Dagster's own info lines are events
    message = str(meta.get("orig_message") or "")
    return meta.get("dagster_event") is None and message.startswith(PROGRESS_PREFIXES)
