"""`finops`: generate sample data, run the pipeline, ingest a folder of exports.

Errors print as one line plus a hint; `--debug` shows the traceback.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ingestion.common.numbers import LOCALES
from ingestion.warehouse import WarehouseConfigError, check_connection, describe, home


class NoBillingMonths(FileNotFoundError):
    """The configured paths hold no billing month a source can read."""


# the first hint whose error type matches is shown; NoBillingMonths comes before the generic
# FileNotFoundError because the path may be right and the amounts unreadable
HINTS: list[tuple[type[BaseException], str]] = [
    (
        WarehouseConfigError,
        "check FINOPS_WAREHOUSE / FINOPS_POSTGRES_URL / PG* variables; "
        "create a missing database with `createdb -h HOST -U USER NAME`",
    ),
    (
        NoBillingMonths,
        "check the path; if the amounts use thousand separators or comma decimals, pass "
        "--number-locale (en, de, fr); `--partition YYYY-MM` names the first value that does "
        "not read",
    ),
    (FileNotFoundError, "check the path; `finops generate --out DIR` makes sample exports"),
]


class PipelineFailed(click.ClickException):
    """A run finished with failed steps."""


def _status(message: str) -> None:
    click.echo(click.style("==> ", fg="cyan") + message, err=True)


def _fail(error: BaseException, debug: bool) -> None:
    if debug:
        raise error
    hint = next((h for kind, h in HINTS if isinstance(error, kind)), None)
    click.echo(
        click.style("error: ", fg="red", bold=True) + str(error).strip().splitlines()[0], err=True
    )
    if hint:
        click.echo(click.style("hint: ", fg="yellow") + hint, err=True)
    click.echo("(run with --debug for the full traceback)", err=True)
    sys.exit(1)


def _guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as error:  # every other error becomes one clear line
            _fail(error, debug)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@click.group()
@click.option("--debug", is_flag=True, help="Show full tracebacks.")
@click.option("--verbose", "-v", is_flag=True, help="Show every asset and info log.")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: bool) -> None:
    """Cloud FinOps pipeline: provider bills -> FOCUS -> gold marts."""
    ctx.obj = {"verbose": verbose}


@main.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--months", default=3, show_default=True, help="Billing months to generate.")
@click.option("--scale", default=50_000, show_default=True, help="Line items per month.")
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same files).")
@_guarded
def generate(out: Path, months: int, scale: int, seed: int) -> None:
    """Write deterministic sample billing exports with their ground truth."""
    _generate(out, months, scale, seed)


def _generate(
    out: Path, months: int, scale: int, seed: int, providers: tuple[str, ...] | None = None
) -> Path:
    from ingestion.sample_data import generate as generate_sample

    if months < 1 or scale < 100:
        raise click.BadParameter("need --months >= 1 and --scale >= 100")
    _status(f"generating {months} month(s) x ~{scale:,} lines (seed {seed}) into {out}")
    started = time.monotonic()
    summary = generate_sample(
        out,
        months=months,
        scale=scale,
        seed=seed,
        providers=providers or SAMPLE_PROVIDERS,
        progress=lambda m: click.echo(f"  {m}", err=True),
    )
    _status(f"sample data ready in {time.monotonic() - started:.1f}s")
    return Path(getattr(summary, "ground_truth_path", out))


@main.command()
@click.option(
    "--partition",
    "partitions",
    multiple=True,
    metavar="YYYY-MM",
    help="Billing month to (re)build; repeatable. Default: every month found.",
)
@click.pass_context
@_guarded
def run(ctx: click.Context, partitions: tuple[str, ...]) -> None:
    """Materialize the asset graph (raw -> gold) for the configured sources."""
    _run(list(partitions), ctx.obj["verbose"])


@main.group()
def ingest() -> None:
    """Load one folder, file or URL of exports and build the downstream models."""


_PARTITION_OPTION = click.option(
    "--partition",
    "partitions",
    multiple=True,
    metavar="YYYY-MM",
    help="Only these billing months; repeatable. Default: every month found.",
)

# extra options of some sources -> the source option (dlt config key) that carries them
_SOURCE_OPTIONS: dict[str, list[tuple[str, str, str]]] = {
    "focus": [
        (
            "--focus-version",
            "focus_version",
            "FOCUS version of files whose column signature is ambiguous (e.g. 1.2).",
        )
    ],
}


def _ingest_command(spec: Any) -> click.Command:
    """`finops ingest <source> --path ...` for one registered source."""

    @click.pass_context
    @_guarded
    def command(
        ctx: click.Context,
        path: str,
        partitions: tuple[str, ...],
        number_locale: str | None,
        **options: Any,
    ) -> None:
        settings = {
            option: options[flag.lstrip("-").replace("-", "_")]
            for flag, option, _ in _SOURCE_OPTIONS.get(spec.name, [])
        }
        if number_locale:
            settings["number_locale"] = _check_parses_numbers(spec, number_locale)
        if "://" not in path and not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        location = path if "://" in path else str(Path(path).resolve())
        with _environment({spec.path_env: location}), _source_settings(spec, settings):
            _run(list(partitions), ctx.obj["verbose"], [spec.name])

    params: list[click.Parameter] = [
        click.Option(["--path"], required=True, help="Folder, file or URL of the exports."),
        click.Option(
            ["--number-locale"],
            type=click.Choice(LOCALES),
            help="How amounts written as text are read, for this run only: plain 1234.56, "
            "en 1,234.56, de 1.234,56, fr 1 234,56. Default: the source's config, else plain.",
        ),
    ]
    for flag, _, help_text in _SOURCE_OPTIONS.get(spec.name, []):
        params.append(click.Option([flag], help=help_text))
    cmd = click.Command(spec.name, callback=command, params=params, help=f"{spec.title}.")
    return _PARTITION_OPTION(cmd)


def _check_parses_numbers(spec: Any, locale: str) -> str:
    """`locale`, or a usage error when the source reads no amounts written as text."""
    from ingestion import registry

    if not spec.parses_numbers:
        takes = ", ".join(s.name for s in registry.SOURCES if s.parses_numbers)
        raise click.UsageError(
            f"--number-locale does not apply to {spec.name}: it reads no amounts written as "
            f"text. Sources that take it: {takes}"
        )
    return locale


def _env_name(config_key: str) -> str:
    """The environment variable dlt reads a config key from (`a.b.c` -> `A__B__C`)."""
    return config_key.upper().replace(".", "__")


@contextmanager
def _source_settings(spec: Any, settings: dict[str, str | None]) -> Iterator[None]:
    """Source options set through dlt config for one run, the previous values restored after."""
    names = {_env_name(spec.config_key(option)): value for option, value in settings.items()}
    with _environment(names):
        yield


@contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    """Environment variables set (None or empty: left alone) for a block, then restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update({name: value for name, value in values.items() if value})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _number_locale(spec: Any) -> str:
    """The source's configured number locale (env or .dlt config), else `plain`."""
    import dlt

    return dlt.config.get(spec.config_key("number_locale")) or "plain"


