"""Salesforce source: sObjects read for a half-open UTC window through the REST and Bulk 2.0 APIs.

Resources: one per manifest entry under `salesforce.objects` (`Account`, `Contact`, `Opportunity`,
any custom object such as `Invoice__c`). The destination table is the object name in dlt's snake_case
(`account`, `opportunity`, `invoice_c`), and so are the columns (`system_modstamp`, `is_deleted`,
`stage_name`, `account_id`). The `attributes` key of each record is dropped.

Fields: the entity's `fields` list, or by default every field of the object's `describe` except
compound ones (address/location fields and parents of component fields) and base64 bodies. `Id`,
the cursor and `IsDeleted` are always added. Types follow describe (see `fields.py`): currency,
percent and numbers with a precision load as exact DECIMAL(p, s), datetimes as UTC timestamps,
dates as DATE, checkboxes as BOOLEAN, picklists and ids as text.

Cursors: `SystemModstamp` (override with the entity's `cursor`, a datetime field). The window is the
SOQL `WHERE cursor >= since AND cursor < until ORDER BY cursor, Id`, sent to `queryAll`, so deleted
records (still in the recycle bin) arrive with `IsDeleted = true`: soft deletes. Pages follow
`nextRecordsUrl`, a server-side cursor over the whole result, so records sharing one timestamp are never
dropped or repeated across pages. A window whose `totalSize` exceeds `bulk_threshold_rows` (default
50,000) is read by a Bulk API 2.0 `queryAll` job instead, with identical rows.

Write dispositions: merge on the primary key `Id` (override with `primary_key`): a record updated into a
later window ends up once, with its latest values; a deleted one keeps its row with `is_deleted = true`.

Limits: before anything else `GET /limits` is read, and the run refuses to start (exit 75) when
`DailyApiRequests` has less than `min_api_budget_pct` (default 10) percent left. 429, 5xx,
`REQUEST_LIMIT_EXCEEDED` and network failures are retried with backoff (`max_retries`, default 5),
then exit 75; the failing chunk is not committed. Bad credentials exit 2 naming Salesforce.

Credentials and URLs: see `auth.py` (`SOURCES__SALESFORCE__...`). Manifest keys: `login_url`,
`instance_url`, `api_version` (default `60.0`), `bulk_threshold_rows`, `min_api_budget_pct`,
`max_retries`; per object `fields`, `cursor`, `primary_key`, `partition`, `cluster`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from extract.errors import ExtractError, TransientError, UsageError
from extract.manifest import ManifestRules, SourceManifest, TableSpec
from extract.sources.base import Batch, Source
from extract.sources.salesforce.auth import Credentials, read_credentials
from extract.sources.salesforce.bulk import bulk_records
from extract.sources.salesforce.client import RetryPolicy, SalesforceApi
from extract.sources.salesforce.errors import classify_salesforce_error
from extract.sources.salesforce.fields import FieldInfo, compound_parents, default_fields
from extract.sources.salesforce.soql import count_window, select_window, window_condition
from extract.window import Window

DEFAULT_API_VERSION = "60.0"
DEFAULT_BULK_THRESHOLD_ROWS = 50_000
DEFAULT_MIN_API_BUDGET_PCT = 10.0
DEFAULT_MAX_RETRIES = 5
BULK_MAX_RECORDS = 10_000  # rows per Bulk result set: one bounded batch
BULK_TIMEOUT_S = 3600.0
_VERSION = re.compile(r"^\d{2,3}\.\d$")
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ObjectPlan:
    """How one manifest object is read.

    Args:
        sobject: API name from describe (canonical case).
        fields: Selected fields, in SELECT order.
        cursor: The cursor field.
    """

    sobject: str
    fields: tuple[FieldInfo, ...]
    cursor: FieldInfo

    @property
    def field_names(self) -> list[str]:
        """Field names in SELECT order."""
        return [f.name for f in self.fields]


def _int_setting(settings: dict[str, Any], key: str, default: int, label: str, minimum: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{label}: salesforce.{key}: must be an integer >= {minimum}, got {value!r}")
    return value


class SalesforceSource(Source):
    """Reads Salesforce sObjects for a window (see the module docstring)."""

    name: ClassVar[str] = "salesforce"
    rules: ClassVar[ManifestRules] = ManifestRules(
        entities_key="objects",
        source_keys=frozenset(
            {"instance_url", "login_url", "api_version", "bulk_threshold_rows", "min_api_budget_pct", "max_retries"}
        ),
        entity_keys=frozenset({"fields"}),
        default_cursor="SystemModstamp",
        default_primary_key=("Id",),
    )

    def __init__(self, manifest: SourceManifest) -> None:
        super().__init__(manifest)
        settings = dict(manifest.settings)
        label = manifest.path
        self.api_version = str(settings.get("api_version", DEFAULT_API_VERSION)).removeprefix("v")
        if not _VERSION.match(self.api_version):
            raise UsageError(
                f"{label}: salesforce.api_version: expected a version such as 60.0, got {self.api_version!r}"
            )
        self.bulk_threshold_rows = _int_setting(settings, "bulk_threshold_rows", DEFAULT_BULK_THRESHOLD_ROWS, label, 1)
        self.max_retries = _int_setting(settings, "max_retries", DEFAULT_MAX_RETRIES, label, 0)
        budget = settings.get("min_api_budget_pct", DEFAULT_MIN_API_BUDGET_PCT)
        if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 <= budget <= 100:
            raise UsageError(f"{label}: salesforce.min_api_budget_pct: must be a number from 0 to 100, got {budget!r}")
        self.min_api_budget_pct = float(budget)
        self.credentials: Credentials = read_credentials(settings)
        self.api: SalesforceApi | None = None
        self.plans: dict[str, ObjectPlan] = {}
        self.bulk_jobs = 0
        self.budget: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"SalesforceSource(flow={self.credentials.flow!r}, objects={[t.name for t in self.manifest.tables]})"

    # -- connection and metadata -------------------------------------------------------------------

    def open(self, tables: tuple[TableSpec, ...]) -> None:
        """Log in, check the API budget, then describe every object and validate its fields and cursor."""
        self.api = SalesforceApi(self.credentials, self.api_version, RetryPolicy(max_retries=self.max_retries))
        self._check_budget(self.api)
        for spec in tables:
            self.plans[spec.name] = self._plan(spec)

    def _check_budget(self, api: SalesforceApi) -> None:
        daily = (api.limits() or {}).get("DailyApiRequests") or {}
        maximum, remaining = int(daily.get("Max") or 0), int(daily.get("Remaining") or 0)
        if not maximum:
            return
        left_pct = 100.0 * remaining / maximum
        self.budget = {"max": maximum, "remaining_at_start": remaining, "remaining_pct": round(left_pct, 2)}
        if left_pct < self.min_api_budget_pct:
            raise TransientError(
                f"{api.where}: only {left_pct:.1f}% of the daily API budget is left ({remaining} of {maximum} "
                f"DailyApiRequests), under min_api_budget_pct {self.min_api_budget_pct:g}: refusing to start; "
                "rerun when the rolling 24-hour usage has dropped"
            )

    def _plan(self, spec: TableSpec) -> ObjectPlan:
        assert self.api is not None
        where = f"{self.manifest.path}: salesforce.objects.{spec.name}"
        if not _FIELD_NAME.match(spec.name):
            raise UsageError(f"{where}: not an sObject API name")
        try:
            described = self.api.describe(spec.name)
        except (SalesforceResourceNotFound, SalesforceMalformedRequest):
            raise UsageError(f"{where}: no such sObject (or the API user cannot see it)") from None
        fields = [FieldInfo.from_describe(f) for f in described.get("fields") or []]
        by_name = {f.name.lower(): f for f in fields}
        cursor = by_name.get(spec.cursor.lower())
        if cursor is None:
            raise UsageError(f"{where}.cursor: no field {spec.cursor!r} on {spec.name}")
        if cursor.type != "datetime":
            raise UsageError(
                f"{where}.cursor: field {cursor.name!r} is {cursor.type}; a cursor must be a datetime field"
            )
        for key in (*spec.primary_key, *([spec.partition] if spec.partition else []), *spec.cluster):
            if key.lower() not in by_name:
                raise UsageError(f"{where}: no field {key!r} on {spec.name}")
        selected = self._selected_fields(spec, fields, by_name, where)
        for required in ("Id", cursor.name, "IsDeleted", *spec.primary_key):
            field = by_name.get(required.lower())
            if field is not None and field not in selected:
                selected.append(field)
        return ObjectPlan(str(described.get("name") or spec.name), tuple(selected), cursor)

    @staticmethod
    def _selected_fields(
        spec: TableSpec, fields: list[FieldInfo], by_name: dict[str, FieldInfo], where: str
    ) -> list[FieldInfo]:
        listed = spec.options.get("fields")
        if listed is None:
            return default_fields(fields)
        if not isinstance(listed, list) or not listed or not all(isinstance(n, str) and n for n in listed):
            raise UsageError(f"{where}.fields: must be a non-empty list of field API names")
        compound = {name.lower() for name in compound_parents(fields)}
        selected: list[FieldInfo] = []
        for name in listed:
            field = by_name.get(name.lower())
            if field is None:
                raise UsageError(f"{where}.fields: no field {name!r} on {spec.name}")
            if name.lower() in compound:
                parts = [f.name for f in fields if (f.compound_field_name or "").lower() == name.lower()]
                hint = f" (list its components: {', '.join(parts)})" if parts else ""
                raise UsageError(f"{where}.fields: {field.name!r} is a compound field{hint}")
            if field not in selected:
                selected.append(field)
        return selected

    # -- reading -----------------------------------------------------------------------------------

    def _require(self) -> SalesforceApi:
        if self.api is None:
            raise ExtractError("salesforce: the source is not open")
        return self.api

    def count(self, table: TableSpec, window: Window) -> int:
        """`totalSize` of `SELECT COUNT()` over the window through `queryAll` (deleted rows included)."""
        plan = self.plans[table.name]
        return self._require().count(count_window(plan.sobject, plan.cursor.name, window))

    def describe_window(self, table: TableSpec, window: Window) -> str:
        """The SOQL condition, and which API reads the window."""
        plan = self.plans[table.name]
        return (
            f"{window_condition(plan.cursor.name, window)} (queryAll; Bulk API 2.0 above "
            f"{self.bulk_threshold_rows} rows)"
        )

    def read(self, table: TableSpec, window: Window, anomalies: Counter[str]) -> Iterator[Batch]:
        """Yield the window's records, one batch per REST page or Bulk result set."""
        api = self._require()
        plan = self.plans[table.name]
        fields = list(plan.fields)
        page = api.query_page(select_window(plan.sobject, plan.field_names, plan.cursor.name, window))
        if page.total_size > self.bulk_threshold_rows:
            self.bulk_jobs += 1
            soql = select_window(plan.sobject, plan.field_names, plan.cursor.name, window, ordered=False)
            yield from bulk_records(api, soql, fields, max_records=BULK_MAX_RECORDS, timeout_s=BULK_TIMEOUT_S)
            return
        expected, seen = page.total_size, 0
        while True:
            batch = [{f.column: f.from_json(record.get(f.name)) for f in fields} for record in page.records]
            seen += len(batch)
            if batch:
                yield batch
            if not page.next_url:
                break
            page = api.next_page(page.next_url)
        if seen != expected:
            anomalies["total_size_mismatch"] += abs(expected - seen)

    def column_hints(self, table: TableSpec) -> dict[str, dict[str, Any]]:
        """Exact destination types from describe, so all-null columns still get their type."""
        plan = self.plans.get(table.name)
        return {f.column: f.column_hint() for f in plan.fields} if plan else {}

    def key_is_unique(self, table: TableSpec) -> bool:
        """A query returns each record once, so `Id` is unique within a window."""
        return tuple(k.lower() for k in table.primary_key) == ("id",)

    def classify(self, exc: BaseException) -> ExtractError | None:
        """Map simple-salesforce and requests failures to exit codes (see `errors.py`)."""
        where = self.api.where if self.api is not None else f"salesforce {self.credentials.login_url}"
        return classify_salesforce_error(exc, where.replace("https://", ""))

    def report_extra(self) -> dict[str, Any]:
        """API calls spent, retries, Bulk jobs and the daily budget seen at start."""
        if self.api is None:
            return {}
        extra: dict[str, Any] = {
            "api_calls": self.api.calls,
            "retries": self.api.retries,
            "bulk_jobs": self.bulk_jobs,
            "auth_flow": self.credentials.flow,
        }
        if self.budget:
            extra["daily_api_requests"] = self.budget
        if self.api.api_usage:
            extra["sforce_limit_info"] = self.api.api_usage
        return {"salesforce": extra}

    def close(self) -> None:
        """Close the HTTP session."""
        if self.api is not None:
            self.api.close()
