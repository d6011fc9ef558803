"""Run the conformance rules on the warehouse, per provider, as SQL aggregates.

Row rules share one grouped scan of the table (three aggregates per rule: rows in scope, rows
failing, an example failing value); each CheckDistinctCount rule is one grouped subquery;
presence and type rules read the catalog. Nothing but aggregates leaves the warehouse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from data_tests.focus_conformance.rules import TYPE_FUNCTIONS, Rule, RuleSet, load_rules
from data_tests.focus_conformance.sql import CompileError, Compiler, literal

DEFAULT_TABLE = "silver.int_costs_unioned"
PROVIDER_COLUMN = "x_provider"

PASS, FAIL, WARN = "PASS", "FAIL", "WARN"
NOT_APPLICABLE = "N/A"  # no row in the rule's scope
ABSENT = "ABSENT"  # a column the rule reads is not in the table
NOT_CHECKED = "NOT_CHECKED"

TYPE_FAMILIES = {
    "numeric": ("decimal", "numeric", "double", "float", "real"),
    "string": ("varchar", "character varying", "text", "char", "string"),
    "datetime": ("timestamp",),
}

Fetch = Callable[[str], list[tuple[Any, ...]]]


@dataclass
class Outcome:
    """One rule on one provider."""

    status: str
    rows_checked: int | None = None
    rows_failing: int | None = None
    example: str | None = None
    detail: str = ""


@dataclass
class ConformanceReport:
    """Every rule's outcome for every provider."""

    rules: RuleSet
    table: str
    providers: list[str]
    row_counts: dict[str, int]
    columns: dict[str, str]
    outcomes: dict[str, dict[str, Outcome]] = field(default_factory=dict)

    def summary(self, provider: str) -> dict[str, int]:
        """Counts per status for one provider (composites excluded: they repeat children)."""
        counts = {s: 0 for s in (PASS, FAIL, WARN, NOT_APPLICABLE, ABSENT, NOT_CHECKED)}
        for rule_id, by_provider in self.outcomes.items():
            if self.rules.rules[rule_id].kind != "composite":
                counts[by_provider[provider].status] += 1
        return counts

    def mandatory_failures(self) -> list[tuple[str, str]]:
        """(rule id, provider) of every failed MUST / MUST NOT rule (composites left out)."""
        return [
            (rule_id, provider)
            for rule_id, by_provider in self.outcomes.items()
            for provider, outcome in by_provider.items()
            if outcome.status == FAIL
            and self.rules.rules[rule_id].mandatory
            and self.rules.rules[rule_id].kind != "composite"  # composites repeat children
        ]


def _failed(rule: Rule) -> str:
    return FAIL if rule.mandatory else WARN


def _type_family(data_type: str) -> str | None:
    lowered = data_type.lower()
    for family, prefixes in TYPE_FAMILIES.items():
        if lowered.startswith(prefixes):
            return family
    return None


def _catalog(fetch: Fetch, table: str) -> dict[str, str]:
    schema, name = table.split(".", 1)
    rows = fetch(
        "select column_name, data_type from information_schema.columns where table_schema = "
        f"{literal(schema)} and table_name = {literal(name)} order by ordinal_position"
    )
    return {str(column).lower(): str(data_type) for column, data_type in rows}


