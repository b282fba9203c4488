"""HTTP calls to HubSpot through hubspot-api-client, with retries, rate-limit accounting and error mapping.

hubspot-api-client builds the requests (host, bearer token, paths). Its responses are read raw
(`_preload_content=False`) and decoded with `json.loads`: the generated model classes would cost more
than the HTTP call itself, and the raw response keeps the rate-limit headers.

Retries are ours, not urllib3's (the client is given `Retry(0)`), so every call is counted and every wait
goes through one injectable `sleep`:
- 429 (policy SECONDLY or the 10-second window) and 5xx: exponential backoff, never shorter than `Retry-After`;
- a dropped connection, a reset, a timeout or a truncated body: same backoff;
- 429 with policy DAILY: no retry (the budget returns at midnight in the portal's time zone): exit 75;
- 401 and 403: `UsageError` (exit 2) naming HubSpot and the variable to fix, never the token;
- retries exhausted: `TransientError` (exit 75).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import urllib3
from hubspot import HubSpot
from urllib3.util.retry import Retry

from extract.errors import ExtractError, TransientError, UsageError

DEFAULT_BASE_URL = "https://api.hubapi.com"
RATE_HEADERS = {
    "x-hubspot-ratelimit-daily": "daily_limit",
    "x-hubspot-ratelimit-daily-remaining": "daily_remaining",
    "x-hubspot-ratelimit-secondly": "secondly_limit",
    "x-hubspot-ratelimit-secondly-remaining": "secondly_remaining",
    "x-hubspot-ratelimit-interval-milliseconds": "interval_ms",
    "x-hubspot-ratelimit-max": "interval_limit",
    "x-hubspot-ratelimit-remaining": "interval_remaining",
}


def sleep(seconds: float) -> None:
    """Wait between retries (tests replace this module attribute to record the waits)."""
    time.sleep(seconds)


class HubSpotRequestError(ExtractError):
    """HubSpot refused a request as malformed (4xx other than 401/403/429): a bug or a bad manifest.

    Args:
        status: HTTP status.
        message: HubSpot's `message`.
        category: HubSpot's `category` (e.g. VALIDATION_ERROR).
    """

    def __init__(self, status: int, message: str, category: str) -> None:
        super().__init__(f"HubSpot answered {status} {category}: {message}")
        self.status = status
        self.hubspot_message = message
        self.category = category


@dataclass
class CallStats:
    """API calls spent and the rate-limit headroom HubSpot reported, for the run report."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    waited_s: float = 0.0
    limits: dict[str, int] = field(default_factory=dict)
    lowest: dict[str, int] = field(default_factory=dict)

    def note_headers(self, headers: Mapping[str, str] | None) -> None:
        """Record the `X-HubSpot-RateLimit-*` headers of one answer (missing headers are ignored)."""
        if not headers:
            return
        for name, value in headers.items():
            key = RATE_HEADERS.get(name.lower())
            if key is None:
                continue
            try:
                number = int(value)
            except ValueError:
                continue
            self.limits[key] = number
            if key.endswith("remaining"):
                self.lowest[key] = min(self.lowest.get(key, number), number)

    def as_report(self) -> dict[str, Any]:
        """The figures `report_extra` publishes."""
        return {
            "api_calls": sum(self.calls.values()),
            "calls_by_endpoint": dict(self.calls),
            "retries": dict(self.retries),
            "waited_s": round(self.waited_s, 3),
            "rate_limit_last": dict(self.limits),
            "rate_limit_lowest_remaining": dict(self.lowest),
        }


