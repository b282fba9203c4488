"""A local fake of HubSpot's CRM v3 API: search, the archived list, properties, errors and rate limits.

Written from HubSpot's documented contracts (developers.hubspot.com: "Search the CRM", "API usage
guidelines and limits", "Error handling"):

- `POST /crm/v3/objects/{objectType}/search` with `filterGroups` (filters inside a group are ANDed,
  groups are ORed; operators EQ, NEQ, GT, GTE, LT, LTE, BETWEEN with `highValue`, IN, HAS_PROPERTY,
  NOT_HAS_PROPERTY), one sort (`{"propertyName", "direction"}` or a property name string), `properties`,
  `limit` (at most 200) and `after`. The answer is `{"total", "results", "paging": {"next": {"after"}}}`;
  `paging` is absent on the last page. Datetime filter values are epoch milliseconds. Each result carries
  `id`, `properties` (the requested ones plus `hs_object_id`, `createdate` and the last-modified
  property), `createdAt`, `updatedAt` and `archived`. Archived records never match a search.
- The 10,000-result cap: a search whose `after + limit` goes beyond 10,000 answers 400 VALIDATION_ERROR.
- `GET /crm/v3/objects/{objectType}?archived=true&limit=&after=&properties=` lists archived records
  (`archived: true`, `archivedAt`), at most 100 per page, paged by an opaque `after`.
- `GET /crm/v3/properties/{objectType}` lists property definitions (`name`, `type`, `fieldType`).
- Errors are `{"status": "error", "message", "correlationId", "category"}`; 429 adds `errorType:
  RATE_LIMIT` and `policyName` (SECONDLY or DAILY) and a `Retry-After` header; 401 is
  INVALID_AUTHENTICATION. Every answer carries the `X-HubSpot-RateLimit-*` headers.

Scripting, per test:
- `add_object_type(name, properties)`; contacts, companies and deals exist with their usual properties.
- `add(object_type, modified, properties=..., created=...)`, `add_many(...)`, `update(...)`, `archive(...)`.
- `inject(Fault(...), route="search", skip=0)` queues a fault for the matching request after `skip` clean
  ones: an HTTP status with the documented body (429 with `retry_after`, 500, 502, ...), or `drop=True`
  (send the headers and half the body, then close the connection: a connection dropped mid-page).
- `requests` records every request (method, route, path, query, body); the token is never kept.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import secrets
import socket
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import FakeHandler, LoopbackServer, ServedFake

SEARCH_CAP = 10_000
SEARCH_MAX_LIMIT = 200
LIST_MAX_LIMIT = 100
JSON_TYPE = "application/json;charset=utf-8"

DEFAULT_TYPES: dict[str, dict[str, str]] = {
    "contacts": {
        "email": "string",
        "firstname": "string",
        "lastname": "string",
        "lifecyclestage": "enumeration",
        "phone": "string",
        "createdate": "datetime",
        "lastmodifieddate": "datetime",
        "hs_object_id": "number",
    },
    "companies": {
        "name": "string",
        "domain": "string",
        "industry": "enumeration",
        "numberofemployees": "number",
        "createdate": "datetime",
        "hs_lastmodifieddate": "datetime",
        "hs_object_id": "number",
    },
    "deals": {
        "dealname": "string",
        "amount": "number",
        "dealstage": "enumeration",
        "pipeline": "enumeration",
        "closedate": "datetime",
        "hs_is_closed": "bool",
        "createdate": "datetime",
        "hs_lastmodifieddate": "datetime",
        "hs_object_id": "number",
    },
}


def last_modified_property(object_type: str) -> str:
    """HubSpot's last-modified property: `lastmodifieddate` on contacts, `hs_lastmodifieddate` elsewhere."""
    return "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"


