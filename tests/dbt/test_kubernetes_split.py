"""Kubernetes bill split end to end, on DuckDB and PostgreSQL.

The AWS and Kubernetes samples (an EKS cluster on EC2 instances the AWS sample bills) are
loaded with the real dlt sources and the dbt project is built up to fct_cost_allocated. The
expected split is computed here from the OpenCost allocation JSON files (json module) and
gold.fct_cost's lines, with Decimal: each node-day's bill lines shared by the namespaces'
cpu + ram + gpu + network cost, largest-remainder cents per bill line group, idle kept
(default) or shared proportionally. Totals must not change.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest

from tests.conftest import _admin_connection
from tests.dbt_helpers import PROJECT_DIR, run_dbt
from tests.warehouse_utils import query, use_warehouse

SEEDS = PROJECT_DIR / "seeds" / "allocation"
CENT = Decimal("0.01")
PLACES = Decimal("1e-10")
GROUP_COLUMNS = (
    "x_billing_period, billing_currency, x_provider, billing_account_id, sub_account_id,"
    " service_category, service_name, charge_category, x_charge_kind, x_product,"
    " x_environment, resource_id"
)
SPLIT_MODELS = ("int_kubernetes_bill_split", "fct_cost_allocated")


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path]]:
    """A warehouse with both samples loaded and built; yields (dbt tmp dir, Kubernetes root)."""
    from ingestion.aws_cur import DATASET_NAME as AWS_DATASET
    from ingestion.aws_cur import aws_cur
    from ingestion.kubernetes import DATASET_NAME as K8S_DATASET
    from ingestion.kubernetes import dlt_source
    from ingestion.sample_data import generate
    from ingestion.warehouse import make_pipeline

    tmp = tmp_path_factory.mktemp(f"k8s_split_{request.param}")
    database = f"finops_k8s_{uuid.uuid4().hex[:8]}"
    if request.param == "postgres":
        with _admin_connection() as con:
            con.execute(f'create database "{database}"')
    sample = generate(tmp / "sample", months=2, scale=2000, seed=7, providers=("aws", "kubernetes"))
    try:
        with use_warehouse(request.param, tmp / "warehouse.duckdb", database):
            make_pipeline("aws_cur", AWS_DATASET).run(aws_cur(str(sample.roots["aws"])))
            make_pipeline("kubernetes", K8S_DATASET).run(
                dlt_source(str(sample.roots["kubernetes"]))
            )
            run_dbt(tmp, "seed", "--select", "path:seeds")
            run_dbt(tmp, "run", "--select", "+fct_cost_allocated")
            run_dbt(tmp, "test", "--select", *SPLIT_MODELS, "assert_allocation_is_complete")
            yield tmp, sample.roots["kubernetes"]
    finally:
        if request.param == "postgres":
            with _admin_connection() as con:
                con.execute(f'drop database if exists "{database}" with (force)')


def known_teams() -> set[str]:
    with (SEEDS / "org_hierarchy.csv").open(newline="") as handle:
        return {r["team"].lower() for r in csv.DictReader(handle) if not r["valid_to"]}


def team_of(label: str | None, cluster: str, namespace: str) -> str | None:
    """Team label (through tag_value_map) if the hierarchy knows it, else the namespace seed."""
    teams = known_teams()
    with (SEEDS / "tag_value_map.csv").open(newline="") as handle:
        mapped = {
            r["tag_value"].strip().lower(): r["canonical_value"].lower()
            for r in csv.DictReader(handle)
            if r["dimension"] == "team"
        }
    if label:
        label = mapped.get(label.strip().lower(), label.strip().lower())
        if label in teams:
            return label
    with (SEEDS / "kubernetes_namespaces.csv").open(newline="") as handle:
        for r in csv.DictReader(handle):
            if (r["cluster"], r["namespace"]) == (cluster, namespace) and r["team"] in teams:
                return r["team"]
    return None


def node_weights(root: Path) -> dict[tuple[date, str], dict[tuple[str, str | None], Decimal]]:
    """(day, instance id) -> {(namespace, team): OpenCost cpu + ram + gpu + network cost}."""
    out: dict[tuple[date, str], dict[tuple[str, str | None], Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for path in sorted(root.rglob("allocation-*.json")):
        for day_set in json.loads(path.read_text())["data"]:
            for name, item in day_set.items():
                props = item["properties"]
                if not props.get("providerID"):
                    continue  # on-prem: no cloud bill to split
                day = date.fromisoformat(item["window"]["start"][:10])
                instance = props["providerID"].rsplit("/", 1)[-1].lower()
                weight = sum(
                    (
                        Decimal(repr(item[k])) + Decimal(repr(item.get(k + "Adjustment", 0.0)))
                        for k in ("cpuCost", "ramCost", "gpuCost", "networkCost")
                    ),
                    Decimal(0),
                )
                if name.endswith("__idle__"):
                    key = ("__idle__", None)
                else:
                    labels = {**props.get("namespaceLabels", {}), **props.get("labels", {})}
                    team = team_of(labels.get("team"), props["cluster"], props["namespace"])
                    key = (props["namespace"], team)
                out[(day, instance)][key] += weight
    return out


def with_idle_shared(
    weights: dict[tuple[date, str], dict[tuple[str, str | None], Decimal]],
) -> dict[tuple[date, str], dict[tuple[str, str | None], Decimal]]:
    """Idle policy proportional: each node's idle by the namespaces' weight in the cluster-day
    (the sample has one cloud cluster)."""
    cluster_day: dict[date, dict[tuple[str, str | None], Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for (day, _), recipients in weights.items():
        for key, weight in recipients.items():
            if key[0] != "__idle__":
                cluster_day[day][key] += weight
    out = {}
    for (day, node), recipients in weights.items():
        idle = recipients.get(("__idle__", None), Decimal(0))
        total = sum(cluster_day[day].values())
        shared = defaultdict(Decimal, {k: w for k, w in recipients.items() if k[0] != "__idle__"})
        for key, weight in cluster_day[day].items():
            shared[key] += idle * weight / total
        out[(day, node)] = dict(shared)
    return out


def largest_remainder(
    amount: Decimal, weights: dict[tuple[str, str | None], Decimal]
) -> dict[tuple[str, str | None], Decimal]:
    """Split `amount` by weights: cents toward zero, spare cents by largest remainder (ties by
    namespace, then team), the sub-cent rest to the first in that order."""
    total = sum(weights.values())
    exact = {k: (amount * w / total * 100).quantize(PLACES) for k, w in weights.items() if w > 0}
    floors = {k: v.to_integral_value(rounding=ROUND_DOWN) / 100 for k, v in exact.items()}
    left = amount - sum(floors.values())
    order = sorted(exact, key=lambda k: (-abs(exact[k] - floors[k] * 100), k[0], k[1] or "~"))
    spare = int((abs(left) * 100).to_integral_value(rounding=ROUND_DOWN))
    sign = 1 if left >= 0 else -1
    parts = dict(floors)
    for rank, key in enumerate(order):
        if rank < spare:
            parts[key] += sign * CENT
    parts[order[0]] += left - sign * spare * CENT
    return parts


def expected_split(
    weights: dict[tuple[date, str], dict[tuple[str, str | None], Decimal]],
) -> tuple[dict[tuple, list[Decimal]], list[Decimal]]:
    """(period, team, method, charge date) -> [billed, effective], and the matched lines' totals."""
    groups: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rows = query(
        f"select {GROUP_COLUMNS}, cast(charge_period_start as date), billed_cost, effective_cost"
        " from gold.fct_cost where resource_id is not null and x_provider != 'kubernetes'"
    )
    for *columns, day, billed, effective in rows:
        if (day, columns[-1].lower()) in weights:
            group = groups[(*columns, day)]
            group[0] += Decimal(billed)
            group[1] += Decimal(effective)
    out: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    matched = [Decimal(0), Decimal(0)]
    for (period, *columns, day), amounts in groups.items():
        recipients = weights[(day, columns[-1].lower())]
        for measure, amount in enumerate(amounts):
            matched[measure] += amount
            for (namespace, team), part in largest_remainder(amount, recipients).items():
                method = "kubernetes_idle" if namespace == "__idle__" else "kubernetes"
                out[(period, team, method, day)][measure] += part
    return dict(out), matched


