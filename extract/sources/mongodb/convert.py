"""BSON documents -> Arrow tables: exact types, the nested-document policy and type-conflict handling.

| BSON                         | kind       | Arrow (loaded as)                                        |
|------------------------------|------------|----------------------------------------------------------|
| ObjectId, string, UUID       | `str`      | string (UUIDs in canonical 8-4-4-4-12 form)              |
| int32, int64                 | `int`      | int64                                                    |
| double                       | `float`    | float64                                                  |
| Decimal128                   | `decimal`  | decimal128(38, max(9, scale seen first)) - exact         |
| bool                         | `bool`     | bool                                                     |
| date, timestamp              | `datetime` | timestamp[us, UTC]                                       |
| binary (not UUID)            | `binary`   | binary                                                   |
| embedded document, array     | `json`     | string holding JSON, hinted as a dlt `json` column       |

Nested policy (`mongodb.nested`, per collection `nested`):
- `json` (default): each top-level field is a column; a sub-document or array stays whole in a JSON column,
  queryable with JSON functions (DuckDB `->>`, BigQuery `JSON_VALUE`).
- `flatten`: sub-documents become `parent__child` columns (recursively); arrays stay JSON.

Type stability: Arrow batches of one table must agree on each column's type, within a run and across
its chunks. A column's kind is fixed by the first batch in which it holds a value:
- one kind -> that kind; int with double -> double; int with Decimal128 -> decimal;
- any other mix -> `str` (each value's text form), or JSON when a sub-document is part of the mix.
Later values are widened when that is lossless (int into double or decimal, anything into `str` or JSON);
otherwise the value moves to a sibling `<field>__v_text` column (dlt's variant-column convention) and the
main column gets null. Every value whose kind differs from its column's is counted in the anomalies as
`type_conflict:<field>`; the load never fails on it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from bson import Binary, Decimal128, ObjectId, Timestamp
from bson.binary import UUID_SUBTYPE
from bson.datetime_ms import DatetimeMS

NESTED_POLICIES = ("json", "flatten")
SEPARATOR = "__"  # dlt's path separator: `device__os` stays `device__os` in the destination
VARIANT_SUFFIX = "__v_text"
DECIMAL_PRECISION = 38  # the widest decimal128; DuckDB's maximum; BigQuery NUMERIC/BIGNUMERIC
MIN_DECIMAL_SCALE = 9  # dlt's and BigQuery NUMERIC's default scale, so prices with 2 digits widen later
UTC = dt.UTC

ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "binary": pa.binary(),
    "json": pa.string(),
}


@dataclass(frozen=True)
class ColumnType:
    """The fixed kind of one column (and the scale of a decimal column)."""

    kind: str
    scale: int = 0

    @property
    def arrow(self) -> pa.DataType:
        """The Arrow type of the column."""
        if self.kind == "decimal":
            return pa.decimal128(DECIMAL_PRECISION, self.scale)
        return ARROW_TYPES[self.kind]


class _OutOfRange:
    """Marks a BSON date that Python's datetime cannot hold (year < 1 or > 9999)."""


OUT_OF_RANGE = _OutOfRange()


def classify(value: Any) -> tuple[str | None, Any]:
    """The kind of a decoded BSON value and its plain Python form.

    Returns:
        `(kind, value)`; kind None for null (and for out-of-range dates, whose value is `OUT_OF_RANGE`).
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        return "int", int(value)
    if isinstance(value, float):
        return "float", value
    if isinstance(value, str):
        return "str", value
    if isinstance(value, dt.datetime):
        # BSON dates are UTC by definition; a naive one (a client without tz_aware) is UTC too.
        return "datetime", value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, ObjectId | uuid.UUID):
        return "str", str(value)
    if isinstance(value, Decimal128):
        number = value.to_decimal()
        return ("decimal", number) if number.is_finite() else ("str", str(number))
    if isinstance(value, Decimal):
        return ("decimal", value) if value.is_finite() else ("str", str(value))
    if isinstance(value, Binary) and value.subtype == UUID_SUBTYPE and len(value) == 16:
        return "str", str(value.as_uuid())
    if isinstance(value, bytes | bytearray):
        return "binary", bytes(value)
    if isinstance(value, Mapping | list | tuple):
        return "json", value
    if isinstance(value, Timestamp):
        return "datetime", value.as_datetime().astimezone(UTC)
    if isinstance(value, DatetimeMS):
        return None, OUT_OF_RANGE
    return "str", str(value)  # Regex, Code, MinKey, MaxKey, ...


def to_jsonable(value: Any) -> Any:
    """A JSON-serialisable copy of a BSON value: exact decimals and ids as strings, dates as ISO 8601 UTC."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    kind, plain = classify(value)
    if kind is None:
        return None
    if kind == "float":
        return plain if math.isfinite(plain) else None  # JSON has no NaN or Infinity
    if kind in ("int", "bool", "str"):
        return plain
    return text_of(kind, plain)


