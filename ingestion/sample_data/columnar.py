"""Columnar building blocks: interned strings and maps, integer money, deterministic parquet.

Rows are never built one by one. Blocks hold numpy arrays (or scalars broadcast over the
block); strings and maps are integer codes into pools, turned into Arrow with one `take`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

# money is carried as integer units of 1e-8 USD: sums and negations are exact, so identities
# such as sum(net) == sum(unblended) hold to the last digit, and every written float64 prints
# back as its 8-decimal value (far inside float64's 15 significant digits)
MONEY_DECIMALS = 8
UNITS = 10**MONEY_DECIMALS
CENT = UNITS // 100
NULL_INT = np.iinfo(np.int64).min
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

Kind = Literal["string", "money", "float", "timestamp", "map"]
Value = np.ndarray | str | int | float | Mapping[str, str] | None

TIMESTAMP = pa.timestamp("ms", tz="UTC")
STRING_MAP = pa.map_(pa.string(), pa.string())

# parquet writer settings are spelled out so output bytes do not drift with library defaults;
# no Arrow schema is stored, so readers see plain string columns (as in AWS's files) even
# though strings are handed to the writer dictionary-encoded (much faster to write)
PARQUET_OPTIONS = {
    "compression": "snappy",
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 128 * 1024,
    "store_schema": False,
}


class StringPool:
    """Interns strings; string columns are int32 codes into it."""

    def __init__(self) -> None:
        self._codes: dict[str, int] = {}
        self.values: list[str] = []

    def code(self, value: str) -> int:
        """Code of `value`, adding it on first use."""
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self.values)
            self.values.append(value)
        return code

    def codes(self, values: Sequence[str]) -> np.ndarray:
        """Codes of many values, as an int32 array aligned with `values`."""
        return np.fromiter((self.code(v) for v in values), dtype=np.int32, count=len(values))


class MapPool:
    """Interns string->string maps (resource tags, cost categories, product attributes)."""

    def __init__(self) -> None:
        self._codes: dict[tuple[tuple[str, str], ...], int] = {}
        self.values: list[tuple[tuple[str, str], ...]] = []

    def code(self, value: Mapping[str, str]) -> int:
        """Code of the map `value` (key order is kept), adding it on first use."""
        key = tuple(value.items())
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = len(self.values)
            self.values.append(key)
        return code

    def codes(self, values: Sequence[Mapping[str, str]]) -> np.ndarray:
        """Codes of many maps, as an int32 array aligned with `values`."""
        return np.fromiter((self.code(v) for v in values), dtype=np.int32, count=len(values))

    def to_arrow(self) -> pa.Array:
        """All interned maps as one MapArray, indexable by code."""
        sizes = np.array([len(v) for v in self.values], dtype=np.int32)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
        keys = pa.array([k for v in self.values for k, _ in v], type=pa.string())
        items = pa.array([x for v in self.values for _, x in v], type=pa.string())
        return pa.MapArray.from_arrays(pa.array(offsets), keys, items, type=STRING_MAP)


@dataclass
class Block:
    """Rows of one kind of line item; a column a block does not set takes its empty value.

    Values: string columns take a str or int32 codes; maps a mapping or codes; money int64
    units (NULL_INT = null); timestamps int64 epoch ms (NULL_INT = null); floats (NaN = null).
    """

    n: int
    cols: dict[str, Value] = field(default_factory=dict)


@dataclass
class Pools:
    """String and map pools shared by all blocks of one table."""

    strings: StringPool = field(default_factory=StringPool)
    maps: MapPool = field(default_factory=MapPool)


def column_array(block: Block, name: str, kind: Kind, pools: Pools) -> np.ndarray:
    """One block column as a full-length numpy array (scalars broadcast, strings coded)."""
    value = block.cols.get(name)
    if isinstance(value, np.ndarray):
        if len(value) != block.n:
            raise ValueError(f"{name}: {len(value)} values for a block of {block.n} rows")
        return value
    if kind == "string":
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name}: string scalars must be str, got {type(value).__name__}")
        return np.full(block.n, pools.strings.code(value or ""), dtype=np.int32)
    if kind == "map":
        return np.full(block.n, pools.maps.code(value or {}), dtype=np.int32)
    if kind == "float":
        return np.full(block.n, np.nan if value is None else value, dtype=np.float64)
    return np.full(block.n, NULL_INT if value is None else value, dtype=np.int64)


def _dictionary(codes: np.ndarray, strings: pa.Array) -> pa.DictionaryArray:
    """Codes into the shared pool -> a dictionary array holding only the values used."""
    used = np.bincount(codes, minlength=len(strings)) > 0
    remap = (np.cumsum(used) - 1).astype(np.int32)
    dictionary = strings.filter(pa.array(used))
    return pa.DictionaryArray.from_arrays(pa.array(remap[codes], type=pa.int32()), dictionary)


def _to_arrow(values: np.ndarray, kind: Kind, strings: pa.Array, maps: pa.Array) -> pa.Array:
    if kind == "string":
        return _dictionary(values, strings)
    if kind == "map":
        return maps.take(pa.array(values, type=pa.int32()))
    if kind == "float":
        # NaN marks null
        return pa.array(values, type=pa.float64(), mask=np.isnan(values))
    mask = values == NULL_INT
    if kind == "money":
        # masked slots hold the sentinel's quotient; the mask makes them null
        return pa.array(values / UNITS, type=pa.float64(), mask=mask)
    return pa.array(values, type=TIMESTAMP, mask=mask)


def assemble(
    blocks: Sequence[Block],
    columns: Sequence[tuple[str, Kind]],
    pools: Pools,
    extra: Mapping[str, pa.Array] | None = None,
) -> pa.Table:
    """Concatenate blocks into one Arrow table with the given column order and kinds.

    Args:
        blocks: row blocks, concatenated in order.
        columns: (name, kind) of every output column, in output order.
        pools: the pools the blocks' codes refer to.
        extra: ready-made arrays for columns no block sets (e.g. unique line ids).

    Returns:
        The table.
    """
    extra = extra or {}
    merged = {
        name: np.concatenate([column_array(b, name, kind, pools) for b in blocks])
        for name, kind in columns
        if name not in extra
    }
    # pools are frozen only now: scalars interned above must be in them
    strings = pa.array(pools.strings.values, type=pa.string())
    maps = pools.maps.to_arrow()
    arrays = [
        extra[name] if name in extra else _to_arrow(merged[name], kind, strings, maps)
        for name, kind in columns
    ]
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` with fixed writer options, so equal tables give equal bytes.

    Dictionary encoding is used for string and map columns only: money and rates are close to
    unique, where building a dictionary first costs time and then is thrown away.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded = [
        name
        for name, field_ in zip(table.column_names, table.schema, strict=True)
        if pa.types.is_dictionary(field_.type) or pa.types.is_string(field_.type)
    ]
    maps = [
        n for n, f in zip(table.column_names, table.schema, strict=True) if pa.types.is_map(f.type)
    ]
    encoded += [f"{name}.key_value.{part}" for name in maps for part in ("key", "value")]
    pq.write_table(table, path, use_dictionary=encoded, **PARQUET_OPTIONS)


_BASE32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)


def random_tokens(rng: np.random.Generator, n: int, length: int) -> pa.Array:
    """`n` random lowercase base32 strings of `length` characters, built without a row loop."""
    picks = np.frombuffer(rng.bytes(n * length), dtype=np.uint8) & 31
    data = _BASE32[picks].tobytes()
    offsets = np.arange(0, (n + 1) * length, length, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def random_uuid(rng: np.random.Generator) -> str:
    """A version-4 UUID string drawn from `rng` (never from the OS), for determinism."""
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware or naive-UTC datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def iso_z(ms: int, millis: bool = False) -> str:
    """`2025-01-01T00:00:00Z` (or `...00.000Z` with millis) for epoch milliseconds."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if millis else f"{text}Z"