def iso_ms(instant: datetime) -> str:
    """An instant as HubSpot prints it: ISO 8601 UTC with milliseconds and `Z`."""
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_ms(instant: datetime) -> int:
    """Epoch milliseconds of an aware instant (truncated, as HubSpot stores milliseconds)."""
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def from_epoch_ms(ms: int) -> datetime:
    """The UTC instant of epoch milliseconds."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


@dataclass
class Fault:
    """A scripted answer that replaces normal handling of one request.

    Args:
        status: HTTP status to answer (ignored when `drop`).
        retry_after: `Retry-After` header value (seconds) for a 429.
        policy: `policyName` of a 429 body: SECONDLY or DAILY.
        drop: Send the headers and half of a normal body, then close the connection.
    """

    status: int = 500
    retry_after: float | None = None
    policy: str = "SECONDLY"
    drop: bool = False


@dataclass
class RecordedRequest:
    """One request the fake received (without the Authorization header)."""

    method: str
    route: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class _Store:
    types: dict[str, str]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    version: int = 0
    values: dict[str, tuple[int, dict[int, Any]]] = field(default_factory=dict)
    indexes: dict[str, tuple[int, list[Any], list[int]]] = field(default_factory=dict)
    cache: dict[str, tuple[int, list[int]]] = field(default_factory=dict)


class FakeHubSpot(ServedFake):
    """A HubSpot CRM API on 127.0.0.1 (see the module docstring); `base_url` is `SOURCES__HUBSPOT__BASE_URL`.

    Args:
        token: The private-app token the fake accepts; a random one when None.
        daily_limit: Value of `X-HubSpot-RateLimit-Daily`; `Daily-Remaining` counts down from it.
    """

    def __init__(self, token: str | None = None, daily_limit: int = 500_000) -> None:
        self.token = token or f"pat-na1-{uuid.uuid4()}"
        self.daily_limit = daily_limit
        self.daily_used = 0
        self.requests: list[RecordedRequest] = []
        self.record_requests = True
        self._stores: dict[str, _Store] = {k: _Store(dict(v)) for k, v in DEFAULT_TYPES.items()}
        self._faults: deque[tuple[str, int, Fault]] = deque()
        self._next_id = 1000
        self._lock = threading.RLock()
        self._server = LoopbackServer(type("Handler", (_Handler,), {"fake": self}))

    # -- data ---------------------------------------------------------------------------------------

    def add_object_type(self, name: str, properties: Mapping[str, str]) -> None:
        """Define a (custom) object type with `{property: type}`; createdate, last-modified and id are added."""
        types = {**properties, "createdate": "datetime", last_modified_property(name): "datetime"}
        types["hs_object_id"] = "number"
        self._stores[name] = _Store(types)

    def store(self, object_type: str) -> _Store:
        """The records of one object type."""
        return self._stores[object_type]

    def add(
        self,
        object_type: str,
        modified: datetime,
        properties: Mapping[str, Any] | None = None,
        created: datetime | None = None,
        record_id: int | None = None,
    ) -> int:
        """Add one record last modified at `modified`; returns its id."""
        return self.add_many(object_type, [(modified, properties or {}, created, record_id)])[0]

    def add_many(
        self,
        object_type: str,
        rows: Iterable[tuple[datetime, Mapping[str, Any], datetime | None, int | None]],
    ) -> list[int]:
        """Add records given as `(modified, properties, created, id)` (created and id may be None)."""
        store = self._stores[object_type]
        cursor = last_modified_property(object_type)
        ids = []
        with self._lock:
            for modified, properties, created, record_id in rows:
                if record_id is None:
                    self._next_id += 1
                    record_id = self._next_id
                else:
                    self._next_id = max(self._next_id, record_id)
                created = created or modified
                props = {k: None if v is None else str(v) for k, v in properties.items()}
                props.update({"hs_object_id": str(record_id), "createdate": iso_ms(created), cursor: iso_ms(modified)})
                store.records[record_id] = {
                    "id": str(record_id),
                    "properties": props,
                    "createdAt": iso_ms(created),
                    "updatedAt": iso_ms(modified),
                    "archived": False,
                    "archivedAt": None,
                }
                ids.append(record_id)
            store.version += 1
        return ids

    def update(self, object_type: str, record_id: int, modified: datetime, **properties: Any) -> None:
        """Change properties of a record and move its last-modified date to `modified`."""
        store = self._stores[object_type]
        with self._lock:
            record = store.records[record_id]
            record["properties"].update({k: None if v is None else str(v) for k, v in properties.items()})
            record["properties"][last_modified_property(object_type)] = iso_ms(modified)
            record["updatedAt"] = iso_ms(modified)
            store.version += 1

    def archive(self, object_type: str, record_id: int, at: datetime) -> None:
        """Archive (soft-delete) a record at `at`: it leaves search and appears in the archived list."""
        store = self._stores[object_type]
        with self._lock:
            record = store.records[record_id]
            record["archived"] = True
            record["archivedAt"] = iso_ms(at)
            store.version += 1

    # -- faults -------------------------------------------------------------------------------------

    def inject(self, fault: Fault, route: str = "search", skip: int = 0, times: int = 1) -> None:
        """Answer the matching request (after `skip` clean ones) with `fault`, `times` times in a row.

        Args:
            fault: What to answer.
            route: `search`, `list`, `properties` or `any`.
            skip: Matching requests to serve normally first.
            times: Consecutive requests that get the fault.
        """
        with self._lock:
            for _ in range(times):
                self._faults.append((route, skip, fault))
                skip = 0

    def _take_fault(self, route: str) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            wanted, skip, fault = self._faults[0]
            if wanted not in (route, "any"):
                return None
            if skip:
                self._faults[0] = (wanted, skip - 1, fault)
                return None
            self._faults.popleft()
            return fault

    def calls(self, route: str) -> int:
        """How many requests of a route were received."""
        return sum(1 for r in self.requests if r.route == route)

    # -- the API ------------------------------------------------------------------------------------

    def rate_headers(self) -> dict[str, str]:
        """The documented `X-HubSpot-RateLimit-*` headers for the current request."""
        return {
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(self.daily_limit - self.daily_used, 0)),
            "X-HubSpot-RateLimit-Secondly": "10",
            "X-HubSpot-RateLimit-Secondly-Remaining": "9",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": "190",
            "X-HubSpot-RateLimit-Remaining": "189",
        }

    def search(self, object_type: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """Evaluate one search request; returns (status, JSON body)."""
        store = self._stores.get(object_type)
        if store is None:
            return 400, error_body(f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
        try:
            limit = int(body.get("limit", 10))
            after = int(body.get("after") or 0)
        except (TypeError, ValueError):
            return 400, error_body("Invalid input JSON: limit and after must be integers", "VALIDATION_ERROR")
        if limit < 1 or limit > SEARCH_MAX_LIMIT:
            return 400, error_body(f"limit must be between 1 and {SEARCH_MAX_LIMIT}, got {limit}", "VALIDATION_ERROR")
        if after + limit > SEARCH_CAP:
            return 400, error_body(
                f"The search request exceeds the maximum of {SEARCH_CAP} results (after={after}, limit={limit}).",
                "VALIDATION_ERROR",
            )
        sorts = body.get("sorts") or []
        if len(sorts) > 1:
            return 400, error_body("Only one sort is supported per search.", "VALIDATION_ERROR")
        groups = body.get("filterGroups") or []
        for group in groups:
            for flt in group.get("filters", []):
                if flt.get("propertyName") not in store.types:
                    return 400, error_body(f"Property {flt.get('propertyName')!r} does not exist", "VALIDATION_ERROR")
        ids = self._matching_ids(object_type, store, groups, sorts)
        page = ids[after : after + limit]
        requested = body.get("properties") or []
        cursor = last_modified_property(object_type)
        keep = {*requested, "hs_object_id", "createdate", cursor}
        results = []
        with self._lock:
            for record_id in page:
                record = store.records[record_id]
                props = {name: record["properties"].get(name) for name in keep}
                results.append({**{k: v for k, v in record.items() if k != "properties"}, "properties": props})
        answer: dict[str, Any] = {"total": len(ids), "results": [_without_archived_at(r) for r in results]}
        if after + limit < len(ids):
            nxt = str(after + limit)
            answer["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return 200, answer

    def list_archived(self, object_type: str, query: Mapping[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """`GET /crm/v3/objects/{objectType}`: only `archived=true` is implemented (archived records by id)."""
        store = self._stores.get(object_type)
        if store is None:
            return 400, error_body(f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
        archived = query.get("archived", ["false"])[0].lower() == "true"
        limit = min(int(query.get("limit", ["10"])[0]), LIST_MAX_LIMIT)
        after = int(query.get("after", ["0"])[0] or 0)
        wanted = [p for value in query.get("properties", []) for p in value.split(",") if p]
        with self._lock:
            ids = sorted(i for i, r in store.records.items() if r["archived"] == archived and i > after)
            page = ids[:limit]
            results = []
            for record_id in page:
                record = store.records[record_id]
                props = {k: v for k, v in record["properties"].items() if k in {*wanted, "hs_object_id"}}
                item = {k: v for k, v in record.items() if k != "properties"}
                results.append({**(item if archived else _without_archived_at(item)), "properties": props})
        answer: dict[str, Any] = {"results": results}
        if len(ids) > limit:
            answer["paging"] = {"next": {"after": str(page[-1]), "link": f"?after={page[-1]}"}}
        return 200, answer

    def properties(self, object_type: str) -> tuple[int, dict[str, Any]]:
        """`GET /crm/v3/properties/{objectType}`: the property definitions."""
        store = self._stores.get(object_type)
        if store is None:
            return 400, error_body(f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
        field_types = {"datetime": "date", "date": "date", "number": "number", "bool": "booleancheckbox",
                       "enumeration": "select"}  # fmt: skip
        results = [
            {"name": name, "label": name, "type": kind, "fieldType": field_types.get(kind, "text")}
            for name, kind in store.types.items()
        ]
        return 200, {"results": results}

    # -- search evaluation --------------------------------------------------------------------------

    def _value(self, kind: str, raw: Any) -> Any:
        if raw is None:
            return None
        text = str(raw)
        if kind in ("datetime", "date"):
            if text.lstrip("-").isdigit():
                return int(text)
            return epoch_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
        if kind == "number":
            try:
                return Decimal(text)
            except InvalidOperation:
                return None
        return text

    def _values(self, store: _Store, name: str) -> dict[int, Any]:
        """Parsed values of one property for live records, cached until the data changes."""
        cached = store.values.get(name)
        if cached and cached[0] == store.version:
            return cached[1]
        kind = store.types[name]
        values = {}
        for record_id, record in store.records.items():
            if not record["archived"]:
                values[record_id] = self._value(kind, record["properties"].get(name))
        store.values[name] = (store.version, values)
        return values

    def _index(self, store: _Store, name: str) -> tuple[list[Any], list[int]]:
        """Values (sorted) and the ids in the same order, for range lookups by bisection."""
        cached = store.indexes.get(name)
        if cached and cached[0] == store.version:
            return cached[1], cached[2]
        entries = sorted((v, i) for i, v in self._values(store, name).items() if v is not None)
        keys, ids = [v for v, _ in entries], [i for _, i in entries]
        store.indexes[name] = (store.version, keys, ids)
        return keys, ids

    def _predicate(self, store: _Store, flt: Mapping[str, Any]) -> Any:
        """Compile one filter into `record_id -> bool` over the cached parsed values."""
        name, op = flt["propertyName"], flt.get("operator", "EQ")
        kind = store.types[name]
        values = self._values(store, name)
        if op == "HAS_PROPERTY":
            return lambda i: values.get(i) is not None
        if op == "NOT_HAS_PROPERTY":
            return lambda i: values.get(i) is None
        if op in ("IN", "NOT_IN"):
            wanted = {self._value(kind, v) for v in flt.get("values", [])}
            if op == "IN":
                return lambda i: values.get(i) is not None and values[i] in wanted
            return lambda i: values.get(i) is not None and values[i] not in wanted
        target = self._value(kind, flt.get("value"))
        if op == "BETWEEN":
            high = self._value(kind, flt.get("highValue"))
            return lambda i: values.get(i) is not None and target <= values[i] <= high
        if op == "NEQ":
            return lambda i: values.get(i) != target
        compare = {
            "EQ": lambda v: v == target,
            "GT": lambda v: v > target,
            "GTE": lambda v: v >= target,
            "LT": lambda v: v < target,
            "LTE": lambda v: v <= target,
        }[op]
        return lambda i: values.get(i) is not None and compare(values[i])

    def _narrow(self, store: _Store, filters: list[Mapping[str, Any]]) -> tuple[set[int], list[Mapping[str, Any]]]:
        """Ids that satisfy every range filter on a number or date property (by bisection), plus the other filters."""
        ranges: list[list[int]] = []
        rest = []
        for flt in filters:
            name, op = flt["propertyName"], flt.get("operator", "EQ")
            kind = store.types[name]
            if kind not in ("datetime", "date", "number") or op not in ("GT", "GTE", "LT", "LTE", "EQ", "BETWEEN"):
                rest.append(flt)
                continue
            keys, ids = self._index(store, name)
            value = self._value(kind, flt.get("value"))
            start, stop = 0, len(keys)
            if op in ("GT", "GTE", "EQ", "BETWEEN"):
                start = (bisect.bisect_right if op == "GT" else bisect.bisect_left)(keys, value)
            if op in ("LT", "LTE", "EQ"):
                stop = (bisect.bisect_left if op == "LT" else bisect.bisect_right)(keys, value)
            if op == "BETWEEN":
                stop = bisect.bisect_right(keys, self._value(kind, flt.get("highValue")))
            ranges.append(ids[start:stop])
        if not ranges:
            return {i for i, r in store.records.items() if not r["archived"]}, rest
        ranges.sort(key=len)
        matched = set(ranges[0])
        for other in ranges[1:]:
            matched.intersection_update(other)
        return matched, rest

    def _matching_ids(
        self, object_type: str, store: _Store, groups: list[Mapping[str, Any]], sorts: list[Any]
    ) -> list[int]:
        key = json.dumps([groups, sorts], sort_keys=True)
        with self._lock:
            cached = store.cache.get(key)
            if cached and cached[0] == store.version:
                return cached[1]
            matched: set[int] = set()
            for group in groups or [{"filters": []}]:
                candidates, rest = self._narrow(store, group.get("filters", []))
                predicates = [self._predicate(store, f) for f in rest]
                if predicates:
                    candidates = {i for i in candidates if all(p(i) for p in predicates)}
                matched.update(candidates)
            ids = sorted(matched)
            if sorts:
                sort = sorts[0]
                if isinstance(sort, str):
                    name, descending = sort.lstrip("-"), sort.startswith("-")
                else:
                    name, descending = sort["propertyName"], sort.get("direction", "ASCENDING") == "DESCENDING"
                values = self._values(store, name) if name in store.types else {}
                if all(values.get(i) is not None for i in ids):
                    sort_key: Any = values.__getitem__
                else:

                    def sort_key(record_id: int) -> tuple[bool, Any]:
                        value = values.get(record_id)
                        return (value is None, value if value is not None else 0)

                # Python's sort is stable, so ties keep id order: the fake's tie order is deterministic.
                ids.sort(key=sort_key, reverse=descending)
            if len(store.cache) > 256:
                store.cache.clear()
            store.cache[key] = (store.version, ids)
            return ids


def _without_archived_at(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "archivedAt"}


def error_body(message: str, category: str, **extra: Any) -> dict[str, Any]:
    """HubSpot's documented error body."""
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category, **extra}


