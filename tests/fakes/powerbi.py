"""A local fake of the Power BI REST API and the Microsoft identity platform token endpoint.

Written from the documented contracts:
- Microsoft identity platform, client-credentials grant:
  `GET /{tenant}/v2.0/.well-known/openid-configuration` (tenant discovery, used by MSAL) and
  `POST /{tenant}/oauth2/v2.0/token` -> `{"token_type": "Bearer", "expires_in", "access_token"}`, or an
  OAuth error body `{"error", "error_description": "AADSTS...", "error_codes", "trace_id", ...}`
  (`401 invalid_client` for a wrong secret).
- Power BI "Datasets - Refresh Dataset In Group":
  `POST /v1.0/myorg/groups/{groupId}/datasets/{datasetId}/refreshes` -> `202 Accepted` with
  `x-ms-request-id` (also sent as `RequestId`) and `Location` headers.
- Power BI "Datasets - Get Refresh History In Group":
  `GET .../refreshes?$top=N` -> `{"value": [{"requestId", "refreshType", "startTime", "endTime",
  "status", "serviceExceptionJson"}]}`, newest first; `status` is `Unknown` while running.
- Errors: `{"error": {"code", "message"}}`; 401 for a bad token; 429 with `Retry-After`.

MSAL only accepts an https authority, so the server speaks TLS with a throwaway `trustme` CA; point
`REQUESTS_CA_BUNDLE` at `ca_bundle` so that both MSAL and requests trust it.

Scripting, per test:
- `add_dataset(ws, ds, statuses=[...])` sets the status sequence each new refresh shows on successive
  history reads, e.g. `["Unknown", "Unknown", "Completed"]`; `failure=` sets `serviceExceptionJson`.
- `seed_refresh(ws, ds, statuses)` adds a refresh that is already running (e.g. a scheduled one).
- `inject(route, status, ...)` queues canned responses for `token`, `start_refresh` or `history`.
- `reject_tokens = True` makes the API answer 401 to every token (an invalid token).
- `requests` records every call (method, path, query, body) for assertions.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import Canned, LoopbackServer, ServedFake, canned_handler

POWERBI_SCOPE = "https://analysis.windows.net/powerbi/api/.default"
IN_PROGRESS = "Unknown"
TERMINAL = frozenset({"Completed", "Failed", "Disabled", "Cancelled"})

ROUTES = ("token", "start_refresh", "history")


@dataclass
class RecordedRequest:
    """One request the fake received (the Authorization header and form secrets are not kept)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class Refresh:
    """One refresh in a dataset's history."""

    request_id: str
    refresh_type: str
    statuses: deque[str]
    status: str = IN_PROGRESS
    start_time: str = field(default_factory=lambda: _now())
    end_time: str | None = None
    service_exception_json: str | None = None

    def advance(self) -> None:
        """Move to the next scripted status (called on each history read)."""
        if self.status in TERMINAL or not self.statuses:
            return
        self.status = self.statuses.popleft()
        if self.status in TERMINAL:
            self.end_time = _now()

    def as_json(self) -> dict[str, Any]:
        """The history representation of this refresh."""
        item: dict[str, Any] = {
            "requestId": self.request_id,
            "id": abs(hash(self.request_id)) % 10**9,
            "refreshType": self.refresh_type,
            "startTime": self.start_time,
            "status": self.status,
        }
        if self.end_time:
            item["endTime"] = self.end_time
        if self.status == "Failed" and self.service_exception_json:
            item["serviceExceptionJson"] = self.service_exception_json
        return item


