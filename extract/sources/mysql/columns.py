"""How each MySQL/MariaDB column type is selected and turned into an exact Arrow column.

connectorx reads the result set straight into Arrow (in Rust, streaming), which is what makes the
extractor fast. It has known gaps, closed here per column:

| MySQL type                         | selected as                          | Arrow result                       |
|------------------------------------|--------------------------------------|------------------------------------|
| DECIMAL(p,s), s<=10 and p-s<=28    | the column                           | decimal128(p,s) (exact rescale)    |
| wider DECIMAL                      | CAST(col AS CHAR)                    | decimal128(p,s), decimal256 if p>38 |
| BIGINT UNSIGNED                    | the column                           | decimal128(20,0) (whole range)     |
| other UNSIGNED ints, YEAR, BIT     | the column / CAST AS UNSIGNED        | int64                              |
| DATE, DATETIME                     | zero dates -> NULL (counted)         | date32 / timestamp[us, UTC]        |
| TIMESTAMP                          | epoch microseconds, zero -> NULL     | timestamp[us, UTC] (session-tz free) |
| TIME                               | outside [00:00, 24:00) -> NULL (counted) | time64[us]                     |
| JSON (MySQL type, or MariaDB's json_valid check) | the column             | string, loaded as a JSON column    |
| ENUM, SET                          | CAST(col AS CHAR)                    | string                             |
| spatial types                      | ST_AsBinary(col)                     | binary (WKB)                       |

connectorx reads every DECIMAL as decimal128(38,10), so wider integer parts overflow and scales above
10 round; it panics on zero dates and reads BIGINT UNSIGNED as uint64, which DuckDB rejects into a
signed column (shared NOTES.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

Converter = Callable[[pa.ChunkedArray | pa.Array], pa.Array | pa.ChunkedArray]

_INTEGER_TYPES = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
_TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext"}
_BINARY_TYPES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}
_SPATIAL_TYPES = {
    "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
    "geometrycollection",
}  # fmt: skip


@dataclass(frozen=True)
class ColumnInfo:
    """One column as described by `information_schema.COLUMNS` (plus MariaDB's JSON check)."""

    name: str
    data_type: str
    column_type: str
    precision: int | None
    scale: int | None
    nullable: bool
    is_json: bool = False

    @property
    def unsigned(self) -> bool:
        """Whether the integer column is UNSIGNED."""
        return "unsigned" in self.column_type.lower()


@dataclass(frozen=True)
class SelectedColumn:
    """How one column is read: its SELECT expression, an optional anomaly flag and the Arrow conversion."""

    name: str
    expression: str
    convert: Converter | None = None
    # How a nulled value is counted: NOT NULL columns count the NULLs they arrive with (no extra work on the
    # server); nullable ones add `anomaly_flag`, an SQL boolean column, to the SELECT.
    anomaly_flag: str | None = None
    anomaly_key: str | None = None
    dlt_hint: dict[str, object] | None = None

    @property
    def anomalies_are_nulls(self) -> bool:
        """Every NULL in this column is a nulled value (a NOT NULL column with a guard)."""
        return self.anomaly_key is not None and self.anomaly_flag is None


def quote(identifier: str) -> str:
    """Quote a MySQL identifier with backticks."""
    return "`" + identifier.replace("`", "``") + "`"


def _cast(arrow_type: pa.DataType) -> Converter:
    return lambda arr: pc.cast(arr, arrow_type)


def _naive_to_utc(timezone: str) -> Converter:
    def convert(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        arr = pc.cast(arr, pa.timestamp("us"))
        if timezone == "UTC":
            return pc.cast(arr, pa.timestamp("us", tz="UTC"))
        # DST: an ambiguous local time (the repeated hour) is read as its earlier instant, and a
        # nonexistent one (the skipped hour) as the instant just after the gap.
        local = pc.assume_timezone(arr, timezone=timezone, ambiguous="earliest", nonexistent="latest")
        return pc.cast(local, pa.timestamp("us", tz="UTC"))

    return convert


def _epoch_micros_to_utc(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    return pc.cast(pc.cast(arr, pa.int64()), pa.timestamp("us", tz="UTC"))


def _decimal_type(precision: int, scale: int) -> pa.DataType:
    return pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)


def _zero_date_flag(col: str) -> str:
    # NULL for a NULL value; one product instead of an OR of two comparisons (measurably cheaper per row).
    return f"(MONTH({col}) * DAYOFMONTH({col}) = 0)"


def _guarded(info: ColumnInfo, flag: str, expression: str, convert: Converter, key: str) -> SelectedColumn:
    """NULL instead of the value where `flag` holds, counted under `key` (see `SelectedColumn`)."""
    return SelectedColumn(
        info.name,
        f"IF({flag}, NULL, {expression})",
        convert,
        anomaly_flag=flag if info.nullable else None,
        anomaly_key=key,
    )


def select_column(info: ColumnInfo, timezone: str) -> SelectedColumn:
    """Decide how to read `info` so that its values arrive exactly (see the module table).

    Args:
        info: The column's metadata.
        timezone: IANA zone in which naive DATETIME values are read (`UTC` by default).
    """
    col = quote(info.name)
    kind = info.data_type.lower()
    if kind in _INTEGER_TYPES:
        if info.unsigned and kind == "bigint":
            return SelectedColumn(info.name, col, _cast(pa.decimal128(20, 0)))
        return SelectedColumn(info.name, col, _cast(pa.int64()) if info.unsigned else None)
    if kind == "decimal":
        precision, scale = info.precision or 10, info.scale or 0
        target = _decimal_type(precision, scale)
        if scale <= 10 and precision - scale <= 28:
            return SelectedColumn(info.name, col, _cast(target))
        return SelectedColumn(info.name, f"CAST({col} AS CHAR)", _cast(target))
    if kind in ("float", "double", "real"):
        return SelectedColumn(info.name, col)
    if kind in ("date", "datetime", "timestamp"):
        flag = _zero_date_flag(col)
        if kind == "date":
            expression, convert = col, _cast(pa.date32())
        elif kind == "datetime":
            expression, convert = col, _naive_to_utc(timezone)
        else:
            # Epoch microseconds are exact and independent of the session's time_zone.
            expression, convert = f"CAST(UNIX_TIMESTAMP({col}) * 1000000 AS SIGNED)", _epoch_micros_to_utc
        return _guarded(info, flag, expression, convert, f"zero_date:{info.name}")
    if kind == "time":
        flag = f"({col} < '00:00:00' OR {col} >= '24:00:00')"
        return _guarded(info, flag, col, _cast(pa.time64("us")), f"time_out_of_day:{info.name}")
    if kind == "year":
        return SelectedColumn(info.name, f"CAST({col} AS SIGNED)", _cast(pa.int64()))
    if kind == "bit":
        target = pa.decimal128(20, 0) if (info.precision or 1) == 64 else pa.int64()
        return SelectedColumn(info.name, f"CAST({col} AS UNSIGNED)", _cast(target))
    if kind == "json" or info.is_json:
        return SelectedColumn(info.name, col, _cast(pa.string()), dlt_hint={"data_type": "json"})
    if kind in ("enum", "set") or kind in _TEXT_TYPES:
        expression = col if kind in _TEXT_TYPES else f"CAST({col} AS CHAR)"
        return SelectedColumn(info.name, expression, _cast(pa.string()))
    if kind in _BINARY_TYPES:
        return SelectedColumn(info.name, col, _cast(pa.binary()))
    if kind in _SPATIAL_TYPES:
        return SelectedColumn(info.name, f"ST_AsBinary({col})", _cast(pa.binary()))
    # Unknown or future types: text is lossless for anything MySQL can print.
    return SelectedColumn(info.name, f"CAST({col} AS CHAR)", _cast(pa.string()))


def check_timezone(name: str) -> str:
    """Validate an IANA zone name (raises `ZoneInfoNotFoundError` / `ValueError` when unknown)."""
    ZoneInfo(name)
    return name