def retry_after_seconds(value: str | None) -> float | None:
    """Parse `Retry-After`: delay seconds (HubSpot) or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def _error_fields(body: bytes | str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class HubSpotApi:
    """The three endpoints the source needs: search, the archived list, and property definitions.

    Args:
        token: Private-app access token.
        base_url: API host (`https://api.hubapi.com`, or a local fake).
        max_retries: Retries per call after the first attempt.
        backoff_s: First backoff; doubles per retry.
        max_backoff_s: Ceiling of one exponential wait (a longer `Retry-After` still wins).
        timeout_s: Read timeout per call (connect timeout is at most 10 s).
        min_daily_remaining: Stop (exit 75) when the daily budget left falls to this many calls.
        wait: The sleep function; the module's `sleep` when None (looked up per call, for tests).
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        max_retries: int = 6,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        timeout_s: float = 60.0,
        min_daily_remaining: int = 0,
        wait: Callable[[float], None] | None = None,
    ) -> None:
        client = HubSpot(access_token=token, host=base_url.rstrip("/"), retry=Retry(total=0, redirect=False))
        # Each discovery property builds a new ApiClient (and connection pool): build each once.
        self._search = client.crm.objects.search_api
        self._basic = client.crm.objects.basic_api
        self._properties = client.crm.properties.core_api
        self.base_url = base_url
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout = (min(10.0, timeout_s), timeout_s)
        self.min_daily_remaining = min_daily_remaining
        self._wait = wait
        self.stats = CallStats()

    def __repr__(self) -> str:
        return f"HubSpotApi(base_url={self.base_url!r})"

    # -- endpoints ----------------------------------------------------------------------------------

    def search(self, object_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /crm/v3/objects/{objectType}/search`."""
        return self._call(
            "search",
            object_type,
            lambda: self._search.do_search(
                object_type, dict(body), _preload_content=False, _request_timeout=self.timeout
            ),
        )

    def list_archived(self, object_type: str, properties: list[str], after: str | None) -> dict[str, Any]:
        """`GET /crm/v3/objects/{objectType}?archived=true` (one page of 100)."""
        kwargs: dict[str, Any] = {"limit": 100, "archived": True, "properties": properties}
        if after:
            kwargs["after"] = after
        return self._call(
            "list_archived",
            object_type,
            lambda: self._basic.get_page(object_type, _preload_content=False, _request_timeout=self.timeout, **kwargs),
        )

    def property_types(self, object_type: str) -> dict[str, str]:
        """`GET /crm/v3/properties/{objectType}`: `{property name: HubSpot type}`."""
        answer = self._call(
            "properties",
            object_type,
            lambda: self._properties.get_all(object_type, _preload_content=False, _request_timeout=self.timeout),
        )
        return {p["name"]: p.get("type", "string") for p in answer.get("results", [])}

    # -- the retry loop -----------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        self.stats.waited_s += seconds
        (self._wait or sleep)(seconds)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.backoff_s * (2**attempt), self.max_backoff_s)
        return max(delay, retry_after or 0.0)

    def _pace(self) -> None:
        """Wait out an exhausted per-second or 10-second window before the next call, instead of a 429."""
        limits = self.stats.limits
        if limits.get("secondly_remaining", 1) <= 0:
            self._sleep(1.0)
            limits.pop("secondly_remaining")
        if limits.get("interval_remaining", 1) <= 0:
            self._sleep(limits.get("interval_ms", 10_000) / 1000)
            limits.pop("interval_remaining")
        daily = limits.get("daily_remaining")
        if daily is not None and self.min_daily_remaining and daily <= self.min_daily_remaining:
            raise TransientError(
                f"hubspot: only {daily} API calls left in today's budget (reserve: min_daily_remaining="
                f"{self.min_daily_remaining}); rerun the window after the daily reset"
            )

    def _call(self, endpoint: str, object_type: str, send: Callable[[], Any]) -> dict[str, Any]:
        where = f"hubspot {endpoint} {object_type}"
        last = ""
        for attempt in range(self.max_retries + 1):
            self._pace()
            self.stats.calls[endpoint] += 1
            retry_after = None
            try:
                response = send()
                payload = response.data  # reads the body: a connection dropped mid-page fails here
                self.stats.note_headers(response.headers)
                return json.loads(payload)
            except Exception as exc:
                error = self._classify(exc, where)
                if error is None:
                    raise
                kind, retry_after, last = error
            self.stats.retries[kind] += 1
            if attempt < self.max_retries:
                self._sleep(self._backoff(attempt, retry_after))
        raise TransientError(
            f"{where}: gave up after {self.max_retries + 1} attempts (last: {last}); "
            "HubSpot is rate limiting or failing, a retry later may succeed"
        )

    def _classify(self, exc: Exception, where: str) -> tuple[str, float | None, str] | None:
        """Return (retry kind, Retry-After, description) for a retryable failure; raise a final one."""
        from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
        from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

        if isinstance(exc, ObjectsApiException | PropertiesApiException):
            headers = exc.headers or {}
            self.stats.note_headers(headers)
            status = int(exc.status or 0)
            fields = _error_fields(exc.body)
            message = str(fields.get("message") or exc.reason or "")[:300]
            category = str(fields.get("category") or fields.get("errorType") or "")
            if status == 0:
                return "connection", None, f"connection error: {message.splitlines()[0] if message else 'unknown'}"
            if status == 401:
                raise UsageError(
                    f"{where}: HubSpot rejected the access token (401 {category or 'INVALID_AUTHENTICATION'}); "
                    "check SOURCES__HUBSPOT__ACCESS_TOKEN"
                )
            if status == 403:
                raise UsageError(
                    f"{where}: the private app lacks a scope for this object (403 {category}: {message}); "
                    "grant the crm.objects.*.read scopes"
                )
            if status == 429:
                policy = str(fields.get("policyName") or "")
                if policy.upper() == "DAILY":
                    raise TransientError(
                        f"{where}: HubSpot's daily API limit is spent (429 DAILY); rerun the window after the reset"
                    )
                retry_after = retry_after_seconds(headers.get("Retry-After"))
                return "429", retry_after, f"429 {policy or 'RATE_LIMIT'}"
            if status >= 500:
                return str(status), retry_after_seconds(headers.get("Retry-After")), f"{status} {category}".strip()
            raise HubSpotRequestError(status, message, category)
        if isinstance(exc, urllib3.exceptions.HTTPError | OSError | json.JSONDecodeError):
            # A body cut short can also surface as invalid JSON.
            text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            return "connection", None, f"{type(exc).__name__}: {text}"
        return None