def actual_split() -> dict[tuple, list[Decimal]]:
    rows = query(
        "select x_billing_period, x_team, x_allocation_method, charge_date, sum(billed_cost),"
        " sum(effective_cost) from gold.fct_cost_allocated"
        " where x_allocation_method in ('kubernetes', 'kubernetes_idle')"
        " group by x_billing_period, x_team, x_allocation_method, charge_date"
    )
    return {(p, t, m, d): [Decimal(b), Decimal(e)] for p, t, m, d, b, e in rows}


def assert_totals_unchanged() -> None:
    totals = {
        (p, c): (Decimal(b), Decimal(e), n)
        for p, c, b, e, n in query(
            "select x_billing_period, billing_currency, sum(billed_cost), sum(effective_cost),"
            " count(*) from gold.fct_cost group by 1, 2"
        )
    }
    allocated = {
        (p, c): (Decimal(b), Decimal(e), int(n))
        for p, c, b, e, n in query(
            "select x_billing_period, billing_currency, sum(billed_cost), sum(effective_cost),"
            " sum(line_count) from gold.fct_cost_allocated group by 1, 2"
        )
    }
    assert totals and allocated == totals  # exact: every line counted once, no cent lost


def assert_split_matches(expected: dict[tuple, list[Decimal]]) -> None:
    got = actual_split()
    assert set(got) == set(expected)
    for key, (billed, effective) in expected.items():
        assert got[key][0].quantize(PLACES) == billed.quantize(PLACES), key
        assert got[key][1].quantize(PLACES) == effective.quantize(PLACES), key