def to_json(value: Any) -> str:
    """JSON text of a BSON value (compact, UTF-8)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, separators=(",", ":"))


def text_of(kind: str, value: Any) -> str:
    """The text form of a classified value, used when it lands in a string column."""
    if kind == "str":
        return value
    if kind == "json":
        return to_json(value)
    if kind == "datetime":
        return value.isoformat().replace("+00:00", "Z")
    if kind == "binary":
        return base64.b64encode(value).decode("ascii")
    if kind == "bool":
        return "true" if value else "false"
    if kind == "decimal":
        return str(value)
    return repr(value) if kind == "float" else str(value)


def flatten(document: Mapping[str, Any], nested: str, prefix: str = "") -> dict[str, Any]:
    """The columns of one document under the nested policy (`json` keeps it; `flatten` splits sub-documents)."""
    if nested == "json" and not prefix:
        return dict(document)
    out: dict[str, Any] = {}
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, nested, name + SEPARATOR))  # an empty sub-document adds no column
        else:
            out[name] = value
    return out


def _decimal_digits(value: Decimal) -> tuple[int, int]:
    """(integer digits, scale) of a finite decimal."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    integer = max(0, len(digits) + exponent)
    return integer, scale


def _decimal_type(values: Iterable[Decimal]) -> ColumnType | None:
    integer, scale = 0, MIN_DECIMAL_SCALE
    for value in values:
        i, s = _decimal_digits(value)
        integer, scale = max(integer, i), max(scale, s)
    if integer + scale > DECIMAL_PRECISION:
        return None  # no decimal128 holds these values exactly: a text column does
    return ColumnType("decimal", scale)


def _fits(value: Decimal, column: ColumnType) -> bool:
    integer, scale = _decimal_digits(value)
    return scale <= column.scale and integer <= DECIMAL_PRECISION - column.scale