class _Handler(FakeHandler):
    fake: FakeHubSpot
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _route(self, method: str, parts: list[str]) -> str:
        if method == "POST" and len(parts) == 5 and parts[:3] == ["crm", "v3", "objects"] and parts[4] == "search":
            return "search"
        if method == "GET" and len(parts) == 4 and parts[:3] == ["crm", "v3", "objects"]:
            return "list"
        if method == "GET" and len(parts) == 4 and parts[:3] == ["crm", "v3", "properties"]:
            return "properties"
        return "unknown"

    def _handle(self, method: str) -> None:
        fake = self.fake
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        raw = self.read_body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            self._send(400, error_body("Invalid input JSON", "VALIDATION_ERROR"))
            return
        route = self._route(method, parts)
        if fake.record_requests:
            fake.requests.append(RecordedRequest(method, route, url.path, query, body))
        if self.headers.get("Authorization") != f"Bearer {fake.token}":
            self._send(401, error_body(
                "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
                "INVALID_AUTHENTICATION",
            ))  # fmt: skip
            return
        with fake._lock:
            fake.daily_used += 1
        fault = fake._take_fault(route)
        if fault is not None and not fault.drop:
            self._send_fault(fault)
            return
        if route == "search":
            status, answer = fake.search(parts[3], body)
        elif route == "list":
            status, answer = fake.list_archived(parts[3], query)
        elif route == "properties":
            status, answer = fake.properties(parts[3])
        else:
            status, answer = 404, error_body(f"No route for {method} {url.path}", "OBJECT_NOT_FOUND")
        if fault is not None:
            self._drop_mid_body(status, answer)
            return
        self._send(status, answer)

    def _send_fault(self, fault: Fault) -> None:
        headers = {}
        if fault.status == 429:
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            limit = "daily" if fault.policy == "DAILY" else "secondly"
            body = error_body(f"You have reached your {limit} limit.", "RATE_LIMITS", errorType="RATE_LIMIT",
                              policyName=fault.policy)  # fmt: skip
        elif fault.status >= 500:
            body = error_body("Internal error; please retry.", "INTERNAL_ERROR")
        else:
            body = error_body(f"Scripted error {fault.status}", "VALIDATION_ERROR")
        self._send(fault.status, body, headers)

    def _send(self, status: int, answer: Any, headers: Mapping[str, str] | None = None) -> None:
        headers = {**self.fake.rate_headers(), **(headers or {})}
        self.send_payload(status, json.dumps(answer).encode(), headers, JSON_TYPE)

    def _drop_mid_body(self, status: int, answer: Any) -> None:
        payload = json.dumps(answer).encode()
        self.send_head(status, len(payload), content_type=JSON_TYPE)
        self.wfile.write(payload[: len(payload) // 2])
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def new_token() -> str:
    """A random token shaped like a HubSpot private-app token."""
    return f"pat-na1-{secrets.token_hex(16)}"
