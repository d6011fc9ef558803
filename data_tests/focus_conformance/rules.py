"""Turn the FOCUS requirements model (JSON) into conformance rules.

Every model rule becomes one `Rule`, of one kind:

- `presence`: a column must exist (ColumnPresent), checked on the table's catalog;
- `type`: a column's data type (TypeDecimal/TypeString/TypeDateTime, and the format rules a
  typed warehouse column settles: FormatNumeric, FormatDateTime, CheckDecimalValue);
- `row`: a row-level predicate (values, nullability, allowed values, formats, comparisons)
  checked as SQL aggregates, under the rule's condition and its parents' conditions;
- `distinct`: CheckDistinctCount (one B per A), checked with a grouped subquery;
- `composite`: an AND/OR of other rules, derived from their outcomes;
- `not_checked`: everything else, with the reason (never dropped).
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_tests.focus_conformance.errata import ERRATA, SUPPLEMENTS, UNCHECKABLE

MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL = MODEL_DIR / "model-1.2.0.1.json"

MANDATORY_KEYWORDS = frozenset({"MUST", "MUST NOT"})
PERMISSIVE_KEYWORDS = frozenset({"MAY"})

# check function -> the data type family its column must have
TYPE_FUNCTIONS = {
    "TypeDecimal": "numeric",
    "FormatNumeric": "numeric",
    "CheckDecimalValue": "numeric",
    "TypeString": "string",
    "TypeDateTime": "datetime",
    "FormatDateTime": "datetime",
}
# check functions the SQL compiler turns into row predicates
ROW_FUNCTIONS = frozenset(
    {
        "AND",
        "OR",
        "CheckValue",
        "CheckNotValue",
        "CheckSameValue",
        "CheckNotSameValue",
        "CheckGreaterOrEqualThanValue",
        "ColumnByColumnEqualsColumnValue",
        "FormatString",
        "FormatCurrency",
        "CheckNationalCurrency",
        "FormatKeyValue",
        "CheckColumnLessColumn",
        "CheckColumnLessOrEqualColumn",
    }
)
# check functions with no faithful SQL form, and why
UNSUPPORTED_FUNCTIONS = {
    "FormatUnit": "UnitFormat grammar (unit names, 'per' forms, recommended unit list) "
    "is not expressed in the model",
}
COLUMN_KEYS = ("ColumnName", "ColumnAName", "ColumnBName", "ResultColumnName")


def snake_case(focus_id: str) -> str:
    """FOCUS column id to our column name: BilledCost -> billed_cost."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", focus_id).lower()


@dataclass
class Rule:
    """One model rule, ready to check (or explained as not checked)."""

    rule_id: str
    reference: str
    entity: str
    function: str
    keyword: str
    must_satisfy: str
    applicability: tuple[str, ...]
    kind: str
    column: str | None = None
    requirement: dict[str, Any] | None = None
    conditions: list[dict[str, Any]] = field(default_factory=list)
    children: tuple[str, ...] = ()
    combine: str = "AND"
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> bool:
        """MUST / MUST NOT rules; only these make `--strict` fail."""
        return self.keyword in MANDATORY_KEYWORDS

    @property
    def columns(self) -> list[str]:
        """Every column (snake_case) the rule reads, its own column first."""
        found: list[str] = [self.column] if self.column else []
        for node in [self.requirement or {}, *self.conditions]:
            for name in referenced_columns(node):
                if name not in found:
                    found.append(name)
        return found


@dataclass
class RuleSet:
    """The rules of one model file."""

    model_path: Path
    model_version: str
    focus_version: str
    rules: dict[str, Rule]
    stale_errata: list[str]

    def by_kind(self, kind: str) -> list[Rule]:
        """The rules of one kind, in model order."""
        return [rule for rule in self.rules.values() if rule.kind == kind]


