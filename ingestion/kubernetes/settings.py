"""Constants of the Kubernetes source: raw table contracts, JSON field names and CSV aliases.

OpenCost / Kubecost allocation fields are documented by the `/allocation` API
(https://opencost.io/docs/integrations/api) and defined in opencost's
`core/pkg/opencost/allocation_json.go` (AllocationJSON) and `allocationprops.go`
(AllocationProperties). The CSV exports are opencost's `pkg/costmodel/csv_export.go` (daily
file export: Date, Namespace, ControllerKind, ...) and `allocation_csv.go` (`format=csv` of
`/allocation/compute` and the summary CSV with WindowStart / WindowEnd).
"""

from __future__ import annotations

import re

DATASET_NAME = "raw_kubernetes"
ALLOCATIONS_TABLE = "allocations"
POD_USAGE_TABLE = "openshift_pod_usage"
STORAGE_USAGE_TABLE = "openshift_storage_usage"
NODE_LABELS_TABLE = "openshift_node_labels"
NAMESPACE_LABELS_TABLE = "openshift_namespace_labels"
LOADS_TABLE = "loads"
TABLES: tuple[str, ...] = (
    ALLOCATIONS_TABLE,
    POD_USAGE_TABLE,
    STORAGE_USAGE_TABLE,
    NODE_LABELS_TABLE,
    NAMESPACE_LABELS_TABLE,
    LOADS_TABLE,
)

MONEY_PRECISION, MONEY_SCALE = 38, 10
MONEY_SQL = f"decimal({MONEY_PRECISION}, {MONEY_SCALE})"

# kinds: string, json (JSON object text), money (decimal 38,10), quantity (double),
# timestamp (UTC, no zone), date, bigint
SQL_TYPES = {
    "string": "varchar",
    "json": "varchar",
    "money": MONEY_SQL,
    "quantity": "double",
    "timestamp": "timestamp",
    "date": "date",
    "bigint": "bigint",
}

# allocation properties -> raw column (JSON path below `properties`)
PROPERTY_COLUMNS: list[tuple[str, str, str]] = [
    ("cluster_id", "cluster", "string"),
    ("node", "node", "string"),
    ("namespace", "namespace", "string"),
    ("controller_kind", "controllerKind", "string"),
    ("controller", "controller", "string"),
    ("pod", "pod", "string"),
    ("container", "container", "string"),
    ("provider_id", "providerID", "string"),
    ("labels", "labels", "json"),
    ("namespace_labels", "namespaceLabels", "json"),
    ("annotations", "annotations", "json"),
    ("services", "services", "json"),
]

# top-level numeric allocation fields, raw column -> kind; the JSON name is the camelCase form
MEASURE_COLUMNS: list[tuple[str, str]] = [
    ("minutes", "quantity"),
    ("cpu_cores", "quantity"),
    ("cpu_core_request_average", "quantity"),
    ("cpu_core_usage_average", "quantity"),
    ("cpu_core_hours", "quantity"),
    ("cpu_cost", "money"),
    ("cpu_cost_adjustment", "money"),
    ("gpu_count", "quantity"),
    ("gpu_hours", "quantity"),
    ("gpu_cost", "money"),
    ("gpu_cost_adjustment", "money"),
    ("ram_bytes", "quantity"),
    ("ram_byte_request_average", "quantity"),
    ("ram_byte_usage_average", "quantity"),
    ("ram_byte_hours", "quantity"),
    ("ram_cost", "money"),
    ("ram_cost_adjustment", "money"),
    ("pv_bytes", "quantity"),
    ("pv_byte_hours", "quantity"),
    ("pv_cost", "money"),
    ("pv_cost_adjustment", "money"),
    ("network_transfer_bytes", "quantity"),
    ("network_receive_bytes", "quantity"),
    ("network_cost", "money"),
    ("network_cost_adjustment", "money"),
    ("load_balancer_cost", "money"),
    ("load_balancer_cost_adjustment", "money"),
    ("shared_cost", "money"),
    ("external_cost", "money"),
    ("total_cost", "money"),
]

ALLOCATION_COLUMNS: list[tuple[str, str]] = [
    ("allocation_name", "string"),
    *[(column, kind) for column, _, kind in PROPERTY_COLUMNS],
    ("window_start", "timestamp"),
    ("window_end", "timestamp"),
    ("usage_date", "date"),
    *MEASURE_COLUMNS,
    ("pvs", "json"),
    # namespace labels overlaid with the allocation's own labels (its own win): one object to
    # look a team label up in
    ("merged_labels", "json"),
    ("currency", "string"),  # the source's configured currency; the API does not state it
]

