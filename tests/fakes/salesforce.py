"""A local fake of Salesforce: login, REST query/queryAll, limits, describe and Bulk API 2.0 query jobs.

Written from Salesforce's documented contracts:
- SOAP `login()` (`POST /services/Soap/u/{version}`): a `loginResponse` with `serverUrl` and `sessionId`,
  or a `soapenv:Fault` whose `sf:LoginFault` carries `sf:exceptionCode` `INVALID_LOGIN`.
- OAuth 2.0 JWT bearer flow (`POST /services/oauth2/token`, `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
  an RS256 `assertion` with `iss` = consumer key, `sub` = username, `aud` = login URL, `exp`): `{"access_token",
  "instance_url", "id", "token_type", "scope"}`, or `{"error": "invalid_grant", "error_description"}`.
- REST: every `/services/data/vXX.X/...` call needs `Authorization: Bearer <session>`, else 401
  `[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]`. Errors are JSON arrays of
  `{"message", "errorCode"}`; 403 `REQUEST_LIMIT_EXCEEDED` means the org's API limit is hit.
- `GET /limits`: `{"DailyApiRequests": {"Max", "Remaining"}, ...}`; each API call spends one request and
  responses carry `Sforce-Limit-Info: api-usage=USED/MAX`.
- `GET /sobjects/{name}/describe`: `{"name", "fields": [{"name", "type", "precision", "scale",
  "compoundFieldName", ...}]}`; 404 `NOT_FOUND` for an unknown object.
- `GET /query?q=` and `/queryAll?q=` (deleted rows only in queryAll): `{"totalSize", "done", "records":
  [{"attributes": {"type", "url"}, ...}], "nextRecordsUrl"}`. Pages hold 2000 records (or the
  `Sforce-Query-Options: batchSize=N` header, 200-2000); `nextRecordsUrl` is `/services/data/vXX.X/query/<locator>-<offset>`
  over a snapshot of the result, also served under `/queryAll/`. Datetimes are `2024-03-01T10:00:00.000+0000`;
  numbers keep their exact decimal text. SOQL subset: `SELECT f1, f2 | COUNT() FROM obj [WHERE f op literal
  [AND ...]] [ORDER BY f [ASC|DESC], ...]`, with datetime, date, boolean, number and quoted string literals.
- Bulk API 2.0 query jobs: `POST /jobs/query` (`operation` `query`/`queryAll`; `COUNT()` refused) ->
  `UploadComplete`; `GET /jobs/query/{id}` moves to `InProgress` then `JobComplete`; `GET .../results
  ?maxRecords=&locator=` returns CSV (header in SELECT order, empty cell = null, datetimes `...000Z`) with
  `Sforce-Locator` (string `null` after the last set) and `Sforce-NumberOfRecords`; `DELETE` removes the job.

Scripting: `inject(route, status, body, headers, times=, after=)` answers the next `times` requests of a
route (after letting `after` of them through) with a canned response. Routes: `login`, `token`, `limits`,
`describe`, `query` (first page), `query_more`, `bulk_create`, `bulk_poll`, `bulk_results`, `bulk_delete`,
`any` (every `/services/data` call). `error_body(code, message)` builds Salesforce's error array.
`requests` records every call (path, query, route), never a password or token.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.fakes.server import Canned, LoopbackServer, ServedFake, canned_handler

ROUTES = ("login", "token", "limits", "describe", "query", "query_more", "bulk_create", "bulk_poll",
          "bulk_results", "bulk_delete", "any")  # fmt: skip
ORG_ID = "00D5g000000FAKEEAW"
USER_ID = "0055g000000FAKEAAA"
KEY_PREFIXES = {"Account": "001", "Contact": "003", "Opportunity": "006"}
MAX_PAGE = 2000
MIN_PAGE = 200
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


def error_body(code: str, message: str) -> list[dict[str, Any]]:
    """Salesforce's REST error body."""
    return [{"message": message, "errorCode": code}]


@dataclass
class Injection:
    """A scripted answer for the next `times` requests of a route, after `after` of them pass."""

    canned: Canned
    times: int
    after: int


@dataclass
class RecordedRequest:
    """One request the fake received (no secrets kept)."""

    method: str
    path: str
    query: dict[str, list[str]]
    route: str