def to_units(values: np.ndarray) -> np.ndarray:
    """Float dollars -> int64 units of 1e-8; exact for values written by this package."""
    return np.rint(values * UNITS).astype(np.int64)


def column_units(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A money column read back as int64 units, nulls as 0."""
    values = column.fill_null(0.0).to_numpy()
    return to_units(np.asarray(values, dtype=np.float64))


def units_text(units: int) -> str:
    """Units as a plain decimal string with 8 places, e.g. `12.50000000`."""
    return f"{Decimal(int(units)).scaleb(-MONEY_DECIMALS):f}"


def group_sum(
    keys: Sequence[np.ndarray], values: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Exact int64 sums of `values` per distinct combination of `keys` (sorted by the keys).

    Args:
        keys: equally long integer arrays, most significant first.
        values: int64 values to sum.

    Returns:
        (one array of distinct values per key, sums aligned with them).
    """
    if len(values) == 0:
        return [np.zeros(0, dtype=np.int64) for _ in keys], np.zeros(0, dtype=np.int64)
    order = np.lexsort(tuple(reversed(keys)))
    ordered = [np.asarray(k)[order] for k in keys]
    change = np.zeros(len(values), dtype=bool)
    change[0] = True
    for k in ordered:
        change[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(change)
    sums = np.add.reduceat(np.asarray(values, dtype=np.int64)[order], starts)
    return [k[starts] for k in ordered], sums