# lineage columns on every raw row
LINEAGE_COLUMNS: list[tuple[str, str]] = [
    ("billing_period", "date"),  # first day of the month of window_start: the unit's month
    ("x_format", "string"),  # opencost_json | opencost_csv | koku_csv
    ("x_export_id", "string"),  # md5 of the file (or HTTP response) the row came from
    ("x_source_file", "string"),  # path relative to the root, or the request URL
    ("x_source_row", "bigint"),  # 1-based: CSV data row, or allocation ordinal in the JSON
    ("x_json_path", "string"),  # JSON only: data[<step>]["<allocation name>"]
    ("x_extra", "json"),  # every delivered field not typed above
]


def camel(column: str) -> str:
    """The allocation JSON field name of a raw column (`cpu_core_hours` -> `cpuCoreHours`)."""
    head, *rest = column.split("_")
    return head + "".join(part.capitalize() for part in rest)


def normalize_header(name: str) -> str:
    """Header key for alias matching: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


# CSV header (normalized) -> raw column. The export headers first, then every JSON field name,
# so a flat CSV written with the API's field names reads too.
CSV_ALIASES: dict[str, str] = {
    "date": "window_start",
    "windowstart": "window_start",
    "start": "window_start",
    "windowend": "window_end",
    "end": "window_end",
    "name": "allocation_name",
    "cluster": "cluster_id",
    "clusterid": "cluster_id",
    "controllername": "controller",
    "providerid": "provider_id",
    "rambytesusageaverage": "ram_byte_usage_average",
    "rambytesrequestaverage": "ram_byte_request_average",
    "gpus": "gpu_count",
    **{normalize_header(prop): column for column, prop, _ in PROPERTY_COLUMNS},
    **{normalize_header(camel(column)): column for column, _ in MEASURE_COLUMNS},
}

# koku-metrics-operator report columns (docs/report-fields-description.md of
# project-koku/koku-metrics-operator); the report type is told by its header
_TIMES = [
    ("report_period_start", "timestamp"),
    ("report_period_end", "timestamp"),
    ("interval_start", "timestamp"),
    ("interval_end", "timestamp"),
]
OPENSHIFT_REPORTS: dict[str, dict] = {
    POD_USAGE_TABLE: {
        "marker": "pod_usage_cpu_core_seconds",
        "labels": ["pod_labels"],
        "columns": [
            *_TIMES,
            ("node", "string"),
            ("namespace", "string"),
            ("pod", "string"),
            ("resource_id", "string"),
            ("node_role", "string"),
            ("pod_usage_cpu_core_seconds", "quantity"),
            ("pod_request_cpu_core_seconds", "quantity"),
            ("pod_limit_cpu_core_seconds", "quantity"),
            ("pod_usage_memory_byte_seconds", "quantity"),
            ("pod_request_memory_byte_seconds", "quantity"),
            ("pod_limit_memory_byte_seconds", "quantity"),
            ("node_capacity_cpu_cores", "quantity"),
            ("node_capacity_cpu_core_seconds", "quantity"),
            ("node_capacity_memory_bytes", "quantity"),
            ("node_capacity_memory_byte_seconds", "quantity"),
            ("pod_labels", "string"),
        ],
    },
    STORAGE_USAGE_TABLE: {
        "marker": "persistentvolumeclaim",
        "labels": ["persistentvolume_labels", "persistentvolumeclaim_labels"],
        "columns": [
            *_TIMES,
            ("namespace", "string"),
            ("pod", "string"),
            ("persistentvolumeclaim", "string"),
            ("persistentvolume", "string"),
            ("storageclass", "string"),
            ("csi_volume_handle", "string"),
            ("persistentvolumeclaim_capacity_bytes", "quantity"),
            ("persistentvolumeclaim_capacity_byte_seconds", "quantity"),
            ("volume_request_storage_byte_seconds", "quantity"),
            ("persistentvolumeclaim_usage_byte_seconds", "quantity"),
            ("persistentvolume_labels", "string"),
            ("persistentvolumeclaim_labels", "string"),
        ],
    },
    NODE_LABELS_TABLE: {
        "marker": "node_labels",
        "labels": ["node_labels"],
        "columns": [*_TIMES, ("node", "string"), ("node_labels", "string")],
    },
    NAMESPACE_LABELS_TABLE: {
        "marker": "namespace_labels",
        "labels": ["namespace_labels"],
        "columns": [*_TIMES, ("namespace", "string"), ("namespace_labels", "string")],
    },
}
OPENSHIFT_LINEAGE: list[tuple[str, str]] = [
    ("cluster_id", "string"),
    ("billing_period", "date"),
    ("x_manifest_id", "string"),
    ("x_export_id", "string"),
    ("x_source_file", "string"),
    ("x_source_row", "bigint"),
    ("x_extra", "json"),
]
