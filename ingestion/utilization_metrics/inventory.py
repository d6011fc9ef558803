"""Read a resource inventory CSV: resource id, type, instance type and state."""

from __future__ import annotations

from collections.abc import Iterator

from .columns import ParsedFile, UtilizationError, data_rows, normalize, required

STATES = {
    "running": "running",
    "vm_running": "running",
    "stopped": "stopped",
    "vm_stopped": "stopped",
    "stopped_(deallocated)": "stopped",
    "vm_deallocated": "stopped",
    "in_use": "in-use",
    "attached": "in-use",
    "available": "available",
    "unattached": "available",
}


def read_inventory(
    reader: Iterator[list[str]], index: dict[str, int], columns: dict[str, str], label: str
) -> ParsedFile:
    """Inventory rows of one file, one per resource.

    Raises:
        UtilizationError: a resource listed twice, an unknown state or resource type.
    """
    parsed = ParsedFile("inventory")
    seen: dict[str, int] = {}
    for number, cells in data_rows(reader, index, columns, label):
        where = f"{label}: row {number}"
        resource = required(cells, "resource_id", columns, where)
        if resource in seen:
            raise UtilizationError(f"{where}: {resource} is also in row {seen[resource]}")
        seen[resource] = number
        state_text = required(cells, "state", columns, where)
        state = STATES.get(normalize(state_text))
        if state is None:
            raise UtilizationError(
                f"{where}, column {columns['state']!r}: unknown state {state_text!r} "
                f"(known: {', '.join(sorted(set(STATES.values())))})"
            )
        kind = (cells.get("resource_type", "").strip() or "").lower()
        if not kind:
            kind = "volume" if state in ("in-use", "available") else "instance"
        if kind not in ("instance", "volume"):
            raise UtilizationError(
                f"{where}, column {columns['resource_type']!r}: {kind!r} is not instance or volume"
            )
        parsed.rows.append(
            {
                "resource_id": resource,
                "resource_type": kind,
                "instance_type": cells.get("instance_type", "").strip() or None,
                "state": state,
                "account_id": cells.get("account_id", "").strip() or None,
                "region": cells.get("region", "").strip() or None,
                "x_source_row": number,
            }
        )
    return parsed