def referenced_columns(node: Any) -> list[str]:
    """snake_case columns named anywhere in a check-function tree."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in COLUMN_KEYS:
            if isinstance(node.get(key), str):
                found.append(snake_case(node[key]))
        for value in node.values():
            if isinstance(value, (dict, list)):
                found += referenced_columns(value)
    elif isinstance(node, list):
        for value in node:
            found += referenced_columns(value)
    return found


def _functions(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        if "CheckFunction" in node:
            names.add(node["CheckFunction"])
        for value in node.values():
            names |= _functions(value)
    elif isinstance(node, list):
        for value in node:
            names |= _functions(value)
    return names


def normalize(node: Any, notes: list[str]) -> Any:
    """Repair structural slips of the model, noting each one.

    Seen in the model: a condition written `{"AND": [...]}` (no CheckFunction) and a column
    under the key `CheckCondition` instead of `ColumnName`.
    """
    if isinstance(node, list):
        return [normalize(item, notes) for item in node]
    if not isinstance(node, dict) or not node:
        return node
    node = dict(node)
    if "CheckFunction" not in node and len(node) == 1 and next(iter(node)) in ("AND", "OR"):
        key, items = next(iter(node.items()))
        notes.append(f"model wrote {{'{key}': ...}} without CheckFunction; read as {key}")
        node = {"CheckFunction": key, "Items": items if isinstance(items, list) else [items]}
    if "CheckCondition" in node and "ColumnName" not in node:
        notes.append("model wrote the column under 'CheckCondition'; read as ColumnName")
        node["ColumnName"] = node.pop("CheckCondition")
    if "Items" in node:
        node["Items"] = [normalize(item, notes) for item in node["Items"]]
    return node


def _apply_errata(
    rule_id: str, criteria: dict[str, Any], notes: list[str], stale: list[str]
) -> str | None:
    """Apply the erratum of `rule_id`, if the model still holds what it corrects.

    Returns:
        A not-checked reason when the erratum makes the rule uncheckable, else None.
    """
    erratum = ERRATA.get(rule_id)
    if erratum is None:
        return None
    if criteria.get(erratum.part) != erratum.found:
        stale.append(rule_id)
        return None
    if erratum.fixed == UNCHECKABLE:
        return f"model erratum: {erratum.why}"
    criteria[erratum.part] = copy.deepcopy(erratum.fixed)
    notes.append(f"erratum applied to {erratum.part}: {erratum.why}")
    return None


def _children(requirement: dict[str, Any]) -> tuple[tuple[str, ...], str] | None:
    """(child rule ids, AND|OR) when the requirement only combines other rules."""
    if requirement.get("CheckFunction") not in ("AND", "OR"):
        return None
    items = requirement.get("Items", [])
    if not items or any(item.get("CheckFunction") != "CheckModelRule" for item in items):
        return None
    return tuple(item["ModelRuleId"] for item in items), requirement["CheckFunction"]


def _classify(rule: Rule, requirement: dict[str, Any]) -> None:
    """Set kind (and reason when not checked) from the requirement's check functions."""
    function = requirement.get("CheckFunction")
    used = _functions(requirement) | set().union(*(_functions(c) for c in rule.conditions))
    if function == "ColumnPresent":
        rule.kind, rule.column = "presence", snake_case(requirement["ColumnName"])
    elif function in TYPE_FUNCTIONS:
        rule.kind, rule.column = "type", snake_case(requirement["ColumnName"])
    elif function == "CheckDistinctCount":
        rule.kind = "distinct"
    elif unsupported := sorted(used & set(UNSUPPORTED_FUNCTIONS)):
        rule.kind = "not_checked"
        rule.reason = "; ".join(f"{name}: {UNSUPPORTED_FUNCTIONS[name]}" for name in unsupported)
    elif unknown := sorted(used - ROW_FUNCTIONS - {"CheckDistinctCount"}):
        rule.kind = "not_checked"
        rule.reason = f"check function(s) {', '.join(unknown)} not usable in a row predicate"
    elif any(
        "ColumnName" not in node and node.get("CheckFunction") in ("CheckValue", "CheckNotValue")
        for node in _leaves(requirement) + [n for c in rule.conditions for n in _leaves(c)]
    ):
        rule.kind, rule.reason = "not_checked", "malformed in the model: a check names no column"
    else:
        rule.kind = "row"
    rule.requirement = requirement


