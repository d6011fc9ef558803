"""Column naming and typing: legacy CUR headers -> CUR 2.0 names, and DuckDB cast expressions.

AWS documents two header styles for the same data: legacy CUR writes `lineItem/UnblendedCost`
(category / camelCase attribute), CUR 2.0 and Athena-ready legacy CUR write
`line_item_unblended_cost`. AWS turns one into the other by putting `_` before each capital, so
`savingsPlan/SavingsPlanARN` becomes `savings_plan_savings_plan_a_r_n`; we apply the same rule.
Tags and cost categories arrive as one column per key in legacy files and as map columns in
CUR 2.0; both become one JSON object per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .settings import (
    LINE_ITEM_COLUMNS,
    MAP_CATEGORIES,
    MONEY_PRECISION,
    MONEY_SCALE,
    RATE_PRECISION,
    RATE_SCALE,
)

TYPED_COLUMNS = dict(LINE_ITEM_COLUMNS)

# columns without which a file cannot be a cost export; checked before anything loads
REQUIRED_COLUMNS = (
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "bill_payer_account_id",
)

SQL_TYPES = {
    "string": "varchar",
    "money": f"decimal({MONEY_PRECISION},{MONEY_SCALE})",
    "rate": f"decimal({RATE_PRECISION},{RATE_SCALE})",
    "quantity": "double",
    "timestamp": "timestamptz",
    "map": "varchar",
    "bigint": "bigint",
    "date": "date",
}

# spellings seen in real exports for the same column; used only when the CUR 2.0 name is absent
ALIASES = {
    "savings_plan_savings_plan_arn": "savings_plan_savings_plan_a_r_n",
    "reservation_reservation_arn": "reservation_reservation_a_r_n",
    "product_region": "product_region_code",
    "product_service_code": "product_servicecode",
}

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")


def snake(name: str) -> str:
    """Convert a CUR camelCase name to AWS's snake_case (`SavingsPlanARN` -> `savings_plan_a_r_n`).

    Args:
        name: a category or attribute name from a legacy header.

    Returns:
        The lower-case name with `_` before every capital and non-word runs collapsed.
    """
    spaced = _CAMEL_BOUNDARY.sub("_", name.strip())
    return _NON_WORD.sub("_", spaced).strip("_").lower().replace("__", "_")


@dataclass(frozen=True)
class SourceColumn:
    """One column of a delivered file and where it lands in the raw table."""

    header: str  # as written in the file
    target: str  # CUR 2.0 column, a map name (resource_tags, cost_category, product), or x_extra
    map_key: str | None = None  # key inside the map when target is a map


def classify_header(header: str) -> SourceColumn:
    """Decide where one delivered column goes.

    Args:
        header: the column name exactly as the file writes it.

    Returns:
        A SourceColumn naming a typed column, or a map and its key.
    """
    if "/" in header:
        category, attribute = header.split("/", 1)
        map_name = MAP_CATEGORIES.get(snake(category).replace("_", ""))
        if map_name:
            return SourceColumn(header, map_name, attribute)
        name = f"{snake(category)}_{snake(attribute)}"
    else:
        name = header.strip().lower()
        for prefix, map_name in (
            ("resource_tags_", "resource_tags"),
            ("cost_category_", "cost_category"),
        ):
            if name.startswith(prefix):
                return SourceColumn(header, map_name, header.strip()[len(prefix) :])
    if name in TYPED_COLUMNS:
        return SourceColumn(header, name)
    if name.startswith("product_"):
        return SourceColumn(header, "product", name[len("product_") :])
    return SourceColumn(header, "x_extra", name)


@dataclass
class FileLayout:
    """How one file's columns map onto the raw table, with the SQL to read them."""

    # target column -> source header
    typed: dict[str, str] = field(default_factory=dict)
    # map target -> header of a MAP column (CUR 2.0 parquet)
    native_maps: dict[str, str] = field(default_factory=dict)
    # map target -> header of a JSON text column (CUR 2.0 CSV)
    json_maps: dict[str, str] = field(default_factory=dict)
    # map target -> (key, header) of one-column-per-key maps (legacy resourceTags/*)
    map_entries: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def missing_required(self) -> list[str]:
        """Required CUR columns this file does not have."""
        return [c for c in REQUIRED_COLUMNS if c not in self.typed]