class _Run:
    """State of one conformance run."""

    def __init__(self, rules: RuleSet, fetch: Fetch, compiler: Compiler, table: str) -> None:
        self.rules, self.fetch, self.compiler, self.table = rules, fetch, compiler, table
        self.columns = _catalog(fetch, table)
        if not self.columns:
            raise LookupError(f"{table}: no such table (build the silver models first)")
        if PROVIDER_COLUMN not in self.columns:
            raise LookupError(f"{table}: no {PROVIDER_COLUMN} column to group providers by")

    def same_for_all(self, providers: list[str], outcome: Outcome) -> dict[str, Outcome]:
        return {provider: outcome for provider in providers}

    def absent(self, rule: Rule) -> list[str]:
        return [column for column in rule.columns if column not in self.columns]

    def presence(self, rule: Rule, counts: dict[str, int]) -> dict[str, Outcome]:
        if rule.column in self.columns:
            return {p: Outcome(PASS, n, 0) for p, n in counts.items()}
        if rule.mandatory and not rule.applicability:
            outcome = Outcome(FAIL, None, None, rule.column, "column missing")
        else:
            why = f"column {rule.column} not in the table"
            if rule.applicability:
                why += f" (required only if: {', '.join(rule.applicability)})"
            outcome = Outcome(ABSENT, detail=why)
        return self.same_for_all(list(counts), outcome)

    def data_type(self, rule: Rule, counts: dict[str, int]) -> dict[str, Outcome]:
        assert rule.requirement is not None and rule.column is not None
        wanted = TYPE_FUNCTIONS[rule.requirement["CheckFunction"]]
        actual = self.columns[rule.column]
        if _type_family(actual) == wanted:
            return {p: Outcome(PASS, n, 0, None, actual) for p, n in counts.items()}
        detail = f"type {actual}, expected {wanted}"
        return {p: Outcome(_failed(rule), n, n, actual, detail) for p, n in counts.items()}

    def row_rules(
        self, rules: list[Rule], providers: list[str], where: str
    ) -> dict[str, dict[str, Outcome]]:
        """All row rules in one grouped scan."""
        selects, compiled = [], []
        for rule in rules:
            scope = self.compiler.condition(rule.conditions)
            failing = f"({scope}) and not ({self.compiler.requirement(rule.requirement or {})})"
            shown = rule.column if rule.column in self.columns else rule.columns[0]
            index = len(compiled)
            selects += [
                f"sum(case when {scope} then 1 else 0 end) as c{index}",
                f"sum(case when {failing} then 1 else 0 end) as f{index}",
                f"min(case when {failing} then coalesce({self.compiler.text(shown)}, 'NULL') "
                f"end) as e{index}",
            ]
            compiled.append(rule)
        results: dict[str, dict[str, Outcome]] = {rule.rule_id: {} for rule in compiled}
        if not compiled:
            return results
        sql = (
            f"select {PROVIDER_COLUMN}, {', '.join(selects)} from {self.table} {where} "
            f"group by {PROVIDER_COLUMN}"
        )
        by_provider = {row[0]: row[1:] for row in self.fetch(sql)}
        for index, rule in enumerate(compiled):
            for provider in providers:
                values = by_provider.get(provider)
                checked, failing, example = (
                    values[3 * index : 3 * index + 3] if values else (0, 0, None)
                )
                results[rule.rule_id][provider] = self._outcome(rule, checked, failing, example)
        return results

    def distinct(self, rule: Rule, providers: list[str], where: str) -> dict[str, Outcome]:
        """CheckDistinctCount: each A value has at most ExpectedCount distinct B values."""
        requirement = rule.requirement or {}
        a = self.compiler._column(requirement, "ColumnAName")
        b = self.compiler._column(requirement, "ColumnBName")
        expected = int(requirement.get("ExpectedCount", 1))
        scope = self.compiler.condition(rule.conditions)
        filters = f"{where + ' and' if where else 'where'} {a} is not null and ({scope})"
        sql = (
            f"select {PROVIDER_COLUMN}, count(*), sum(case when n > {expected} then 1 else 0 end),"
            f" min(case when n > {expected} then {self.compiler.text(a)} end) from ("
            f"select {PROVIDER_COLUMN}, {a}, count(distinct {b}) as n from {self.table} "
            f"{filters} group by {PROVIDER_COLUMN}, {a}) as per_value group by {PROVIDER_COLUMN}"
        )
        rows = {row[0]: row[1:] for row in self.fetch(sql)}
        return {
            provider: self._outcome(rule, *rows.get(provider, (0, 0, None)), unit="values")
            for provider in providers
        }

    @staticmethod
    def _outcome(
        rule: Rule, checked: Any, failing: Any, example: Any, unit: str = "rows"
    ) -> Outcome:
        checked, failing = int(checked or 0), int(failing or 0)
        if checked == 0:
            return Outcome(NOT_APPLICABLE, 0, 0, None, f"no {unit} in scope")
        if failing:
            return Outcome(_failed(rule), checked, failing, example, f"{failing} {unit} failing")
        return Outcome(PASS, checked, 0)


