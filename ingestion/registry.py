"""Every ingestion source by its CLI name: where its package is and how it is configured.

A source package under `ingestion/` exposes:
    DATASET_NAME: the raw schema it writes (`raw_<package>`).
    TABLES: the dlt table names it writes.
    dlt_source(path, billing_periods=None, report=None, progress=None) -> dlt source; lazy:
        nothing is read until the pipeline iterates it.
    months_found(path) -> list[str]: the billing months (YYYY-MM) present under `path`.
Sources that read amounts written as text (`parses_numbers`) also take `number_locale`
(ingestion/common/numbers.py) in both functions, so months are found the way rows are read.
Other options come from dlt config (`SOURCES__<PACKAGE>__<OPTION>` or `.dlt/config.toml`),
so a source is added to a deployment by configuration alone.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class SourceSpec:
    """One source.

    Attributes:
        name: CLI name (`finops ingest <name>`).
        package: Python package under `ingestion/`.
        path_env: environment variable holding its folder, file or URL.
        title: what it loads, for help texts and the UI.
        period_scoped: True when billing months are replaced as units; False for reference data
            (accounts, metrics) that is refreshed as a whole whatever months a run covers.
        parses_numbers: True when the source reads amounts written as text and so takes a
            `number_locale` (`plain`, `en`, `de`, `fr`).
    """

    name: str
    package: str
    path_env: str
    title: str
    period_scoped: bool = True
    parses_numbers: bool = True

    @property
    def module_name(self) -> str:
        """`<package>` without the `ingestion.` prefix, as used in asset keys and schemas."""
        return self.package.rsplit(".", 1)[-1]

    def load(self) -> ModuleType:
        """The source package."""
        return importlib.import_module(self.package)

    def config_key(self, option: str) -> str:
        """The dlt config key of one of the source's options (`sources.<package>.<option>`)."""
        return f"sources.{self.module_name}.{option}"

    def configured_path(self) -> str | None:
        """The configured path, or None when this deployment does not use the source."""
        return os.environ.get(self.path_env) or None


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        "aws-cur",
        "ingestion.aws_cur",
        "FINOPS_AWS_CUR_PATH",
        "AWS Data Exports (CUR 2.0) and legacy CUR, local or S3",
        parses_numbers=False,
    ),
    SourceSpec(
        "kubernetes",
        "ingestion.kubernetes",
        "FINOPS_KUBERNETES_PATH",
        "Kubernetes allocation (OpenCost / Kubecost JSON, CSV or API) and OpenShift usage",
    ),
    SourceSpec(
        "azure-cost",
        "ingestion.azure_cost",
        "FINOPS_AZURE_COST_PATH",
        "Azure Cost Management cost details exports (actual + amortized), local or Blob Storage",
    ),
    SourceSpec(
        "gcp-billing",
        "ingestion.gcp_billing",
        "FINOPS_GCP_BILLING_PATH",
        "Google Cloud Billing export (BigQuery table, or CSV / JSON lines / parquet dumps)",
    ),
    SourceSpec(
        "focus",
        "ingestion.focus_files",
        "FINOPS_FOCUS_PATH",
        "FOCUS files (0.5 to 1.4) from any provider: CSV, CSV.gz, parquet; local, S3 or Blob",
    ),
    SourceSpec(
        "saas",
        "ingestion.saas",
        "FINOPS_SAAS_PATH",
        "SaaS vendor invoices (CSV, one file per vendor and month); local, S3 or Blob",
    ),
    SourceSpec(
        "accounts",
        "ingestion.accounts",
        "FINOPS_ACCOUNTS_PATH",
        "Account hierarchy (AWS Organizations, Azure management groups, GCP projects, CSV)",
        period_scoped=False,
        parses_numbers=False,
    ),
    SourceSpec(
        "business-metrics",
        "ingestion.business_metrics",
        "FINOPS_BUSINESS_METRICS_PATH",
        "Daily business metrics per product (CSV long/wide, JSON files or JSON API)",
    ),
    SourceSpec(
        "utilization-metrics",
        "ingestion.utilization_metrics",
        "FINOPS_UTILIZATION_METRICS_PATH",
        "CPU / memory utilization (CloudWatch, Azure Monitor CSV) and resource inventory",
        parses_numbers=False,
    ),
)

BY_NAME = {spec.name: spec for spec in SOURCES}


def get(name: str) -> SourceSpec:
    """The source called `name`, or a ValueError listing the known ones."""
    if name not in BY_NAME:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(BY_NAME)}")
    return BY_NAME[name]
