"""Find export dump files under a folder (or one file) and what each claims to hold."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from .reader import InputFile
from .settings import DATA_FILE_SUFFIXES

# an explicit month in a folder or file name: `invoice_month=202208`, `invoice.month=2022-08`,
# or a name token `202208` / `2022-08` that is not part of a day (`2022-08-01` names a usage
# or partition day, whose rows may legitimately be in the previous invoice month)
_PARTITION = re.compile(r"invoice[._]month=(\d{4})-?(\d{2})(?![0-9])", re.IGNORECASE)
_TOKEN = re.compile(r"(?<![0-9-])(\d{4})-?(\d{2})(?![0-9]|-\d)")


def is_data_file(path: str) -> bool:
    """True for the dump formats this source reads."""
    return path.lower().endswith(DATA_FILE_SUFFIXES)


def file_format(path: str) -> str:
    """csv | json | parquet from the file name."""
    lower = path.lower()
    if ".parquet" in lower:
        return "parquet"
    if lower.endswith((".csv", ".csv.gz")):
        return "csv"
    return "json"


def claimed_month(relative_path: str) -> date | None:
    """The invoice month a path names explicitly, or None.

    Args:
        relative_path: path below the root, folders included.

    Returns:
        First day of the month, or None when the path names no month (or a day).
    """
    match = _PARTITION.search(relative_path)
    if match is None:
        name = relative_path.rsplit("/", 1)[-1]
        stem = re.sub(r"(\.[a-z]+)+$", "", name.lower())
        match = _TOKEN.fullmatch(stem) or _TOKEN.search(stem.replace("_", " "))
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2999):
        return None
    return date(year, month, 1)


def md5_of(path: Path) -> str:
    """MD5 of a file's bytes (the loads table's checksum)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(root: str, locale: str) -> tuple[list[InputFile], list[str]]:
    """Every dump file under `root` (a folder or one file), in path order.

    Args:
        root: local folder or file.
        locale: number locale declared for CSV amounts.

    Returns:
        The files and notes on what was skipped.
    """
    base = Path(root)
    if not base.exists():
        raise FileNotFoundError(f"{root}: no such file or folder")
    paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
    files: list[InputFile] = []
    notes: list[str] = []
    for path in paths:
        relative = path.name if base.is_file() else path.relative_to(base).as_posix()
        if not is_data_file(relative):
            if not relative.lower().endswith((".md", ".txt")) and not path.name.startswith("."):
                notes.append(f"{relative}: not an export dump (csv, json lines, parquet); skipped")
            continue
        checksum = md5_of(path)
        kind = file_format(relative)
        files.append(
            InputFile(
                uri=str(path),
                label=relative,
                format=kind,
                size=path.stat().st_size,
                md5=checksum,
                claimed=claimed_month(relative),
                export_id=checksum,
                locale=locale if kind == "csv" else "plain",
            )
        )
    return files, notes