def _register_ingest_commands() -> None:
    from ingestion import registry

    for spec in registry.SOURCES:
        ingest.add_command(_ingest_command(spec))


# every provider of the demo organization; GCP before accounts, whose GCP projects come from it
SAMPLE_PROVIDERS = (
    "aws",
    "azure",
    "gcp",
    "saas",
    "kubernetes",
    "accounts",
    "business_metrics",
    "utilization",
)

# sample folders written by `finops generate` -> the source that reads them
SAMPLE_ROOTS = {
    "aws-cur": "aws",
    "azure-cost": "azure",
    "gcp-billing": "gcp",
    "focus": "focus",
    "saas": "saas",
    "accounts": "accounts",
    "kubernetes": "kubernetes",
    "business-metrics": "business_metrics",
    "utilization-metrics": "utilization",
}


@main.command()
@click.option("--months", default=3, show_default=True)
@click.option("--scale", default=50_000, show_default=True, help="Line items per month.")
@click.option("--seed", default=42, show_default=True)
@click.option(
    "--providers",
    default=",".join(SAMPLE_PROVIDERS),
    show_default=True,
    help="Comma-separated sample providers to generate and load.",
)
@click.pass_context
@_guarded
def demo(ctx: click.Context, months: int, scale: int, seed: int, providers: str) -> None:
    """Generate sample data for every provider and run the whole pipeline into DuckDB."""
    from ingestion import registry

    started = time.monotonic()
    sample = home() / "sample"
    chosen = tuple(name.strip() for name in providers.split(",") if name.strip())
    unknown = sorted(set(chosen) - set(SAMPLE_PROVIDERS))
    if unknown:
        raise click.BadParameter(f"unknown provider(s) {unknown}; known: {SAMPLE_PROVIDERS}")
    _generate(sample, months, scale, seed, chosen)
    roots = {
        spec.path_env: str(sample / SAMPLE_ROOTS.get(spec.name, spec.module_name))
        for spec in registry.SOURCES
    }
    with _environment({name: root for name, root in roots.items() if Path(root).exists()}):
        _run([], ctx.obj["verbose"])
    _status(f"demo finished in {time.monotonic() - started:.1f}s")


