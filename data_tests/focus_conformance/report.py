"""Render a conformance report as a text table or JSON."""

from __future__ import annotations

from typing import Any

from data_tests.focus_conformance.runner import (
    ABSENT,
    FAIL,
    NOT_APPLICABLE,
    NOT_CHECKED,
    PASS,
    WARN,
    ConformanceReport,
)

# what the table shows per status
CELL = {
    PASS: "PASS",
    FAIL: "FAIL",
    WARN: "WARN",
    NOT_APPLICABLE: "n.a.",
    ABSENT: "n.a. (absent)",
    NOT_CHECKED: "not checked",
}


def to_dict(report: ConformanceReport) -> dict[str, Any]:
    """A JSON-safe dict: model, providers with summaries, every rule with its outcomes."""
    rules = []
    for rule_id, by_provider in report.outcomes.items():
        rule = report.rules.rules[rule_id]
        rules.append(
            {
                "rule_id": rule_id,
                "column": rule.column,
                "reference": rule.reference,
                "function": rule.function,
                "keyword": rule.keyword,
                "mandatory": rule.mandatory,
                "kind": rule.kind,
                "must_satisfy": rule.must_satisfy,
                "applicability": list(rule.applicability),
                "notes": rule.notes,
                "outcomes": {
                    provider: {
                        "status": outcome.status,
                        "rows_checked": outcome.rows_checked,
                        "rows_failing": outcome.rows_failing,
                        "example": outcome.example,
                        "detail": outcome.detail,
                    }
                    for provider, outcome in by_provider.items()
                },
            }
        )
    return {
        "model": {
            "path": report.rules.model_path.name,
            "model_version": report.rules.model_version,
            "focus_version": report.rules.focus_version,
            "stale_errata": report.rules.stale_errata,
        },
        "table": report.table,
        "providers": {
            provider: {"rows": report.row_counts[provider], "summary": report.summary(provider)}
            for provider in report.providers
        },
        "mandatory_failures": [
            {"rule_id": rule_id, "provider": provider}
            for rule_id, provider in report.mandatory_failures()
        ],
        "rules": rules,
    }


def to_table(report: ConformanceReport, show_unchecked: bool = False) -> str:
    """Rule id, column, one status column per provider; then a summary line per provider.

    Rules not checked for every provider are listed only with `show_unchecked` (their count is
    always in the summary); failing cells carry the failing row count and an example value.
    """
    providers = report.providers
    lines: list[list[str]] = [["rule", "column", *providers]]
    for rule_id, by_provider in report.outcomes.items():
        rule = report.rules.rules[rule_id]
        statuses = {outcome.status for outcome in by_provider.values()}
        if not show_unchecked and statuses <= {NOT_CHECKED}:
            continue
        cells = []
        for provider in providers:
            outcome = by_provider[provider]
            cell = CELL[outcome.status]
            if outcome.status in (FAIL, WARN) and outcome.rows_failing is not None:
                cell += f" {outcome.rows_failing}/{outcome.rows_checked}"
                if outcome.example is not None:
                    cell += f" e.g. {outcome.example[:40]!r}"
            if outcome.status == NOT_CHECKED and show_unchecked:
                cell += f": {outcome.detail}"
            cells.append(cell)
        lines.append([rule_id, rule.column or rule.reference, *cells])
    widths = [max(len(row[i]) for row in lines) for i in range(2)]
    text = [
        "  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]), *row[2:]]).rstrip()
        for row in lines
    ]
    text.append("")
    for provider in providers:
        counts = report.summary(provider)
        text.append(
            f"{provider}: {counts[PASS]} passed, {counts[FAIL]} failed, {counts[WARN]} warned "
            f"(SHOULD), {counts[NOT_APPLICABLE]} no rows in scope, {counts[ABSENT]} column "
            f"absent, {counts[NOT_CHECKED]} not checked "
            f"({report.row_counts[provider]:,} rows, model {report.rules.model_version})"
        )
    if not providers:
        text.append(f"{report.table} has no rows")
    return "\n".join(text)