def _leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    if node.get("CheckFunction") in ("AND", "OR"):
        return [leaf for item in node.get("Items", []) for leaf in _leaves(item)]
    return [node]


def load_rules(model_path: Path | str = DEFAULT_MODEL) -> RuleSet:
    """Parse a requirements model file into rules.

    Args:
        model_path: the model JSON (FOCUS 1.2: model-1.2.0.1.json, or the older model-1.2.json).

    Returns:
        Every rule of the model, in model order, with parents' conditions inherited.
    """
    path = Path(model_path)
    model = json.loads(path.read_text())
    raw_rules: dict[str, dict[str, Any]] = model["ModelRules"]
    stale: list[str] = []
    rules: dict[str, Rule] = {}
    criteria_of: dict[str, dict[str, Any]] = {}
    for rule_id, raw in raw_rules.items():
        criteria = copy.deepcopy(raw["ValidationCriteria"])
        rule = Rule(
            rule_id=rule_id,
            reference=raw["Reference"],
            entity=raw["EntityType"],
            function=raw["Function"],
            keyword=criteria["Keyword"],
            must_satisfy=criteria["MustSatisfy"],
            applicability=tuple(raw.get("ApplicabilityCriteria") or ()),
            kind="not_checked",
        )
        if raw["EntityType"] == "Column":
            rule.column = snake_case(raw["Reference"])
        uncheckable = _apply_errata(rule_id, criteria, rule.notes, stale)
        if not criteria.get("Requirement") and rule_id in SUPPLEMENTS:
            criteria["Requirement"] = copy.deepcopy(SUPPLEMENTS[rule_id])
            rule.notes.append("Dynamic rule: requirement supplied by errata.SUPPLEMENTS")
        criteria["Requirement"] = normalize(criteria.get("Requirement") or {}, rule.notes)
        criteria["Condition"] = normalize(criteria.get("Condition") or {}, rule.notes)
        criteria_of[rule_id] = criteria
        rules[rule_id] = rule
        if uncheckable:
            rule.reason = uncheckable
    parents: dict[str, list[str]] = defaultdict(list)
    for rule_id, criteria in criteria_of.items():
        combined = _children(criteria["Requirement"])
        if combined:
            rules[rule_id].children, rules[rule_id].combine = combined
            for child in combined[0]:
                parents[child].append(rule_id)

    def inherited(rule_id: str, seen: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        own = criteria_of[rule_id]["Condition"]
        found = [own] if own else []
        for parent in parents.get(rule_id, []):
            if parent not in seen:
                found += [c for c in inherited(parent, seen | {rule_id}) if c not in found]
        return found

    for rule_id, rule in rules.items():
        requirement = criteria_of[rule_id]["Requirement"]
        rule.conditions = inherited(rule_id)
        if rule.reason:  # an erratum made it uncheckable
            rule.kind = "not_checked"
        elif rule.children:
            rule.kind = "composite"
        elif rule.keyword in PERMISSIVE_KEYWORDS:
            rule.reason = "MAY: permissive, nothing can fail"
        elif not requirement:
            rule.reason = (
                "Dynamic rule: the model gives no machine-checkable criteria"
                if raw_rules[rule_id]["Type"] == "Dynamic"
                else "the model gives no requirement"
            )
        else:
            _classify(rule, requirement)
    details = model.get("Details", {})
    return RuleSet(
        model_path=path,
        model_version=str(details.get("ModelVersion", "")),
        focus_version=str(details.get("FOCUSVersion", "")),
        rules=rules,
        stale_errata=stale,
    )