@dataclass(frozen=True)
class FieldDef:
    """One sObject field as describe shows it."""

    name: str
    type: str
    precision: int = 0
    scale: int = 0
    compound: str | None = None

    def describe(self) -> dict[str, Any]:
        """The describe entry."""
        soap = {"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "currency": "xsd:double",
                "percent": "xsd:double", "double": "xsd:double", "int": "xsd:int", "date": "xsd:date",
                "datetime": "xsd:dateTime", "address": "urn:address", "location": "urn:location"}  # fmt: skip
        return {
            "name": self.name,
            "label": self.name.replace("__c", "").replace("_", " "),
            "type": self.type,
            "soapType": soap.get(self.type, "xsd:string"),
            "precision": self.precision,
            "scale": self.scale,
            "length": 0 if self.type in soap else 255,
            "nillable": self.name not in ("Id", "IsDeleted", "SystemModstamp", "CreatedDate"),
            "compoundFieldName": self.compound,
            "custom": self.name.endswith("__c"),
            "filterable": self.type not in ("address", "location", "textarea"),
            "sortable": self.type not in ("address", "location", "textarea"),
        }


def _f(name: str, kind: str, precision: int = 0, scale: int = 0, compound: str | None = None) -> FieldDef:
    return FieldDef(name, kind, precision, scale, compound)


def _audit() -> list[FieldDef]:
    return [_f("CreatedDate", "datetime"), _f("LastModifiedDate", "datetime"), _f("SystemModstamp", "datetime")]


def _address(prefix: str) -> list[FieldDef]:
    parent = f"{prefix}Address"
    return [_f(f"{prefix}Street", "textarea", compound=parent), _f(f"{prefix}City", "string", compound=parent),
            _f(f"{prefix}State", "string", compound=parent), _f(f"{prefix}PostalCode", "string", compound=parent),
            _f(f"{prefix}Country", "string", compound=parent),
            _f(f"{prefix}Latitude", "double", 18, 15, compound=parent),
            _f(f"{prefix}Longitude", "double", 18, 15, compound=parent), _f(parent, "address")]  # fmt: skip


STANDARD_OBJECTS: dict[str, list[FieldDef]] = {
    "Account": [
        _f("Id", "id"),
        _f("IsDeleted", "boolean"),
        _f("MasterRecordId", "reference"),
        _f("Name", "string"),
        _f("Type", "picklist"),
        _f("ParentId", "reference"),
        *_address("Billing"),
        _f("Phone", "phone"),
        _f("Website", "url"),
        _f("Industry", "picklist"),
        _f("AnnualRevenue", "currency", 18, 0),
        _f("NumberOfEmployees", "int"),
        _f("OwnerId", "reference"),
        *_audit(),
    ],
    "Contact": [
        _f("Id", "id"),
        _f("IsDeleted", "boolean"),
        _f("AccountId", "reference"),
        _f("LastName", "string", compound="Name"),
        _f("FirstName", "string", compound="Name"),
        _f("Salutation", "picklist", compound="Name"),
        _f("Name", "string"),
        *_address("Mailing"),
        _f("Email", "email"),
        _f("Phone", "phone"),
        _f("Title", "string"),
        _f("HasOptedOutOfEmail", "boolean"),
        _f("Birthdate", "date"),
        _f("OwnerId", "reference"),
        *_audit(),
    ],
    "Opportunity": [
        _f("Id", "id"),
        _f("IsDeleted", "boolean"),
        _f("AccountId", "reference"),
        _f("Name", "string"),
        _f("StageName", "picklist"),
        _f("Amount", "currency", 18, 2),
        _f("Probability", "percent", 3, 0),
        _f("TotalOpportunityQuantity", "double", 18, 2),
        _f("CloseDate", "date"),
        _f("Type", "picklist"),
        _f("IsClosed", "boolean"),
        _f("IsWon", "boolean"),
        _f("ForecastCategoryName", "picklist"),
        _f("OwnerId", "reference"),
        *_audit(),
    ],
}


def format_datetime(value: datetime, *, bulk: bool = False) -> str:
    """Salesforce's datetime text: `+0000` in REST JSON, `Z` in Bulk CSV."""
    text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    return text + ("Z" if bulk else "+0000")