@dataclass
class Dataset:
    """A dataset's script and history."""

    statuses: list[str]
    failure: dict[str, Any] | None = None
    history: list[Refresh] = field(default_factory=list)  # newest first


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakePowerBI(ServedFake):
    """The fake server: identity platform and Power BI API on one TLS port of 127.0.0.1.

    `base_url` is both the authority host and the API URL.

    Args:
        tenant_id: The only tenant that exists.
        client_id: The only registered application.
        client_secret: Its secret.
        workdir: Where the CA bundle is written.
    """

    def __init__(self, *, tenant_id: str, client_id: str, client_secret: str, workdir: Path) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.reject_tokens = False
        self.requests: list[RecordedRequest] = []
        self.datasets: dict[tuple[str, str], Dataset] = {}
        self._issued_tokens: set[str] = set()
        self._canned: dict[str, deque[Canned]] = {route: deque() for route in ROUTES}
        self._lock = threading.Lock()
        self.ca_bundle = workdir / "powerbi-fake-ca.pem"
        self._server = LoopbackServer(canned_handler(self.handle), ca_bundle=self.ca_bundle)

    # --- scripting ------------------------------------------------------------------------------

    def add_dataset(
        self,
        workspace_id: str,
        dataset_id: str,
        *,
        statuses: list[str] | None = None,
        failure: dict[str, Any] | None = None,
    ) -> None:
        """Register a dataset and script what its next refreshes do.

        Args:
            workspace_id: Workspace (group) id.
            dataset_id: Dataset id.
            statuses: Statuses a new refresh shows on successive history reads, after `Unknown`.
            failure: The `serviceExceptionJson` object of a refresh that ends `Failed`.
        """
        with self._lock:
            self.datasets[(workspace_id.lower(), dataset_id.lower())] = Dataset(
                statuses=list(statuses or ["Unknown", "Completed"]), failure=failure
            )

    def seed_refresh(
        self, workspace_id: str, dataset_id: str, statuses: list[str], *, refresh_type: str = "Scheduled"
    ) -> str:
        """Add a refresh that is already running (e.g. a scheduled one); returns its request id."""
        with self._lock:
            dataset = self.datasets[(workspace_id.lower(), dataset_id.lower())]
            refresh = Refresh(str(uuid.uuid4()), refresh_type, deque(statuses))
            if dataset.failure is not None:
                refresh.service_exception_json = json.dumps(dataset.failure)
            dataset.history.insert(0, refresh)
            return refresh.request_id

    def inject(
        self,
        route: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests of `route` with a canned response.

        Args:
            route: `token`, `start_refresh` or `history`.
            status: HTTP status.
            body: JSON body (dict) or raw text.
            headers: Extra headers, e.g. `{"Retry-After": "7"}`.
            times: How many requests get this answer.
        """
        if route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; expected one of {ROUTES}")
        with self._lock:
            for _ in range(times):
                self._canned[route].append(Canned(status, body, dict(headers or {})))

    def history(self, workspace_id: str, dataset_id: str) -> list[dict[str, Any]]:
        """The dataset's refresh history as the API would show it, newest first."""
        with self._lock:
            return [r.as_json() for r in self.datasets[(workspace_id.lower(), dataset_id.lower())].history]

    def calls(self, method: str, suffix: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path ends with `suffix`."""
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    # --- request handling (called from the server threads) ---------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes) -> Canned:
        """Route one request and return the response to send."""
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        segments = [segment for segment in path.split("/") if segment]
        with self._lock:
            body = _decode_body(headers, raw_body)
            self.requests.append(RecordedRequest(method, path, query, _without_secrets(body)))
            if method == "GET" and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                return self._openid_configuration(segments[0])
            if method == "POST" and segments[1:] == ["oauth2", "v2.0", "token"]:
                return self._pop("token") or self._token(segments[0], body)
            if len(segments) == 7 and segments[:3] == ["v1.0", "myorg", "groups"] and segments[6] == "refreshes":
                if segments[4] != "datasets":
                    return _api_error(404, "NotFound", "API not found")
                denied = self._check_bearer(headers)
                if denied:
                    return denied
                key = (segments[3].lower(), segments[5].lower())
                if method == "POST":
                    return self._pop("start_refresh") or self._start_refresh(key, segments, body)
                if method == "GET":
                    return self._pop("history") or self._history(key, query)
            return _api_error(404, "NotFound", f"No route for {method} {path}")

    def _pop(self, route: str) -> Canned | None:
        queue = self._canned[route]
        return queue.popleft() if queue else None

    def _openid_configuration(self, tenant: str) -> Canned:
        if tenant != self.tenant_id:
            return Canned(400, _oauth_error("invalid_tenant", 90002, f"Tenant '{tenant}' not found."))
        base = f"{self.base_url}/{tenant}"
        return Canned(
            200,
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "issuer": f"{base}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            },
        )

    def _token(self, tenant: str, form: Any) -> Canned:
        form = form if isinstance(form, dict) else {}
        if tenant != self.tenant_id:
            return Canned(400, _oauth_error("invalid_request", 90002, f"Tenant '{tenant}' not found."))
        if form.get("grant_type") != "client_credentials":
            return Canned(400, _oauth_error("unsupported_grant_type", 70003, "The grant type is not supported."))
        if form.get("client_id") != self.client_id:
            return Canned(
                400,
                _oauth_error(
                    "unauthorized_client",
                    700016,
                    f"Application with identifier '{form.get('client_id')}' was not found.",
                ),
            )
        if form.get("client_secret") != self.client_secret:
            return Canned(
                401,
                _oauth_error(
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the "
                    "client secret value, not the client secret ID.",
                ),
            )
        if POWERBI_SCOPE not in str(form.get("scope", "")).split():
            return Canned(400, _oauth_error("invalid_scope", 70011, "The provided value for scope is not valid."))
        token = secrets.token_urlsafe(24)
        self._issued_tokens.add(token)
        return Canned(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token})

    def _check_bearer(self, headers: dict[str, str]) -> Canned | None:
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        if self.reject_tokens or token not in self._issued_tokens:
            # The body Power BI documents for a rejected (invalid or unauthorised) token.
            return Canned(
                401,
                {
                    "error": {
                        "code": "PowerBINotAuthorizedException",
                        "pbi.error": {
                            "code": "PowerBINotAuthorizedException",
                            "parameters": {},
                            "details": [],
                            "exceptionCulprit": 1,
                        },
                    }
                },
                {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
            )
        return None

    def _start_refresh(self, key: tuple[str, str], segments: list[str], body: Any) -> Canned:
        dataset = self.datasets.get(key)
        if dataset is None:
            return _api_error(404, "ItemNotFound", f"Dataset {segments[5]} is not found in group {segments[3]}")
        if dataset.history and dataset.history[0].status not in TERMINAL:
            return _api_error(409, "Conflict", "Another refresh request is already executing")
        enhanced = isinstance(body, dict) and bool(set(body) - {"notifyOption"})
        refresh = Refresh(str(uuid.uuid4()), "ViaEnhancedApi" if enhanced else "ViaApi", deque(dataset.statuses))
        if dataset.failure is not None:
            refresh.service_exception_json = json.dumps(dataset.failure)
        dataset.history.insert(0, refresh)
        location = f"{self.base_url}/{'/'.join(segments)}/{refresh.request_id}"
        return Canned(
            202,
            None,
            {"Location": location, "x-ms-request-id": refresh.request_id, "RequestId": refresh.request_id},
        )

    def _history(self, key: tuple[str, str], query: dict[str, list[str]]) -> Canned:
        dataset = self.datasets.get(key)
        if dataset is None:
            return _api_error(404, "ItemNotFound", f"Dataset {key[1]} is not found in group {key[0]}")
        for refresh in dataset.history:
            refresh.advance()  # Time passes between two reads: each read moves a running refresh on.
        top = int(query.get("$top", ["60"])[0])
        return Canned(200, {"value": [refresh.as_json() for refresh in dataset.history[:top]]})


def _decode_body(headers: dict[str, str], raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8")
    if "application/x-www-form-urlencoded" in headers.get("content-type", ""):
        return {key: values[0] for key, values in parse_qs(text).items()}
    try:
        return json.loads(text)
    except ValueError:
        return text


def _without_secrets(body: Any) -> Any:
    if isinstance(body, dict) and "client_secret" in body:
        return {**body, "client_secret": "<redacted by fake>"}
    return body


def _api_error(status: int, code: str, message: str) -> Canned:
    return Canned(status, {"error": {"code": code, "message": message}})


def _oauth_error(error: str, code: int, text: str) -> dict[str, Any]:
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": error,
        "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\n"
        f"Timestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