def _run(partitions: list[str], verbose: bool, sources: list[str] | None = None) -> None:
    from orchestration.runner import contiguous_ranges, run_months
    from orchestration.summary import render_summary

    specs = _configured(sources)
    months = partitions or _months_found(specs)
    if not months:
        where = ", ".join(f"{spec.name}: {_path_of(spec)}" for spec in specs)
        raise NoBillingMonths(f"no billing months found to load ({where})")
    check_connection()
    _status(f"warehouse: {describe()}")
    failures: list[str] = []
    for first, last in contiguous_ranges(months):
        names = ", ".join(spec.name for spec in specs)
        _status(f"running the pipeline for {first}..{last} (sources: {names})")
        outcome = run_months(first, last, verbose, sources)
        failures += outcome.failures
        verdict = "succeeded" if outcome.success else "FAILED"
        _status(f"{verdict} (Dagster run {outcome.run_id}; dbt log {outcome.log_path})")
    if failures:
        for failure in failures:
            click.echo(click.style("  failed: ", fg="red") + failure, err=True)
    try:
        click.echo(render_summary())
    except Exception as error:  # a failed run may have left gold unbuilt; say so, keep the cause
        click.echo(
            f"(no summary: gold tables are not readable: {str(error).splitlines()[0]})", err=True
        )
    if failures:
        raise PipelineFailed(f"{len(failures)} step(s) failed; see the lines above or `make dev`")


def _path_of(spec: Any) -> str | None:
    from orchestration.lib.env import aws_cur_path

    return aws_cur_path() if spec.name == "aws-cur" else spec.configured_path()


def _configured(sources: list[str] | None) -> list[Any]:
    """The sources to run: those named, else every source with a configured path."""
    from ingestion import registry

    if sources:
        return [registry.get(name) for name in sources]
    return [spec for spec in registry.SOURCES if _path_of(spec) is not None]


def _months_found(specs: list[Any]) -> list[str]:
    """Billing months present in the sources' paths; reference sources refresh gold's months."""
    months: set[str] = set()
    reference_only = True
    for spec in specs:
        if spec.period_scoped:
            reference_only = False
            locale = {"number_locale": _number_locale(spec)} if spec.parses_numbers else {}
            months |= set(spec.load().months_found(_path_of(spec), **locale))
    if reference_only:
        months |= set(_gold_months()) or {time.strftime("%Y-%m")}
    return sorted(months)


def _gold_months() -> list[str]:
    """Billing months already in gold (empty when gold is not built yet)."""
    from orchestration.lib.tables import fetch_rows

    try:
        _, rows = fetch_rows("select distinct x_billing_period from gold.fct_cost")
    except Exception:  # no gold yet: nothing to refresh
        return []
    return [f"{row[0]:%Y-%m}" for row in rows]


def _register_analysis_commands() -> None:
    """Analysis (CSV series), conformance, month-end close and status commands."""
    from orchestration.cli_commitments import COMMANDS as commitment_commands
    from orchestration.cli_conformance import COMMANDS as conformance_commands
    from orchestration.cli_finance import COMMANDS as finance_commands
    from orchestration.cli_forecast import COMMANDS as forecast_commands
    from orchestration.cli_status import COMMANDS as status_commands

    for command in [
        *forecast_commands,
        *commitment_commands,
        *conformance_commands,
        *finance_commands,
        *status_commands,
    ]:
        main.add_command(command)


_register_analysis_commands()
_register_ingest_commands()

if __name__ == "__main__":
    main()
