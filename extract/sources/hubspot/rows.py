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

    def _convert(self, name: str, raw: Any, anomalies: Counter[str]) -> Any:
        if raw is None:
            return None
        kind = self.kinds[name]
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

    def _instant(self, text: Any, name: str, anomalies: Counter[str]) -> datetime | None:
        if not text:
            return None
        try:
            return parse_datetime(str(text))
        except ValueError:
            anomalies[f"unparseable_datetime:{name}"] += 1
            return None

    def table(self, records: Sequence[dict[str, Any]], anomalies: Counter[str], *, archived: bool = False) -> pa.Table:
        """Build the Arrow table of `records`.

        Archived records (from the archived list) get `archived=true`, `archived_at`, and their cursor set to
        `archived_at`, so that the soft delete lands in the window in which it happened.
        """
        columns: dict[str, list[Any]] = {name: [] for name in self.schema.names}
        for record in records:
            props = record.get("properties") or {}
            archived_at = self._instant(record.get("archivedAt"), "archivedAt", anomalies) if archived else None
            columns["id"].append(str(record["id"]))
            for name in self.properties:
                if not (archived and name == self.cursor_column):
                    columns[name].append(self._convert(name, props.get(name), anomalies))
            if archived:
                columns[self.cursor_column].append(archived_at)
            elif self.cursor_column not in self.properties:
                columns[self.cursor_column].append(columns[self.cursor_property][-1])
            columns["created_at"].append(self._instant(record.get("createdAt"), "createdAt", anomalies))
            columns["updated_at"].append(self._instant(record.get("updatedAt"), "updatedAt", anomalies))
            columns["archived"].append(bool(record.get("archived", archived)))
            columns["archived_at"].append(archived_at)
        arrays = [pa.array(columns[f.name], f.type) for f in self.schema]
        return pa.Table.from_arrays(arrays, schema=self.schema)
