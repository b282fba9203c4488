"""HubSpot source: CRM objects (contacts, companies, deals, any object type) read for a half-open UTC window.

Resources: one per manifest entry under `hubspot.objects`, each with an explicit property list:

    hubspot:
      page_size: 100            # results per search page, at most 200
      max_retries: 6            # per call, for 429 / 5xx / dropped connections
      objects:
        contacts:  {properties: [email, firstname, lastname, lifecyclestage]}
        deals:     {properties: [dealname, amount, dealstage, pipeline, closedate]}
        p_tickets: {properties: [subject], cursor: hs_lastmodifieddate, include_archived: false}

Cursors: the object's last-modified property, `lastmodifieddate` on contacts and `hs_lastmodifieddate` on
every other object (override with `cursor:`, any datetime property). The window applies through the CRM
search API as `GTE since` and `LT until` on that property in epoch milliseconds, so a record exactly at
`since` is loaded and one exactly at `until` is not. Windows over HubSpot's 10,000-result cap are split
(see `search.py`); nothing is truncated.

Soft deletes: search never returns archived records. Unless `include_archived: false`, the source also
lists the object's archived records (`GET /crm/v3/objects/{type}?archived=true`, once per run) and emits
those whose `archivedAt` lies in the window with `archived = true`, `archived_at` set, and the cursor
column set to `archived_at`, so the merge replaces the live row with its tombstone in the window of the
deletion. A record restored later comes back through search with `archived = false`.

Rows: `id`, one column per requested property (plus `createdate` and the cursor property), typed from
HubSpot's property definitions (see `rows.py`: `amount` is an exact decimal, datetimes are UTC), then
`created_at`, `updated_at`, `archived`, `archived_at`.

Write disposition: merge on `id` (the latest version of a record wins).

Credentials and endpoint: the private-app token from `SOURCES__HUBSPOT__ACCESS_TOKEN` (or `[sources.hubspot]
access_token` in `.dlt/secrets.toml`); the API host from `SOURCES__HUBSPOT__BASE_URL`, else the manifest's
`hubspot.base_url`, else `https://api.hubapi.com`. Retries, rate limits and exit codes: see `api.py`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import dlt

from extract.errors import ExtractError, TransientError, UsageError
from extract.log import register_secret
from extract.manifest import ManifestRules, SourceManifest, TableSpec
from extract.sources.base import Batch, Source
from extract.sources.hubspot.api import DEFAULT_BASE_URL, HubSpotApi, HubSpotRequestError
from extract.sources.hubspot.rows import RowBuilder, parse_datetime
from extract.sources.hubspot.search import SliceStats, WindowSearch
from extract.window import Window

DEFAULT_CURSOR = "hs_lastmodifieddate"
CONTACTS_CURSOR = "lastmodifieddate"
MAX_PAGE_SIZE = 200
BATCH_ROWS = 5_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms_ceil(instant: datetime) -> int:
    """The first whole millisecond at or after `instant`.

    HubSpot stores milliseconds, so `t >= since` equals `t >= ceil_ms(since)` and `t < until` equals
    `t < ceil_ms(until)`: the half-open window survives the conversion exactly.
    """
    return math.ceil((instant - EPOCH) / timedelta(milliseconds=1))


def cursor_property(spec: TableSpec) -> str:
    """The HubSpot property the window filters on.

    The manifest core has one default cursor per source (`hs_lastmodifieddate`), but contacts call their
    last-modified property `lastmodifieddate`. A contacts entry left on the default reads that property;
    the rows then also carry the default name as the cursor column the core merges on.
    """
    if spec.name == "contacts" and spec.cursor == DEFAULT_CURSOR:
        return CONTACTS_CURSOR
    return spec.cursor


def _setting_int(manifest: SourceManifest, key: str, default: int, low: int, high: int | None = None) -> int:
    value = manifest.settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise UsageError(f"{manifest.path}: hubspot.{key}: must be an integer {bound}, got {value!r}")
    return value


class _Object:
    """What `open` learned about one manifest entry."""

    def __init__(self, search: WindowSearch, rows: RowBuilder, include_archived: bool) -> None:
        self.search = search
        self.rows = rows
        self.include_archived = include_archived
        self.archived: list[dict[str, Any]] | None = None


class HubSpotSource(Source):
    """Reads HubSpot CRM objects for a window (see the module docstring)."""

    name: ClassVar[str] = "hubspot"
    rules: ClassVar[ManifestRules] = ManifestRules(
        entities_key="objects",
        source_keys=frozenset({"base_url", "page_size", "max_retries", "timeout_s", "min_daily_remaining"}),
        entity_keys=frozenset({"properties", "include_archived"}),
        default_cursor=DEFAULT_CURSOR,
        default_primary_key=("id",),
        default_cursors={"contacts": "lastmodifieddate"},
    )

    def __init__(self, manifest: SourceManifest) -> None:
        super().__init__(manifest)
        token = self._secret("sources.hubspot.access_token")
        if not token:
            raise UsageError(
                "hubspot: no access token: set SOURCES__HUBSPOT__ACCESS_TOKEN to a private-app token "
                "(or [sources.hubspot] access_token in .dlt/secrets.toml)"
            )
        register_secret(token)
        base_url = str(
            self._config("sources.hubspot.base_url") or manifest.settings.get("base_url") or DEFAULT_BASE_URL
        )
        if not base_url.startswith(("http://", "https://")):
            raise UsageError(f"hubspot: base URL {base_url!r} must start with https:// (or http:// for a local fake)")
        self.page_size = _setting_int(manifest, "page_size", 100, 1, MAX_PAGE_SIZE)
        timeout = manifest.settings.get("timeout_s", 60)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise UsageError(f"{manifest.path}: hubspot.timeout_s: must be a positive number of seconds")
        self.api = HubSpotApi(
            token,
            base_url,
            max_retries=_setting_int(manifest, "max_retries", 6, 0, 50),
            timeout_s=float(timeout),
            min_daily_remaining=_setting_int(manifest, "min_daily_remaining", 0, 0),
        )
        self.stats: dict[str, SliceStats] = {}
        self._objects: dict[str, _Object] = {}

    @staticmethod
    def _secret(key: str) -> str | None:
        try:
            value = dlt.secrets.get(key)
        except Exception:  # noqa: BLE001 - a malformed secrets.toml must still give a one-line error
            return None
        return str(value) if value else None

    @staticmethod
    def _config(key: str) -> str | None:
        try:
            value = dlt.config.get(key)
        except Exception:  # noqa: BLE001 - same as above
            return None
        return str(value) if value else None

    # -- the contract -------------------------------------------------------------------------------

    def open(self, tables: tuple[TableSpec, ...]) -> None:
        """Check every object type, property and cursor against HubSpot's property definitions."""
        for spec in tables:
            where = f"{self.manifest.path}: hubspot.objects.{spec.name}"
            properties = spec.options.get("properties")
            if (
                not isinstance(properties, list)
                or not properties
                or not all(isinstance(p, str) and p for p in properties)
            ):
                raise UsageError(f"{where}.properties: must be a non-empty list of HubSpot property names")
            include_archived = spec.options.get("include_archived", True)
            if not isinstance(include_archived, bool):
                raise UsageError(f"{where}.include_archived: must be true or false")
            try:
                types = self.api.property_types(spec.name)
            except HubSpotRequestError as exc:
                raise UsageError(f"{where}: HubSpot does not know this object type ({exc.hubspot_message})") from None
            cursor = cursor_property(spec)
            wanted = [*properties, "createdate", cursor]
            unknown = [p for p in dict.fromkeys(wanted) if p not in types]
            if unknown:
                raise UsageError(f"{where}: unknown HubSpot propert{'y' if len(unknown) == 1 else 'ies'} "
                                 f"{', '.join(unknown)} (the object has {len(types)} properties)")  # fmt: skip
            if types[cursor] != "datetime":
                raise UsageError(
                    f"{where}.cursor: {cursor!r} is a {types[cursor]} property; the cursor must be a datetime"
                )
            self.stats[spec.name] = SliceStats()
            search = WindowSearch(self.api, spec.name, cursor, list(dict.fromkeys(wanted)), self.page_size,
                                  stats=self.stats[spec.name])  # fmt: skip
            rows = RowBuilder(wanted, types, cursor, spec.cursor)
            self._objects[spec.name] = _Object(search, rows, include_archived)

    def describe_window(self, table: TableSpec, window: Window) -> str:  # noqa: D102
        prop = cursor_property(table)
        text = (
            f"POST /crm/v3/objects/{table.name}/search {prop} GTE {epoch_ms_ceil(window.since)} "
            f"AND {prop} LT {epoch_ms_ceil(window.until)} (epoch ms)"
        )
        if self._objects[table.name].include_archived:
            text += ", plus archived records whose archivedAt lies in the window"
        return text

    def count(self, table: TableSpec, window: Window) -> int:
        """HubSpot's search `total` for the window, plus the archived records of the window."""
        obj = self._objects[table.name]
        live = obj.search.count(epoch_ms_ceil(window.since), epoch_ms_ceil(window.until))
        return live + len(self._archived_in(table, window))

    def read(self, table: TableSpec, window: Window, anomalies: Counter[str]) -> Iterator[Batch]:
        """Yield the window's live records, then its archived ones, as Arrow tables of up to 5,000 rows."""
        obj = self._objects[table.name]
        batch: list[dict[str, Any]] = []
        for page in obj.search.pages(epoch_ms_ceil(window.since), epoch_ms_ceil(window.until)):
            batch += page
            if len(batch) >= BATCH_ROWS:
                yield obj.rows.table(batch, anomalies)
                batch = []
        if batch:
            yield obj.rows.table(batch, anomalies)
        archived = self._archived_in(table, window)
        for start in range(0, len(archived), BATCH_ROWS):
            yield obj.rows.table(archived[start : start + BATCH_ROWS], anomalies, archived=True)

    def key_is_unique(self, table: TableSpec) -> bool:
        """False: a record archived while the window is read can arrive both live and archived."""
        return False

    def classify(self, exc: BaseException) -> ExtractError | None:
        """Network failures that escaped the retry loop are transient."""
        import urllib3

        if isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
            return TransientError(f"hubspot {self.api.base_url}: {type(exc).__name__}; a retry may succeed")
        return None

    def report_extra(self) -> dict[str, Any]:
        """API calls spent, rate-limit headroom and how windows were sliced."""
        figures = self.api.stats.as_report()
        figures["search_slices"] = {name: vars(stats) for name, stats in self.stats.items()}
        return {"hubspot": figures}

    # -- archived records ---------------------------------------------------------------------------

    def _archived_in(self, table: TableSpec, window: Window) -> list[dict[str, Any]]:
        obj = self._objects[table.name]
        if not obj.include_archived:
            return []
        if obj.archived is None:
            obj.archived = self._list_archived(table.name, obj.search.properties)
        found = []
        for record in obj.archived:
            at = record.get("archivedAt")
            try:
                instant = parse_datetime(str(at)) if at else None
            except ValueError:
                instant = None
            if instant is not None and window.contains(instant):
                found.append(record)
        return found

    def _list_archived(self, object_type: str, properties: list[str]) -> list[dict[str, Any]]:
        """Every archived record of the object type (listed once per run: the endpoint has no date filter)."""
        records: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            answer = self.api.list_archived(object_type, properties, after)
            records += answer.get("results", [])
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return records
