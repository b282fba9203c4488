"""Which fields of an sObject are read, and how each Salesforce field type becomes an exact value.

The field list and every type come from the object's `describe`. Default fields are all fields except
compound ones: `address` and `location` fields, and any field that other fields name as their
`compoundFieldName` (e.g. Contact `Name`, whose parts are `FirstName`, `LastName`, ...). Their
components are plain fields and are read instead. `base64` fields (file bodies) are left out too.

| describe `type`                          | REST JSON / Bulk CSV value  | loaded as                       |
|------------------------------------------|-----------------------------|---------------------------------|
| currency, percent, double with precision | number text                 | exact Decimal, DECIMAL(p, s)    |
| double without precision                 | number                      | DOUBLE                          |
| int, long                                | number                      | BIGINT                          |
| boolean (checkbox)                       | true/false                  | BOOLEAN                         |
| date                                     | `2024-03-01`                | DATE                            |
| datetime                                 | `...T10:00:00.000+0000`/`Z` | TIMESTAMP WITH TIME ZONE (UTC)  |
| id, reference, picklist, string, others  | text                        | VARCHAR                         |

Rows are keyed by the destination column name (`column`, dlt's snake_case of the API name) rather than the
API name: dlt reads `__` in a data key as a nesting path (`Revenue__c` -> `revenue__c`) but names the hinted
column `revenue_c`, so custom fields would otherwise split into two columns.

REST values keep their JSON text exact because the client parses floats with `parse_float=Decimal`.
Bulk CSV has no null marker: an empty cell is null (Salesforce stores no empty strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from dlt.common.normalizers.naming.snake_case import NamingConvention

COMPOUND_TYPES = frozenset({"address", "location"})
SKIPPED_TYPES = COMPOUND_TYPES | {"base64"}
DECIMAL_TYPES = frozenset({"currency", "percent"})
INTEGER_TYPES = frozenset({"int", "long"})
DEFAULT_DECIMAL = (18, 2)  # Salesforce's largest currency precision, used when describe gives none
_NAMING = NamingConvention()


@dataclass(frozen=True)
class FieldInfo:
    """One field of an sObject as `describe` reports it.

    Args:
        name: API name (`SystemModstamp`, `Amount`, `Region__c`).
        type: Describe type (`datetime`, `currency`, `picklist`, ...).
        precision: Total digits for numbers (0 when not applicable).
        scale: Digits after the decimal point.
        compound_field_name: The compound field this one is a component of, if any.
    """

    name: str
    type: str
    precision: int = 0
    scale: int = 0
    compound_field_name: str | None = None

    @classmethod
    def from_describe(cls, field: Mapping[str, Any]) -> FieldInfo:
        """Build from one entry of a describe result's `fields`."""
        return cls(
            name=str(field["name"]),
            type=str(field.get("type", "string")).lower(),
            precision=int(field.get("precision") or 0),
            scale=int(field.get("scale") or 0),
            compound_field_name=field.get("compoundFieldName") or None,
        )

    @cached_property
    def column(self) -> str:
        """Destination column name: dlt's snake_case identifier (`SystemModstamp` -> `system_modstamp`)."""
        return _NAMING.normalize_identifier(self.name)

    @property
    def is_decimal(self) -> bool:
        """Whether values load as exact decimals."""
        return self.type in DECIMAL_TYPES or (self.type == "double" and self.precision > 0)

    def decimal_shape(self) -> tuple[int, int]:
        """DECIMAL(precision, scale) for this field."""
        if self.precision <= 0:
            return DEFAULT_DECIMAL
        return self.precision, min(self.scale, self.precision)

    def column_hint(self) -> dict[str, Any]:
        """The dlt column hint that gives this field its exact destination type, even when all values are null."""
        if self.is_decimal:
            precision, scale = self.decimal_shape()
            return {"data_type": "decimal", "precision": precision, "scale": scale}
        if self.type == "double":
            return {"data_type": "double"}
        if self.type in INTEGER_TYPES:
            return {"data_type": "bigint"}
        if self.type == "boolean":
            return {"data_type": "bool"}
        if self.type == "date":
            return {"data_type": "date"}
        if self.type == "datetime":
            return {"data_type": "timestamp", "timezone": True}
        return {"data_type": "text"}

    def from_json(self, value: Any) -> Any:
        """Convert a value of a REST query record (JSON parsed with `parse_float=Decimal`)."""
        if value is None:
            return None
        if self.is_decimal:
            return value if isinstance(value, Decimal) else Decimal(str(value))
        if self.type == "double":
            return float(value)
        if self.type in INTEGER_TYPES:
            return int(value)
        if self.type == "boolean":
            return bool(value)
        if self.type == "date":
            return date.fromisoformat(str(value))
        if self.type == "datetime":
            return parse_datetime(str(value))
        if isinstance(value, dict | list):
            return str(value)  # anyType values that are structured: keep the row flat
        return str(value) if not isinstance(value, str) else value

    def from_csv(self, text: str) -> Any:
        """Convert a cell of a Bulk API 2.0 CSV result (an empty cell is null)."""
        if text == "":
            return None
        if self.is_decimal:
            return Decimal(text)
        if self.type == "double":
            return float(text)
        if self.type in INTEGER_TYPES:
            return int(Decimal(text))
        if self.type == "boolean":
            return text.lower() == "true"
        if self.type == "date":
            return date.fromisoformat(text)
        if self.type == "datetime":
            return parse_datetime(text)
        return text


def parse_datetime(text: str) -> datetime:
    """Parse a Salesforce datetime (`2024-03-01T10:00:00.000+0000` or `...Z`) into an aware UTC datetime."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def default_fields(fields: list[FieldInfo]) -> list[FieldInfo]:
    """All fields of an object except compound ones (and their parents) and base64 bodies."""
    parents = {f.compound_field_name for f in fields if f.compound_field_name}
    return [f for f in fields if f.type not in SKIPPED_TYPES and f.name not in parents]


def compound_parents(fields: list[FieldInfo]) -> set[str]:
    """Names of fields that other fields are components of (plus address/location fields)."""
    parents = {f.compound_field_name for f in fields if f.compound_field_name}
    return parents | {f.name for f in fields if f.type in COMPOUND_TYPES}
