"""HubSpot records -> Arrow tables with exact types.

HubSpot returns every property value as a string. The property's declared type (from
`GET /crm/v3/properties/{objectType}`) decides the column type:

| HubSpot type | column                     | example                        |
|--------------|----------------------------|--------------------------------|
| datetime     | timestamp (UTC, us)        | `2024-03-01T10:00:00.123Z`, or epoch ms |
| date         | date                       | `2024-03-01`                   |
| number       | decimal(38, 9), exact      | `1500.50` (deal `amount`)      |
| bool         | boolean                    | `true` / `false`               |
| anything else (string, enumeration, phone_number, ...) | string, as HubSpot sent it | |

Every row also has `id` (string), `created_at` and `updated_at` (the record's `createdAt`/`updatedAt`),
`archived` and `archived_at`. A value that cannot be represented (an unparseable date, a number with
more than 9 decimals or 29 integer digits) becomes null and is counted as an anomaly such as
`unparseable_datetime:closedate`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP = pa.timestamp("us", tz="UTC")
DECIMAL_PRECISION, DECIMAL_SCALE = 38, 9
ARROW_TYPES: dict[str, pa.DataType] = {
    "datetime": TIMESTAMP,
    "date": pa.date32(),
    "number": pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
    "bool": pa.bool_(),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_datetime(text: str) -> datetime:
    """HubSpot datetime text (ISO 8601, or epoch milliseconds) -> aware UTC datetime.

    Raises:
        ValueError: When the text is neither.
    """
    if text.lstrip("-").isdigit():
        return EPOCH + timedelta(milliseconds=int(text))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _parse_date(text: str) -> date:
    if len(text) == 10:
        return date.fromisoformat(text)
    return parse_datetime(text).date()


def _parse_number(text: str) -> Decimal:
    value = Decimal(text).normalize()
    if not value.is_finite():
        raise InvalidOperation(text)
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -DECIMAL_SCALE:
        raise OverflowError(text)
    if value.adjusted() >= DECIMAL_PRECISION - DECIMAL_SCALE:
        raise OverflowError(text)
    return value


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError(text)


PARSERS: dict[str, Callable[[str], Any]] = {
    "datetime": parse_datetime,
    "date": _parse_date,
    "number": _parse_number,
    "bool": _parse_bool,
}


class RowBuilder:
    """Turns pages of HubSpot records into Arrow tables of one fixed schema.

    Args:
        properties: Property columns, in order (requested properties, `createdate`, the cursor property).
        types: HubSpot type per property.
        cursor_property: The last-modified property the window filters on.
        cursor_column: The manifest's cursor column (normally the same name; see `HubSpotSource`).
    """

    def __init__(
        self, properties: Sequence[str], types: dict[str, str], cursor_property: str, cursor_column: str
    ) -> None:
        self.properties = list(dict.fromkeys(properties))
        self.kinds = {p: types.get(p, "string") for p in self.properties}
        self.kinds[cursor_property] = "datetime"
        self.cursor_property = cursor_property
        self.cursor_column = cursor_column
        fields = [pa.field("id", pa.string(), nullable=False)]
        fields += [pa.field(p, ARROW_TYPES.get(self.kinds[p], pa.string())) for p in self.properties]
        if cursor_column not in self.properties:
            fields.append(pa.field(cursor_column, TIMESTAMP))
        fields += [
            pa.field("created_at", TIMESTAMP),
            pa.field("updated_at", TIMESTAMP),
            pa.field("archived", pa.bool_()),
            pa.field("archived_at", TIMESTAMP),
        ]
        self.schema = pa.schema(fields)

    def _convert(self, name: str, kind: str, raw: Any, anomalies: Counter[str]) -> Any:
        if raw is None:
            return None
        parser = PARSERS.get(kind)
        if parser is None:
            return str(raw)
        text = str(raw).strip()
        if not text:
            return None
        try:
            return parser(text)
        except OverflowError:
            anomalies[f"out_of_range_number:{name}"] += 1
        except (ValueError, InvalidOperation):
            anomalies[f"unparseable_{kind}:{name}"] += 1
        return None

    def _column(self, name: str, kind: str, raw: list[Any], anomalies: Counter[str]) -> pa.Array:
        """One column: Arrow's vectorised cast of the strings, or value by value when any value is odd."""
        arrow_type = ARROW_TYPES.get(kind, pa.string())
        try:
            strings = pa.array(raw, pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            strings = pa.array([None if v is None else str(v) for v in raw], pa.string())
        if arrow_type == pa.string():
            return strings
        try:
            # Fast path: ISO 8601 with offset, plain decimals, true/false, YYYY-MM-DD all cast exactly.
            return pc.cast(strings, arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pa.array([self._convert(name, kind, value, anomalies) for value in raw], arrow_type)

    def table(self, records: Sequence[dict[str, Any]], anomalies: Counter[str], *, archived: bool = False) -> pa.Table:
        """Build the Arrow table of `records`.

        Archived records (from the archived list) get `archived=true`, `archived_at`, and their cursor set to
        `archived_at`, so that the soft delete lands in the window in which it happened.
        """
        props = [record.get("properties") or {} for record in records]
        columns: dict[str, pa.Array] = {"id": pa.array([str(r["id"]) for r in records], pa.string())}
        for name in self.properties:
            columns[name] = self._column(name, self.kinds[name], [p.get(name) for p in props], anomalies)
        archived_at = self._column(
            "archivedAt", "datetime", [r.get("archivedAt") if archived else None for r in records], anomalies
        )
        if archived:
            columns[self.cursor_column] = archived_at
        elif self.cursor_column not in self.properties:
            columns[self.cursor_column] = columns[self.cursor_property]
        for column, key in (("created_at", "createdAt"), ("updated_at", "updatedAt")):
            columns[column] = self._column(key, "datetime", [r.get(key) for r in records], anomalies)
        columns["archived"] = pa.array([bool(r.get("archived", archived)) for r in records], pa.bool_())
        columns["archived_at"] = archived_at
        return pa.Table.from_arrays([columns[f.name] for f in self.schema], schema=self.schema)
