"""Markdown inventory of the rules (`python -m data_tests.focus_conformance.inventory`).

The README's rule tables are this output; a test keeps them in sync with the model.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from data_tests.focus_conformance.rules import RuleSet, load_rules


def inventory(rules: RuleSet) -> str:
    """Counts per kind, then every not-checked rule id grouped by reason."""
    kinds = Counter(rule.kind for rule in rules.rules.values())
    lines = [
        f"Model {rules.model_version} (FOCUS {rules.focus_version}): {len(rules.rules)} rules.",
        "",
        "| kind | rules |",
        "|---|---|",
        *(f"| {kind} | {count} |" for kind, count in sorted(kinds.items())),
        "",
    ]
    by_reason: dict[str, list[str]] = defaultdict(list)
    for rule in rules.rules.values():
        if rule.kind == "not_checked":
            by_reason[rule.reason].append(rule.rule_id)
    for reason, ids in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        lines += [f"**{reason}** ({len(ids)}):", "", ", ".join(f"`{i}`" for i in ids), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(inventory(load_rules()))
