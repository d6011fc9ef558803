"""DuckDB SQL fragments for the export's fields: text extraction, typing, derived columns.

Every input shape is first reduced to one text expression per field (`FIELDS` in settings), so
CSV, JSON lines, parquet and BigQuery results are validated and typed by the same SQL.
"""

from __future__ import annotations

from ingestion.common.numbers import amount_sql

from .settings import MONEY_PRECISION, MONEY_SCALE, RATE_PRECISION, RATE_SCALE

MONEY = f"decimal({MONEY_PRECISION},{MONEY_SCALE})"
RATE = f"decimal({RATE_PRECISION},{RATE_SCALE})"
SQL_TYPES = {
    "string": "varchar",
    "money": MONEY,
    "rate": RATE,
    "quantity": "double",
    "timestamp": "timestamptz",
    "json": "varchar",
    "date": "date",
    "bigint": "bigint",
}

# credits and labels as BigQuery writes them when a REPEATED RECORD becomes JSON
CREDITS_SHAPE = (
    '[{"name":"VARCHAR","amount":"VARCHAR","full_name":"VARCHAR","id":"VARCHAR","type":"VARCHAR"}]'
)
KV_SHAPE = '[{"key":"VARCHAR","value":"VARCHAR"}]'
ANCESTORS_SHAPE = '[{"resource_name":"VARCHAR","display_name":"VARCHAR"}]'
INVOICE_MONTH_PATTERN = "[0-9]{4}(0[1-9]|1[0-2])"


def quote(identifier: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + value.replace("'", "''") + "'"


def typed(kind: str, text: str, locale: str) -> str:
    """SQL turning the text value of one field into its raw type; invalid values become NULL.

    Args:
        kind: field kind from settings.FIELDS.
        text: SQL expression of the field as text (NULL when empty).
        locale: number locale of the source (JSON and parquet numbers are always plain).

    Returns:
        A DuckDB expression.
    """
    if kind in ("string", "json"):
        return text
    if kind in ("money", "rate"):
        return f"try_cast(({amount_sql(text, locale)}) as {SQL_TYPES[kind]})"
    if kind == "quantity":
        return f"try_cast(({amount_sql(text, locale)}) as double)"
    if kind == "timestamp":
        # BigQuery's CSV/JSON extracts write `2022-08-01 03:00:00 UTC`, koku `+00:00`, its REST
        # API seconds since the epoch as a float string
        epoch = r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?"
        return (
            f"coalesce(try_cast({text} as timestamptz), case when regexp_full_match({text}, "
            f"'{epoch}') then to_timestamp(try_cast({text} as double)) end)"
        )
    raise ValueError(f"unknown kind {kind!r}")


def invalid(kind: str, text: str, locale: str) -> str:
    """SQL true when a present text value does not read as `kind`."""
    if kind == "string":
        return "false"
    if kind == "json":
        return (
            f"({text} is not null and coalesce(not json_valid({text}) or "
            f"json_type(case when json_valid({text}) then {text} end) != 'ARRAY', true))"
        )
    return f"({text} is not null and {typed(kind, text, locale)} is null)"


def credit_list(credits: str) -> str:
    """The credits JSON text as a DuckDB list of structs (validated JSON arrays only)."""
    return f"from_json({credits}, '{CREDITS_SHAPE}')"


def credit_amount(element: str) -> str:
    """A credit's amount as money; JSON numbers are plain whatever the file's locale."""
    return f"try_cast(({amount_sql(element + '.amount', 'plain')}) as {MONEY})"


def bad_credit(credits: str) -> str:
    """SQL true when some credit of a valid credits array has an amount that is not a number."""
    return (
        f"coalesce(list_bool_or(list_transform({credit_list(credits)}, "
        f"lambda c: c.amount is not null and {credit_amount('c')} is null)), false)"
    )


def is_cud(element: str) -> str:
    """SQL true for a committed use discount credit (type, or name in exports without type)."""
    return (
        f"(coalesce({element}.type, '') like 'COMMITTED_USAGE_DISCOUNT%' "
        f"or upper(coalesce({element}.name, '')) like 'COMMITTED USE DISCOUNT%')"
    )


def object_text(members: str) -> str:
    """A list of JSON members as one JSON object text; NULL when there is none."""
    return f"nullif('{{' || array_to_string({members}, ',') || '}}', '{{}}')"


# parsed REPEATED fields, computed once per row in an inner select (see `parsed`)
PARSED = ("gcp_credits__", "gcp_labels__", "gcp_project_labels__", "gcp_ancestors__")


def parsed() -> dict[str, str]:
    """Lists of structs from the validated JSON text of credits, labels and ancestors."""
    return {
        "gcp_credits__": f"coalesce({credit_list('credits')}, [])",
        "gcp_labels__": f"coalesce(from_json(labels, '{KV_SHAPE}'), [])",
        "gcp_project_labels__": f"coalesce(from_json(project_labels, '{KV_SHAPE}'), [])",
        "gcp_ancestors__": f"coalesce(from_json(project_ancestors, '{ANCESTORS_SHAPE}'), [])",
    }


def _members(items: str, prefix: str = "") -> str:
    """Key/value structs -> list of `"key":value` JSON members (text)."""
    key = f"{literal(prefix)} || e.key" if prefix else "e.key"
    return (
        f"list_transform(list_filter({items}, lambda e: e.key is not null), "
        f"lambda e: to_json({key})::varchar || ':' || to_json(e.value)::varchar)"
    )


def derived() -> dict[str, str]:
    """Derived raw columns (settings.DERIVED_COLUMNS) over the `parsed()` lists."""
    credits = "gcp_credits__"
    cuds = f"list_filter({credits}, lambda c: {is_cud('c')})"
    labels = _members("gcp_labels__")
    project = _members("gcp_project_labels__", "project:")
    ancestors = "gcp_ancestors__"
    # Google lists ancestors from the project up to the organization; put the root first
    rooted = (
        f"(case when coalesce(list_extract({ancestors}, 1).resource_name, '') like 'projects/%' "
        f"then list_reverse({ancestors}) else {ancestors} end)"
    )
    names = f"list_transform({rooted}, lambda a: a.display_name)"
    return {
        "credits_total": f"coalesce(list_sum(list_transform({credits}, "
        f"lambda c: {credit_amount('c')})), 0)",
        "cud_credits_total": f"coalesce(list_sum(list_transform({cuds}, "
        f"lambda c: {credit_amount('c')})), 0)",
        "cud_credit_id": f"nullif(list_extract({cuds}, 1).id, '')",
        "cud_credit_type": f"nullif(list_extract({cuds}, 1).type, '')",
        "cud_credit_name": f"coalesce(nullif(list_extract({cuds}, 1).full_name, ''), "
        f"nullif(list_extract({cuds}, 1).name, ''))",
        "labels_map": object_text(labels),
        "project_labels_map": object_text(_members("gcp_project_labels__")),
        "x_tags": object_text(f"list_concat({labels}, {project})"),
        "project_ancestry_path": f"nullif(array_to_string({names}, ' / '), '')",
        "project_ancestor_names": f"case when len({ancestors}) > 0 then to_json({names})::varchar "
        "end",
    }


def billing_period(invoice_month: str) -> str:
    """First day of the invoice month `YYYYMM` (text), or NULL when it is not one."""
    return (
        f"case when regexp_full_match({invoice_month}, '{INVOICE_MONTH_PATTERN}') "
        f"then make_date(cast(substr({invoice_month}, 1, 4) as integer), "
        f"cast(substr({invoice_month}, 5, 2) as integer), 1) end"
    )