def _to_ms(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"datetimes must be timezone-aware, got {value!r}")
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class SoqlError(Exception):
    """A query the fake (or Salesforce) refuses: 400 with an errorCode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_SELECT = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^\s*(\w+)\s*(>=|<=|!=|=|<|>)\s*(.+?)\s*$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$")


@dataclass
class Query:
    """A parsed SOQL query."""

    sobject: str
    fields: list[str]  # canonical names; empty for COUNT()
    count: bool
    conditions: list[tuple[str, str, Any]]
    order: list[tuple[str, bool]]  # (field, descending)


@dataclass
class BulkJob:
    """A Bulk API 2.0 query job."""

    id: str
    operation: str
    query: Query
    rows: list[dict[str, Any]]
    polls_left: int
    state: str = "UploadComplete"


class FakeSalesforce(ServedFake):
    """The fake org on one TLS port of 127.0.0.1 (login server and instance at once).

    `base_url` is both the login URL and the instance URL.

    Args:
        workdir: Where the CA bundle is written.
        username: The only user.
        password: Its password.
        security_token: Its security token (appended to the password by SOAP login).
        consumer_key: The connected app allowed to use the JWT bearer flow.
        public_key_pem: The certificate/public key that verifies the JWT assertions.
        daily_max: `DailyApiRequests.Max`.
        daily_remaining: `DailyApiRequests.Remaining` at start (default: the max).
    """

    def __init__(
        self,
        *,
        workdir: Path,
        username: str = "integration@example.com",
        password: str = "",
        security_token: str = "",
        consumer_key: str | None = None,
        public_key_pem: str | None = None,
        daily_max: int = 100_000,
        daily_remaining: int | None = None,
    ) -> None:
        self.username = username
        self._password = password
        self._security_token = security_token
        self.consumer_key = consumer_key
        self._public_key = public_key_pem
        self.daily_max = daily_max
        self.daily_remaining = daily_max if daily_remaining is None else daily_remaining
        self.page_size = MAX_PAGE
        self.bulk_polls = 1
        self.bulk_page_size = 50_000
        self.requests: list[RecordedRequest] = []
        self.objects: dict[str, list[FieldDef]] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.jobs: dict[str, BulkJob] = {}
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._sessions: set[str] = set()
        self._injections: dict[str, list[Injection]] = {route: [] for route in ROUTES}
        self._ids: dict[str, int] = {}
        self._lock = threading.RLock()
        self.ca_bundle = workdir / "salesforce-fake-ca.pem"
        handler = canned_handler(self.handle, json_text=_exact_json, content_type="application/json;charset=UTF-8",
                                 methods=("GET", "POST", "PATCH", "DELETE"), protocol_version="HTTP/1.1")  # fmt: skip
        self._server = LoopbackServer(handler, ca_bundle=self.ca_bundle)
        for name, fields in STANDARD_OBJECTS.items():
            self.define_object(name, fields)

    # --- data -----------------------------------------------------------------------------------

    def define_object(self, name: str, fields: Iterable[FieldDef]) -> None:
        """Declare an sObject (custom ones end with `__c`) and its fields."""
        with self._lock:
            self.objects[name] = list(fields)
            self.records.setdefault(name, {})

    def _new_id(self, sobject: str) -> str:
        prefix = KEY_PREFIXES.get(sobject, "a0" + str(len(self.objects) % 10))
        self._ids[prefix] = self._ids.get(prefix, 0) + 1
        return f"{prefix}5g{self._ids[prefix]:010d}AAA"

    def put(self, sobject: str, **values: Any) -> str:
        """Insert or replace a record; `SystemModstamp` is required. Returns its Id.

        `Id` is generated when absent; `IsDeleted` defaults to False; `CreatedDate` and `LastModifiedDate`
        default to `SystemModstamp`. Datetimes are stored to the millisecond, as Salesforce does.
        """
        with self._lock:
            known = {f.name for f in self.objects[sobject]}
            unknown = set(values) - known
            if unknown:
                raise KeyError(f"{sobject} has no fields {sorted(unknown)}")
            record = dict(values)
            record.setdefault("Id", self._new_id(sobject))
            record.setdefault("IsDeleted", False)
            stamp = record["SystemModstamp"]
            for name in ("CreatedDate", "LastModifiedDate"):
                if name in known:
                    record.setdefault(name, stamp)
            for key, value in record.items():
                if isinstance(value, datetime):
                    record[key] = _to_ms(value)
            self.records[sobject][record["Id"]] = record
            return str(record["Id"])

    def update(self, sobject: str, record_id: str, at: datetime, **values: Any) -> None:
        """Change fields of a record; its `SystemModstamp` and `LastModifiedDate` become `at`."""
        with self._lock:
            record = self.records[sobject][record_id]
            record.update(values, SystemModstamp=_to_ms(at), LastModifiedDate=_to_ms(at))

    def delete(self, sobject: str, record_id: str, at: datetime) -> None:
        """Move a record to the recycle bin: `IsDeleted = true`, visible to queryAll only."""
        with self._lock:
            record = self.records[sobject][record_id]
            record.update(IsDeleted=True, SystemModstamp=_to_ms(at))

    # --- sessions and scripting -------------------------------------------------------------------

    def issue_session(self) -> str:
        """A valid session id, as an existing session (`SESSION_ID` flow) would have."""
        token = f"{ORG_ID}!{secrets.token_urlsafe(32)}"
        with self._lock:
            self._sessions.add(token)
        return token

    def expire_sessions(self) -> None:
        """Invalidate every session (the next API call answers 401 INVALID_SESSION_ID)."""
        with self._lock:
            self._sessions.clear()

    def inject(
        self,
        route: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer `times` requests of `route` with a canned response, after letting `after` through."""
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; expected one of {ROUTES}")
        with self._lock:
            self._injections[route].append(Injection(Canned(status, body, dict(headers or {})), times, after))

    def calls(self, route: str) -> int:
        """How many requests of `route` were received."""
        return sum(1 for r in self.requests if r.route == route)

    def _injected(self, route: str) -> Canned | None:
        for key in (route, "any") if route not in ("login", "token") else (route,):
            for rule in self._injections[key]:
                if rule.times <= 0:
                    continue
                if rule.after > 0:
                    rule.after -= 1
                    break
                rule.times -= 1
                return rule.canned
        return None

    # --- request handling -------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Canned:
        """Route one request and return the response to send."""
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/")
        query = parse_qs(parts.query)
        with self._lock:
            route, handler = self._route(method, path)
            self.requests.append(RecordedRequest(method, path, query, route))
            canned = self._injected(route)
            if canned is not None:
                return canned
            if route in ("login", "token"):
                return handler(body, headers)
            denied = self._check_session(headers)
            if denied:
                return denied
            self.daily_remaining = max(0, self.daily_remaining - 1)
            try:
                reply = handler(path, query, headers, body)
            except SoqlError as exc:
                reply = Canned(400, error_body(exc.code, exc.message))
            used = self.daily_max - self.daily_remaining
            reply.headers.setdefault("Sforce-Limit-Info", f"api-usage={used}/{self.daily_max}")
            return reply

    def _route(self, method: str, path: str) -> tuple[str, Any]:
        segments = [s for s in path.split("/") if s]
        if method == "POST" and segments[:3] == ["services", "Soap", "u"]:
            return "login", self._soap_login
        if method == "POST" and segments == ["services", "oauth2", "token"]:
            return "token", self._token
        if segments[:2] != ["services", "data"] or len(segments) < 4 or not re.match(r"^v\d+\.\d$", segments[2]):
            return "any", lambda *_: Canned(404, error_body("NOT_FOUND", "The requested resource does not exist"))
        rest = segments[3:]
        if method == "GET" and rest == ["limits"]:
            return "limits", self._limits
        if method == "GET" and len(rest) == 3 and rest[0] == "sobjects" and rest[2] == "describe":
            return "describe", self._describe
        if method == "GET" and rest in (["query"], ["queryAll"]):
            return "query", self._query
        if method == "GET" and len(rest) == 2 and rest[0] in ("query", "queryAll"):
            return "query_more", self._query_more
        if rest[:2] == ["jobs", "query"]:
            if method == "POST" and len(rest) == 2:
                return "bulk_create", self._bulk_create
            if method == "GET" and len(rest) == 3:
                return "bulk_poll", self._bulk_poll
            if method == "GET" and len(rest) == 4 and rest[3] == "results":
                return "bulk_results", self._bulk_results
            if method == "DELETE" and len(rest) == 3:
                return "bulk_delete", self._bulk_delete
        return "any", lambda *_: Canned(404, error_body("NOT_FOUND", "The requested resource does not exist"))

    def _check_session(self, headers: dict[str, str]) -> Canned | None:
        auth = headers.get("authorization", "")
        token = auth.split(" ", 1)[1].strip() if " " in auth else ""
        if token not in self._sessions:
            return Canned(401, error_body("INVALID_SESSION_ID", "Session expired or invalid"))
        return None

    # --- auth ---------------------------------------------------------------------------------------

    def _soap_login(self, body: bytes, headers: dict[str, str]) -> Canned:
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return _soap_fault("soapenv:Client", "INVALID_REQUEST", "Unable to parse the request")
        values = {el.tag.rsplit("}", 1)[-1]: (el.text or "") for el in root.iter()}
        if values.get("username") != self.username or values.get("password") != self._password + self._security_token:
            return _soap_fault(
                "sf:INVALID_LOGIN",
                "INVALID_LOGIN",
                "Invalid username, password, security token; or user locked out.",
            )
        session = self.issue_session()
        version = "60.0"
        server = f"{self.base_url}/services/Soap/u/{version}/{ORG_ID}"
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body><loginResponse><result>"
            f"<metadataServerUrl>{self.base_url}/services/Soap/m/{version}/{ORG_ID}</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
            f"<serverUrl>{server}</serverUrl><sessionId>{session}</sessionId><userId>{USER_ID}</userId>"
            f"<userInfo><organizationId>{ORG_ID}</organizationId><userName>{self.username}</userName></userInfo>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return Canned(200, xml, {"Content-Type": "text/xml; charset=utf-8"})

    def _token(self, body: bytes, headers: dict[str, str]) -> Canned:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return Canned(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        if not self.consumer_key or not self._public_key:
            return Canned(400, {"error": "invalid_client_id", "error_description": "client identifier invalid"})
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                self._public_key,
                algorithms=["RS256"],
                audience=[*JWT_AUDIENCES, self.base_url],
                options={"require": ["iss", "sub", "aud", "exp"]},
            )
        except jwt.InvalidTokenError:
            return Canned(400, {"error": "invalid_grant", "error_description": "invalid assertion"})
        if claims.get("iss") != self.consumer_key:
            return Canned(400, {"error": "invalid_client_id", "error_description": "client identifier invalid"})
        if claims.get("sub") != self.username:
            return Canned(400, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"})
        token = self.issue_session()
        return Canned(
            200,
            {
                "access_token": token,
                "scope": "api",
                "instance_url": self.base_url,
                "id": f"{self.base_url}/id/{ORG_ID}/{USER_ID}",
                "token_type": "Bearer",
            },
        )

    # --- REST resources -------------------------------------------------------------------------------

    def _limits(self, *_: Any) -> Canned:
        return Canned(
            200,
            {
                "DailyApiRequests": {"Max": self.daily_max, "Remaining": self.daily_remaining},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000 - len(self.jobs)},
                "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            },
        )

    def _describe(self, path: str, *_: Any) -> Canned:
        name = path.split("/")[-2]
        canonical = next((n for n in self.objects if n.lower() == name.lower()), None)
        if canonical is None:
            return Canned(404, error_body("NOT_FOUND", "The requested resource does not exist"))
        return Canned(
            200,
            {
                "name": canonical,
                "label": canonical.replace("__c", ""),
                "custom": canonical.endswith("__c"),
                "queryable": True,
                "fields": [f.describe() for f in self.objects[canonical]],
            },
        )

    def _query(self, path: str, query: dict[str, list[str]], headers: dict[str, str], _: bytes) -> Canned:
        include_deleted = path.endswith("queryAll")
        soql = (query.get("q") or [""])[0]
        parsed = self._parse(soql)
        rows = self._select(parsed, include_deleted)
        if parsed.count:
            return Canned(200, {"totalSize": len(rows), "done": True, "records": []})
        version = path.split("/")[3]
        records = [self._json_record(parsed, row, version) for row in rows]
        locator = "01g5g" + secrets.token_hex(6).upper()
        self._cursors[locator] = records
        return self._page(locator, 0, _batch_size(headers, self.page_size), version)

    def _query_more(self, path: str, query: dict[str, list[str]], headers: dict[str, str], _: bytes) -> Canned:
        version = path.split("/")[3]
        locator, _sep, offset = path.split("/")[-1].rpartition("-")
        if locator not in self._cursors or not offset.isdigit():
            return Canned(400, error_body("INVALID_QUERY_LOCATOR", "invalid query locator"))
        return self._page(locator, int(offset), _batch_size(headers, self.page_size), version)

    def _page(self, locator: str, offset: int, size: int, version: str) -> Canned:
        records = self._cursors[locator]
        chunk = records[offset : offset + size]
        done = offset + size >= len(records)
        body: dict[str, Any] = {"totalSize": len(records), "done": done, "records": chunk}
        if not done:
            body["nextRecordsUrl"] = f"/services/data/{version}/query/{locator}-{offset + size}"
        return Canned(200, _exact_json(body), {"Content-Type": "application/json;charset=UTF-8"})

    # --- Bulk API 2.0 -----------------------------------------------------------------------------------

    def _bulk_create(self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Canned:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return Canned(400, error_body("JSON_PARSER_ERROR", "Unexpected character in the request body"))
        operation = request.get("operation")
        if operation not in ("query", "queryAll"):
            return Canned(400, error_body("INVALIDJOB", f"InvalidJob : Invalid operation: {operation}"))
        parsed = self._parse(str(request.get("query", "")))
        if parsed.count:
            return Canned(400, error_body("INVALIDJOB", "InvalidJob : Aggregate queries are not supported"))
        job_id = "7505g" + secrets.token_hex(6).upper()
        rows = self._select(parsed, operation == "queryAll")
        job = BulkJob(job_id, operation, parsed, [dict(r) for r in rows], self.bulk_polls)
        self.jobs[job_id] = job
        return Canned(200, self._job_info(job, path.split("/")[3]))

    def _job_info(self, job: BulkJob, version: str) -> dict[str, Any]:
        info: dict[str, Any] = {
            "id": job.id,
            "operation": job.operation,
            "object": job.query.sobject,
            "createdById": USER_ID,
            "state": job.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version.removeprefix("v")),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if job.state == "JobComplete":
            info["numberRecordsProcessed"] = len(job.rows)
        return info

    def _bulk_job(self, path: str) -> BulkJob | None:
        segments = [s for s in path.split("/") if s]
        return self.jobs.get(segments[5])

    def _bulk_poll(self, path: str, *_: Any) -> Canned:
        job = self._bulk_job(path)
        if job is None:
            return Canned(404, error_body("NOT_FOUND", "The requested resource does not exist"))
        if job.state in ("UploadComplete", "InProgress"):
            if job.polls_left > 0:
                job.polls_left -= 1
                job.state = "InProgress"
            else:
                job.state = "JobComplete"
        return Canned(200, self._job_info(job, path.split("/")[3]))

    def _bulk_results(self, path: str, query: dict[str, list[str]], *_: Any) -> Canned:
        job = self._bulk_job(path)
        if job is None:
            return Canned(404, error_body("NOT_FOUND", "The requested resource does not exist"))
        if job.state != "JobComplete":
            return Canned(
                412,
                error_body(
                    "JOB_NOT_COMPLETE",
                    f"can only download query results of successfully completed bulk job. Current status: {job.state}",
                ),
            )
        size = int((query.get("maxRecords") or [str(self.bulk_page_size)])[0])
        locator = (query.get("locator") or [""])[0]
        offset = int(base64.b64decode(locator).decode()) if locator else 0
        chunk = job.rows[offset : offset + size]
        out = io.StringIO(newline="")
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(job.query.fields)
        types = self._types(job.query.sobject)
        for row in chunk:
            writer.writerow([_csv_value(types[name], row.get(name)) for name in job.query.fields])
        more = offset + size < len(job.rows)
        next_locator = base64.b64encode(str(offset + size).encode()).decode() if more else "null"
        return Canned(
            200,
            out.getvalue(),
            {
                "Content-Type": "text/csv",
                "Sforce-Locator": next_locator,
                "Sforce-NumberOfRecords": str(len(chunk)),
            },
        )

    def _bulk_delete(self, path: str, *_: Any) -> Canned:
        job = self._bulk_job(path)
        if job is None:
            return Canned(404, error_body("NOT_FOUND", "The requested resource does not exist"))
        del self.jobs[job.id]
        return Canned(204)

    # --- SOQL ---------------------------------------------------------------------------------------------

    def _types(self, sobject: str) -> dict[str, str]:
        return {f.name: f.type for f in self.objects[sobject]}

    def _parse(self, soql: str) -> Query:
        match = _SELECT.match(soql)
        if not match:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token in query: {soql[:80]}")
        sobject = next((n for n in self.objects if n.lower() == match["obj"].lower()), None)
        if sobject is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"sObject type '{match['obj']}' is not supported. If you are attempting to use a custom object, "
                "be sure to append the '__c' after the entity name.",
            )
        names = {f.name.lower(): f for f in self.objects[sobject]}

        def field_of(name: str) -> FieldDef:
            found = names.get(name.strip().lower())
            if found is None:
                raise SoqlError(
                    "INVALID_FIELD",
                    f"No such column '{name.strip()}' on entity '{sobject}'. If you are attempting to use a custom "
                    "field, be sure to append the '__c' after the custom field name.",
                )
            return found

        selected = match["fields"].strip()
        count = selected.replace(" ", "").upper() == "COUNT()"
        fields = [] if count else [field_of(n).name for n in selected.split(",")]
        conditions = []
        if match["where"]:
            for text in re.split(r"\s+AND\s+", match["where"].strip(), flags=re.IGNORECASE):
                condition = _CONDITION.match(text)
                if not condition:
                    raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{text.strip()[:60]}'")
                target = field_of(condition[1])
                conditions.append((target.name, condition[2], _literal(target, condition[3])))
        order = []
        if match["order"]:
            for item in match["order"].split(","):
                words = item.split()
                direction = words[1].upper() if len(words) > 1 else "ASC"
                order.append((field_of(words[0]).name, direction == "DESC"))
        return Query(sobject, fields, count, conditions, order)

    def _select(self, query: Query, include_deleted: bool) -> list[dict[str, Any]]:
        rows = [
            r
            for r in self.records[query.sobject].values()
            if (include_deleted or not r.get("IsDeleted"))
            and all(_compare(r.get(f), op, v) for f, op, v in query.conditions)
        ]
        for name, descending in reversed(query.order):
            rows.sort(
                key=lambda r, n=name: (r.get(n) is not None, r.get(n) if r.get(n) is not None else 0),
                reverse=descending,
            )
        return rows

    def _json_record(self, query: Query, row: dict[str, Any], version: str) -> dict[str, Any]:
        types = self._types(query.sobject)
        record: dict[str, Any] = {
            "attributes": {
                "type": query.sobject,
                "url": f"/services/data/{version}/sobjects/{query.sobject}/{row['Id']}",
            }
        }
        for name in query.fields:
            record[name] = _json_value(types[name], row.get(name))
        return record


def _batch_size(headers: dict[str, str], default: int) -> int:
    options = headers.get("sforce-query-options", "")
    match = re.search(r"batchSize\s*=\s*(\d+)", options)
    if not match:
        return default
    return max(MIN_PAGE, min(MAX_PAGE, int(match.group(1))))


def _literal(target: FieldDef, text: str) -> Any:
    text = text.strip()
    if _DATETIME.match(text):
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return value if target.type == "datetime" else value.date()
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return date.fromisoformat(text)
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.lower() == "null":
        return None
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("\\'", "'")
    try:
        return Decimal(text)
    except ArithmeticError:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{text[:40]}'") from None


def _compare(value: Any, op: str, literal: Any) -> bool:
    if op == "=":
        return value == literal
    if op == "!=":
        return value != literal
    if value is None or literal is None:
        return False
    return {">=": value >= literal, "<=": value <= literal, "<": value < literal, ">": value > literal}[op]


def _json_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return format_datetime(value)
    if kind == "date":
        return value.isoformat()
    if isinstance(value, Decimal):
        return value
    return value


def _csv_value(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "datetime":
        return format_datetime(value, bulk=True)
    if kind == "date":
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _exact_json(body: Any) -> str:
    """JSON text in which Decimals appear as their exact number text, as Salesforce writes them."""
    marks: dict[str, str] = {}

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            key = f"@@dec{len(marks)}@@"
            marks[key] = str(value)
            return key
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(body))
    return re.sub(r'"(@@dec\d+@@)"', lambda m: marks[m.group(1)], text)


def _soap_fault(faultcode: str, code: str, message: str) -> Canned:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><soapenv:Fault><faultcode>{faultcode}</faultcode>"
        f"<faultstring>{code}: {message}</faultstring><detail>"
        f'<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault>"
        "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Canned(500, xml, {"Content-Type": "text/xml; charset=utf-8"})
