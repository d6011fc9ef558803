"""Benchmark: lower bound vs our ingestion, transformations and end to end, same files.

    uv run python bench/pipeline.py --scale 1000000 --warehouse duckdb

Writes bench/out/results.json and prints a table. Every stage runs in its own process; memory
is the peak RSS of that stage's whole process tree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from measure import Measurement, run_measured

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable


def stage(rows: int, measured: Measurement, bound: float | None) -> dict[str, float]:
    """One stage's figures; the ratio is our seconds over the lower bound's."""
    return {
        "rows": rows,
        "seconds": round(measured.seconds, 2),
        "rows_per_s": round(rows / measured.seconds) if measured.seconds else 0,
        "peak_rss_mb": round(measured.peak_rss_mb, 1),
        "ratio_to_lower_bound": round(measured.seconds / bound, 2) if bound else 1.0,
    }


def warehouse_env(kind: str, work: Path, name: str, database: str | None) -> dict[str, str]:
    """Environment pointing one stage at its own fresh warehouse."""
    env = {
        "FINOPS_WAREHOUSE": kind,
        "FINOPS_HOME": str(work / f"home-{name}"),
        "DO_NOT_TRACK": "1",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    if kind == "duckdb":
        env["FINOPS_DUCKDB_PATH"] = str(work / f"{name}.duckdb")
    else:
        env.update(
            PGHOST=os.environ.get("PGHOST", "127.0.0.1"),
            PGUSER=os.environ.get("PGUSER", "postgres"),
            PGDATABASE=database or "",
        )
    return env


def create_database(name: str) -> None:
    """A fresh PostgreSQL database for one stage."""
    subprocess.run(
        [
            "psql",
            "-h",
            os.environ.get("PGHOST", "127.0.0.1"),
            "-U",
            "postgres",
            "-qc",
            f'create database "{name}"',
        ],
        check=True,
    )


def main() -> None:
    """Generate (or reuse) the files, run the four stages, print and save the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1_000_000, help="line items per month")
    parser.add_argument("--months", type=int, default=1)
    parser.add_argument("--warehouse", choices=["duckdb", "postgres"], default="duckdb")
    args = parser.parse_args()

    data = OUT / f"data-{args.scale}-{args.months}"
    if not (data / "aws").exists():
        print(f"generating {args.months} month(s) at scale {args.scale:,} into {data}", flush=True)
        subprocess.run(
            [
                PYTHON,
                "-m",
                "orchestration.cli",
                "generate",
                "--out",
                str(data),
                "--months",
                str(args.months),
                "--scale",
                str(args.scale),
            ],
            check=True,
            cwd=ROOT,
        )
    exports = str(data / "aws")
    work = Path(tempfile.mkdtemp(prefix="finops-bench-"))
    suffix = uuid.uuid4().hex[:6]
    try:
        # compiled SQL names the catalog after the DuckDB file, so compile against a file with
        # the lower bound's name (an empty one: incremental models compile as full builds)
        compile_env = warehouse_env("duckdb", work, "compile", None)
        (work / "compile").mkdir()
        compile_env["FINOPS_DUCKDB_PATH"] = str(work / "compile" / "lower.duckdb")
        subprocess.run(
            ["dbt", "compile", "--quiet"],
            cwd=ROOT / "dbt_project",
            check=True,
            env={**os.environ, **compile_env, "DBT_PROFILES_DIR": str(ROOT / "dbt_project")},
        )
        lower = run_measured(
            [
                PYTHON,
                str(ROOT / "bench" / "lower_bound.py"),
                "--path",
                exports,
                "--db",
                str(work / "lower.duckdb"),
            ],
            cwd=ROOT,
        )
        read_text, transform_text, rows_text = lower.output.strip().splitlines()[-1].split()
        read_s, transform_s, rows = float(read_text), float(transform_text), int(rows_text)
        results: dict[str, object] = {
            "scale": args.scale,
            "months": args.months,
            "warehouse": args.warehouse,
        }
        results["lower_bound"] = {
            **stage(rows, lower, None),
            "read_seconds": read_s,
            "transform_seconds": transform_s,
        }
        names = {n: f"finops_bench_{n}_{suffix}" for n in ("ingest", "e2e")}
        if args.warehouse == "postgres":
            for name in names.values():
                create_database(name)
        ingest_env = warehouse_env(args.warehouse, work, "ingest", names["ingest"])
        ingest = run_measured(
            [PYTHON, str(ROOT / "bench" / "ingest_only.py"), exports], env=ingest_env, cwd=ROOT
        )
        results["ingest"] = stage(rows, ingest, read_s)
        transform = run_measured(
            ["dbt", "build", "--quiet"],
            cwd=ROOT / "dbt_project",
            env={**ingest_env, "DBT_PROFILES_DIR": str(ROOT / "dbt_project")},
        )
        results["transform"] = stage(rows, transform, transform_s)
        e2e_env = warehouse_env(args.warehouse, work, "e2e", names["e2e"])
        e2e = run_measured(
            [PYTHON, "-m", "orchestration.cli", "ingest", "aws-cur", "--path", exports],
            env=e2e_env,
            cwd=ROOT,
        )
        results["end_to_end"] = stage(rows, e2e, read_s + transform_s)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    _print_table(results)


def _print_table(results: dict[str, object]) -> None:
    print(f"\nscale {results['scale']:,} rows/month, warehouse {results['warehouse']}")
    print(f"{'stage':<13}{'rows':>12}{'seconds':>10}{'rows/s':>12}{'peak MiB':>10}{'ratio':>8}")
    for name in ("lower_bound", "ingest", "transform", "end_to_end"):
        figures = results[name]
        assert isinstance(figures, dict)
        print(
            f"{name:<13}{figures['rows']:>12,}{figures['seconds']:>10}{figures['rows_per_s']:>12,}"
            f"{figures['peak_rss_mb']:>10}{figures['ratio_to_lower_bound']:>8}"
        )
    lower = results["lower_bound"]
    assert isinstance(lower, dict)
    split = f"read {lower['read_seconds']}s, transform {lower['transform_seconds']}s"
    print(f"(lower bound split: {split})")


if __name__ == "__main__":
    main()