def _derive(rules: RuleSet, outcomes: dict[str, dict[str, Outcome]], providers: list[str]) -> None:
    """Composite outcomes from their children (children first, recursively)."""

    def derive(rule_id: str, provider: str, seen: frozenset[str]) -> Outcome:
        if rule_id in outcomes and provider in outcomes[rule_id]:
            return outcomes[rule_id][provider]
        rule = rules.rules[rule_id]
        children = [derive(c, provider, seen | {rule_id}) for c in rule.children if c not in seen]
        statuses = [child.status for child in children]
        if rule.combine == "OR":
            status = PASS if PASS in statuses else FAIL if FAIL in statuses else NOT_CHECKED
        elif FAIL in statuses:
            status = FAIL
        elif WARN in statuses:
            status = WARN
        elif PASS in statuses:
            status = PASS
        elif NOT_APPLICABLE in statuses:
            status = NOT_APPLICABLE
        else:
            status = ABSENT if ABSENT in statuses else NOT_CHECKED
        if status == FAIL and not rule.mandatory:
            status = WARN
        checked = sum(1 for s in statuses if s in (PASS, FAIL, WARN, NOT_APPLICABLE))
        outcome = Outcome(status, detail=f"{checked} of {len(statuses)} parts checked")
        outcomes.setdefault(rule_id, {})[provider] = outcome
        return outcome

    for rule in rules.by_kind("composite"):
        for provider in providers:
            derive(rule.rule_id, provider, frozenset())


def run_conformance(
    fetch: Fetch,
    dialect: str,
    rules: RuleSet | None = None,
    table: str = DEFAULT_TABLE,
    providers: Sequence[str] | None = None,
    json_is_object: bool = False,
) -> ConformanceReport:
    """Check `table` against the rules, per provider.

    Args:
        fetch: runs one SQL query and returns its rows.
        dialect: "duckdb" or "postgres".
        rules: the parsed model (default: FOCUS 1.2 model 1.2.0.1).
        table: schema.table holding FOCUS rows with an x_provider column.
        providers: only these providers (default: every provider in the table).
        json_is_object: the server supports `IS JSON OBJECT` (PostgreSQL 16+).

    Returns:
        The report; every model rule has an outcome for every provider.

    Raises:
        LookupError: the table is missing, or a requested provider has no rows.
    """
    rules = rules or load_rules()
    run = _Run(rules, fetch, Compiler(dialect, json_is_object), table)
    counts = {
        str(p): int(n)
        for p, n in fetch(f"select {PROVIDER_COLUMN}, count(*) from {table} group by 1 order by 1")
    }
    if providers:
        unknown = [p for p in providers if p not in counts]
        if unknown:
            known = ", ".join(counts) or "none"
            raise LookupError(
                f"{table}: no rows for provider(s) {', '.join(unknown)} (found: {known})"
            )
        counts = {p: counts[p] for p in providers}
    names = list(counts)
    where = (
        f"where {PROVIDER_COLUMN} in ({', '.join(literal(p) for p in names)})" if providers else ""
    )
    outcomes: dict[str, dict[str, Outcome]] = {}
    row_rules: list[Rule] = []
    for rule in rules.rules.values():
        if rule.kind in ("composite",):
            continue
        if rule.kind == "not_checked":
            outcomes[rule.rule_id] = run.same_for_all(
                names, Outcome(NOT_CHECKED, detail=rule.reason)
            )
        elif rule.kind == "presence":
            outcomes[rule.rule_id] = run.presence(rule, counts)
        elif missing := run.absent(rule):
            why = f"column(s) {', '.join(missing)} not in the table"
            outcomes[rule.rule_id] = run.same_for_all(names, Outcome(ABSENT, detail=why))
        elif rule.kind == "type":
            outcomes[rule.rule_id] = run.data_type(rule, counts)
        elif rule.kind == "distinct":
            outcomes[rule.rule_id] = run.distinct(rule, names, where)
        else:
            try:
                run.compiler.requirement(rule.requirement or {})
                run.compiler.condition(rule.conditions)
            except CompileError as error:
                why = f"cannot compile: {error}"
                outcomes[rule.rule_id] = run.same_for_all(names, Outcome(NOT_CHECKED, detail=why))
                continue
            row_rules.append(rule)
    if names:
        outcomes.update(run.row_rules(row_rules, names, where))
    _derive(rules, outcomes, names)
    # with no provider in the table (no cost source loaded yet) row and composite rules have no
    # outcome: an empty report, not a crash of the check
    ordered = {rule_id: outcomes.get(rule_id, {}) for rule_id in rules.rules}
    return ConformanceReport(rules, table, names, counts, run.columns, ordered)
