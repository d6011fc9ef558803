"""Find the inputs under the configured path: OpenCost JSON / CSV files and koku payloads.

A koku-metrics-operator payload is a folder (or `.tar.gz`) holding `manifest.json` with
`cluster_id`, `uuid` and the list of its report CSVs; every other `.json` file is an
OpenCost / Kubecost allocation response and every other `.csv` / `.csv.gz` an allocation CSV.
"""

from __future__ import annotations

import json
import re
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path


class InputError(Exception):
    """An input that cannot be loaded; the message names the file (and row, column or path)."""


@dataclass(frozen=True)
class InputFile:
    """One file to read.

    Attributes:
        uri: local path DuckDB reads.
        name: what rows record as `x_source_file`: path relative to the root, or the URL.
        kind: opencost_json | opencost_csv | koku_csv.
        modified: modification time; the newer file wins when two cover the same cluster-day.
        declared_month: the month the file's name or folder says it holds (`2025-01`), if any.
        cluster_id: koku payloads: the manifest's cluster id.
        manifest_id: koku payloads: the manifest's uuid.
    """

    uri: str
    name: str
    kind: str
    modified: float
    declared_month: date | None = None
    cluster_id: str | None = None
    manifest_id: str | None = None


# 2025-01 in a file or folder name, also as the start of 2025-01-15; not inside longer digit runs
_MONTH = re.compile(r"(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)")
_CSV_SUFFIXES = (".csv", ".csv.gz")


def declared_month(name: str) -> date | None:
    """The last `YYYY-MM` token of a relative path, as the first day of that month."""
    found = _MONTH.findall(name)
    if not found:
        return None
    year, month = found[-1]
    return date(int(year), int(month), 1)


def discover(root: Path, scratch: Path) -> tuple[list[InputFile], list[str], list[tuple[str, str]]]:
    """Every input under `root`.

    Args:
        root: a folder or a single file.
        scratch: where `.tar.gz` payloads are unpacked.

    Returns:
        (inputs, notes, problems): problems are (name, reason) of payloads that cannot be read
        (broken manifest, missing listed file); they are quarantined by the caller.
    """
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such file or folder")
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    base = root.parent if root.is_file() else root
    inputs: list[InputFile] = []
    notes: list[str] = []
    problems: list[tuple[str, str]] = []
    claimed: set[Path] = set()
    for path in files:
        if path.name == "manifest.json":
            claimed.add(path)
            found, problem = _payload(path, path.parent, _rel(path, base))
            if problem:
                problems.append((_rel(path, base), problem))
            # the payload's reports are never read as allocation CSVs, even when refused
            claimed |= _listed(path)
            inputs += found
        elif path.name.endswith(".tar.gz") and tarfile.is_tarfile(path):
            claimed.add(path)
            target = Path(tempfile.mkdtemp(dir=scratch))
            with tarfile.open(path) as archive:
                archive.extractall(target, filter="data")
            manifests = list(target.rglob("manifest.json"))
            if len(manifests) != 1:
                problems.append((_rel(path, base), "archive holds no koku manifest.json"))
                continue
            found, problem = _payload(manifests[0], manifests[0].parent, _rel(path, base))
            if problem:
                problems.append((_rel(path, base), problem))
            inputs += found
    for path in files:
        if path in claimed:
            continue
        name = _rel(path, base)
        lower = path.name.lower()
        kind = (
            "opencost_json"
            if lower.endswith(".json")
            else "opencost_csv"
            if lower.endswith(_CSV_SUFFIXES)
            else None
        )
        if kind is None:
            notes.append(f"{name}: ignored (not .json, .csv or .csv.gz)")
            continue
        inputs.append(InputFile(str(path), name, kind, path.stat().st_mtime, declared_month(name)))
    return inputs, notes, problems


def _payload(manifest: Path, folder: Path, label: str) -> tuple[list[InputFile], str | None]:
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [], f"{label}: manifest is not valid JSON: {error}"
    if not isinstance(content, dict):
        return [], f"{label}: manifest is not a JSON object"
    cluster = content.get("cluster_id")
    listed = content.get("files")
    if not cluster or not isinstance(listed, list):
        return [], f"{label}: manifest lacks cluster_id or the files list"
    found, missing = [], []
    for entry in listed:
        path = folder / Path(str(entry)).name
        if not path.is_file():
            missing.append(str(entry))
            continue
        name = f"{label.rsplit('/', 1)[0]}/{path.name}" if "/" in label else path.name
        if label.endswith(".tar.gz"):
            name = f"{label}!{path.name}"
        found.append(
            InputFile(
                str(path),
                name,
                "koku_csv",
                path.stat().st_mtime,
                None,
                str(cluster),
                str(content.get("uuid") or ""),
            )
        )
    if missing:
        # a payload is one delivery: loading part of it would replace a month with part of it
        return [], f"{label}: manifest lists missing file(s) {', '.join(missing)}"
    return found, None


def _listed(manifest: Path) -> set[Path]:
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files") or []
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return set()
    return {manifest.parent / Path(str(name)).name for name in listed}


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()