def plan_layout(headers: dict[str, str]) -> FileLayout:
    """Map a file's headers (name -> DuckDB type) onto the raw table.

    Args:
        headers: column name -> DuckDB type name, in file order.

    Returns:
        The FileLayout; the first occurrence of a duplicated target wins.
    """
    layout = FileLayout()
    for header, duck_type in headers.items():
        column = classify_header(header)
        if column.map_key is None and column.target in (
            "resource_tags",
            "cost_category",
            "product",
        ):
            if duck_type.upper().startswith("MAP"):
                layout.native_maps[column.target] = header
            else:
                # CUR 2.0 CSV exports write map columns as JSON objects
                layout.json_maps[column.target] = header
            continue
        if column.map_key is None:
            layout.typed.setdefault(column.target, header)
        else:
            layout.map_entries.setdefault(column.target, []).append((column.map_key, header))
    for alias, target in ALIASES.items():
        header = _find_extra(layout, alias)
        if header and target not in layout.typed:
            layout.typed[target] = header
    return layout


def _find_extra(layout: FileLayout, name: str) -> str | None:
    """Header of a column that landed in a map under `name` (product_ keys lose their prefix)."""
    for map_name, entries in layout.map_entries.items():
        for key, header in entries:
            if (map_name == "product" and f"product_{key}" == name) or key == name:
                return header
    return None


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a string literal for DuckDB (file names and keys never become SQL unescaped)."""
    return "'" + value.replace("'", "''") + "'"


def cast_expression(kind: str, header: str, duck_type: str) -> str:
    """SQL turning one source column into its raw-table type; bad values become NULL.

    Args:
        kind: the target kind from settings (money, rate, timestamp, ...).
        header: the source column.
        duck_type: its DuckDB type as read.

    Returns:
        A DuckDB expression; validation compares it with the source to find bad values.
    """
    col = quote(header)
    target = SQL_TYPES[kind]
    if duck_type.upper() in ("VARCHAR", "STRING"):
        col = f"nullif(trim({col}), '')"
    if kind in ("string", "map"):
        return f"cast({col} as varchar)"
    if kind == "quantity" and duck_type.upper() == "DOUBLE":
        return col
    if duck_type.upper() in ("DOUBLE", "FLOAT", "REAL"):
        # NaN / infinity cannot be money; try_cast turns them into NULL and validation reports them
        return f"try_cast(case when isfinite({col}) then {col} end as {target})"
    return f"try_cast({col} as {target})"


def map_expression(layout: FileLayout, target: str) -> str:
    """SQL building the JSON object of one map column (tags, cost categories, product, extras).

    Args:
        layout: the file layout.
        target: resource_tags, cost_category, product or x_extra.

    Returns:
        A DuckDB expression yielding JSON text, `{}` when the row has no entries.
    """
    parts: list[str] = []
    if target in layout.native_maps:
        parts.append(f"coalesce(map_entries({quote(layout.native_maps[target])}), [])")
    if target in layout.json_maps:
        text = f"nullif(trim({quote(layout.json_maps[target])}), '')"
        as_map = f"try_cast(try_cast({text} as json) as map(varchar, varchar))"
        parts.append(f"coalesce(map_entries({as_map}), [])")
    entries = layout.map_entries.get(target, [])
    if entries:
        structs = ", ".join(
            f"struct_pack(key := {literal(key)}, value := cast({quote(header)} as varchar))"
            for key, header in entries
        )
        parts.append(f"[{structs}]")
    if not parts:
        return "'{}'"
    combined = parts[0] if len(parts) == 1 else f"list_concat({', '.join(parts)})"
    kept = f"list_filter({combined}, lambda e: e.value is not null and e.value <> '')"
    return f"cast(to_json(map_from_entries({kept})) as varchar)"