class DocumentConverter:
    """Turns batches of documents of one collection into Arrow tables with stable column types.

    One converter lives for a whole run of one collection, so every batch and chunk agree on types.

    Args:
        nested: `json` or `flatten`.
        json_columns: Columns declared to dlt as JSON (known before reading, from a sample).
        cursor: The cursor field (always a UTC timestamp column).
        zone: When not UTC, BSON dates hold wall-clock times of this zone and are converted to UTC.
    """

    def __init__(
        self, nested: str, json_columns: Iterable[str] = (), cursor: str | None = None, zone: ZoneInfo | None = None
    ) -> None:
        self.nested = nested
        self.json_columns = frozenset(json_columns)
        self.zone = zone
        self.types: dict[str, ColumnType] = {name: ColumnType("json") for name in self.json_columns}
        if cursor:
            self.types[cursor] = ColumnType("datetime")

    def convert(self, documents: list[Mapping[str, Any]], anomalies: Counter[str]) -> pa.Table:
        """Convert one batch; count coerced values and out-of-range dates in `anomalies`."""
        n = len(documents)
        columns: dict[str, list[Any]] = {}
        for i, document in enumerate(documents):
            for name, value in flatten(document, self.nested).items():
                column = columns.get(name)
                if column is None:
                    column = columns[name] = [None] * n
                column[i] = value
        arrays: dict[str, pa.Array] = {}
        for name, raw in columns.items():
            classified = [classify(v) for v in raw]
            out_of_range = sum(1 for _, v in classified if v is OUT_OF_RANGE)
            if out_of_range:
                anomalies[f"date_out_of_range:{name}"] += out_of_range
            column_type = self.types.get(name) or self._resolve(name, classified)
            if column_type is None:
                continue  # only nulls so far: leave the column to a batch that has values
            values, variants = self._coerce(name, column_type, classified, anomalies)
            arrays[name] = pa.array(values, type=column_type.arrow)
            if variants is not None:
                variant = name + VARIANT_SUFFIX
                self.types.setdefault(variant, ColumnType("str"))
                arrays[variant] = pa.array(variants, type=pa.string())
        return pa.table(arrays) if arrays else pa.table({})

    def _resolve(self, name: str, classified: list[tuple[str | None, Any]]) -> ColumnType | None:
        kinds = {k for k, _ in classified if k is not None}
        if not kinds:
            return None
        if kinds <= {"int", "float"}:
            kind = "float" if "float" in kinds else "int"
        elif kinds <= {"int", "decimal"}:
            kind = "decimal"
        elif "json" in kinds:
            kind = "json"
        else:
            kind = next(iter(kinds)) if len(kinds) == 1 else "str"
        column_type: ColumnType | None = ColumnType(kind)
        if kind == "decimal":
            numbers = [Decimal(v) for k, v in classified if k in ("decimal", "int")]
            column_type = _decimal_type(numbers) or ColumnType("str")
        self.types[name] = column_type
        return column_type

    def _coerce(
        self, name: str, column: ColumnType, classified: list[tuple[str | None, Any]], anomalies: Counter[str]
    ) -> tuple[list[Any], list[str | None] | None]:
        target = column.kind
        values: list[Any] = []
        variants: list[str | None] | None = None
        for i, (kind, value) in enumerate(classified):
            converted, problem = self._convert_value(column, kind, value)
            values.append(converted)
            if problem is None:
                continue
            anomalies[f"{problem}:{name}"] += 1
            if converted is None and target not in ("str", "json"):
                # Keep the value that does not fit: in a variant column, as dlt itself does for type changes.
                if variants is None:
                    variants = [None] * len(classified)
                variants[i] = text_of(kind, value)  # type: ignore[arg-type]
        if target == "json" and name not in self.json_columns:
            anomalies[f"json_as_text:{name}"] += sum(1 for v in values if v is not None)
        return values, variants

    def _convert_value(self, column: ColumnType, kind: str | None, value: Any) -> tuple[Any, str | None]:
        """The value as the column holds it, and the anomaly it raises (None when it fits as is)."""
        target = column.kind
        if kind is None:
            return None, None
        if target == "json":
            return to_json(value), None if kind == "json" else "type_conflict"
        if target == "str":
            return text_of(kind, value), None if kind == "str" else "type_conflict"
        if kind == target:
            if target == "datetime" and self.zone is not None:
                return _from_wall_clock(value, self.zone), None
            if target == "decimal" and not _fits(value, column):
                return None, "decimal_overflow"
            return value, None
        if target == "float" and kind == "int":
            return float(value), None
        if target == "decimal" and kind == "int":
            number = Decimal(value)
            return (number, None) if _fits(number, column) else (None, "decimal_overflow")
        return None, "type_conflict"


def _from_wall_clock(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A date stored as the wall-clock time of `zone` (a client bug), read back as the UTC instant it meant."""
    return value.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


def to_wall_clock(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The UTC-labelled wall-clock time of `instant` in `zone`: how such a store holds it (window bounds)."""
    return instant.astimezone(zone).replace(tzinfo=UTC)


def json_columns_of(documents: Iterable[Mapping[str, Any]], nested: str) -> list[str]:
    """Columns that hold a sub-document or an array in any of `documents` (first-seen order)."""
    found: dict[str, None] = {}
    for document in documents:
        for name, value in flatten(document, nested).items():
            if isinstance(value, Mapping | list | tuple):
                found.setdefault(name, None)
    return list(found)
