"""Maps dbt nodes onto asset keys that mirror the warehouse: [layer, model]."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

LAYERS = ("bronze", "silver", "gold")

# gold reads silver's FOCUS rows through int_costs_keyed, a view over int_costs_unioned. Dagster
# holds a step back only for the blocking checks of the assets it reads directly, so the gold
# models reading the view also depend on the union: its checks (FOCUS conformance, dbt tests)
# then gate the gold step the way int_allocation_decisions' checks do
KEYED_VIEW = "model.finops.int_costs_keyed"
UNION_KEY = dg.AssetKey(["silver", "int_costs_unioned"])


class FinopsDbtTranslator(DagsterDbtTranslator):
    """Models -> [layer, name], seeds -> [seeds, name]; sources keep their meta asset_key."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> dg.AssetSpec:
        """Asset spec with the layer key and group."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)
        if node is None or node["resource_type"] == "source":
            return spec
        layer = next((part for part in node["fqn"][1:-1] if part in LAYERS), None)
        if node["resource_type"] == "seed":
            layer = "seeds"
        if layer is None:
            return spec
        spec = spec.replace_attributes(key=dg.AssetKey([layer, node["name"]]))
        if layer == "gold" and KEYED_VIEW in node.get("depends_on", {}).get("nodes", []):
            spec = spec.merge_attributes(deps=[UNION_KEY])
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group = layer (bronze / silver / gold), seeds in `reference`."""
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return next((part for part in fqn[1:-1] if part in LAYERS), "transform")