def test_ec2_node_lines_split_across_namespaces_to_the_cent(warehouse) -> None:
    _, root = warehouse
    weights = node_weights(root)
    expected, matched = expected_split(weights)
    assert matched[1] > 0
    assert_split_matches(expected)
    assert {t for _, t, m, _ in expected if m == "kubernetes"} == {
        "platform", "payments", "data", "search", "mobile", "ml",
    }  # fmt: skip
    [(split_billed, split_effective)] = query(
        "select sum(billed_cost), sum(effective_cost) from gold.fct_cost_allocated"
        " where x_allocation_method in ('kubernetes', 'kubernetes_idle')"
    )
    assert [Decimal(split_billed), Decimal(split_effective)] == matched
    assert_totals_unchanged()


def test_idle_shared_proportionally(warehouse) -> None:
    tmp, root = warehouse
    variables = json.dumps({"kubernetes_idle_policy": "proportional"})
    run_dbt(tmp, "run", "--select", *SPLIT_MODELS, "--vars", variables)
    try:
        expected, _ = expected_split(with_idle_shared(node_weights(root)))
        assert not any(m == "kubernetes_idle" for _, _, m, _ in expected)
        assert_split_matches(expected)
        assert_totals_unchanged()
    finally:
        run_dbt(tmp, "run", "--select", *SPLIT_MODELS)


def test_idle_spend_is_the_nodes_idle_share_of_their_bill_lines(warehouse) -> None:
    """The idle spend KPI's input: each node-day's bill lines times its __idle__ weight share."""
    _, root = warehouse
    weights = node_weights(root)
    expected = Decimal(0)
    for day, resource_id, effective in query(
        "select cast(charge_period_start as date), resource_id, effective_cost from gold.fct_cost"
        " where resource_id is not null and x_provider != 'kubernetes'"
    ):
        recipients = weights.get((day, resource_id.lower()))
        if recipients:
            idle = recipients.get(("__idle__", None), Decimal(0))
            expected += Decimal(effective) * idle / sum(recipients.values())
    [(got,)] = query(
        "select sum(group_effective_cost * node_idle_share) from (select distinct"
        " x_split_group_key, group_effective_cost, node_idle_share"
        " from silver.int_kubernetes_bill_split) as split_groups"
    )
    assert expected > 0
    assert Decimal(repr(got)).quantize(CENT) == expected.quantize(CENT)
