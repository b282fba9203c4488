"""HTTP calls to the Power BI REST API with retries.

Retry rules (what a retry inside this process can fix):
- `429 Too Many Requests`: wait `Retry-After` seconds (the service's own number), then retry.
- `5xx` and network errors: exponential backoff, then retry.
- `401`: ask for a fresh token once (it may have expired mid-run), then give up with exit 2.
When the retry budget is spent the call raises `TransientError` (exit 75): Airflow's retry can help.
Other client errors raise at once: `400`/`403`/`404` are configuration problems (exit 2).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from extract.errors import ExtractError, TransientError, UsageError
from extract.powerbi.auth import TokenProvider
from extract.powerbi.durations import format_duration
from extract.powerbi.log import RunLog


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep retrying throttled, failing or unreachable calls.

    Attributes:
        max_retries: Retries after the first attempt, per call.
        backoff_base_s: First backoff delay for 5xx and network errors; doubles on each retry.
        backoff_max_s: Cap on one backoff delay.
        max_retry_after_s: Longest `Retry-After` we are willing to sleep; beyond it, give up (exit 75)
            rather than hold a pod for a long time.
        default_retry_after_s: Wait for a 429 that carries no usable `Retry-After`.
    """

    max_retries: int = 5
    backoff_base_s: float = 2.0
    backoff_max_s: float = 60.0
    max_retry_after_s: float = 300.0
    default_retry_after_s: float = 30.0

    def backoff(self, retry: int) -> float:
        """Delay before retry number `retry` (1-based) after a 5xx or a network error."""
        return min(self.backoff_max_s, self.backoff_base_s * 2 ** (retry - 1))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a `Retry-After` header: delta-seconds or an HTTP date.

    Args:
        value: The header value, or None.
        now: The current UTC instant, for HTTP-date values.

    Returns:
        Seconds to wait (never negative), or None when the header is absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def summarize_error_body(response: requests.Response, limit: int = 300) -> str:
    """Summarise a Power BI error body (`{"error": {"code", "message"}}`) in one short line.

    Args:
        response: The failed response.
        limit: Maximum length of the summary.

    Returns:
        E.g. `ItemNotFound: Dataset ... is not found`, or the status reason when the body says nothing.
    """
    summary = ""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            code = error.get("code") or ""
            message = error.get("message") or ""
            if not message and isinstance(error.get("pbi.error"), dict):
                message = error["pbi.error"].get("code") or ""
            summary = f"{code}: {message}" if code and message and message != code else str(code or message)
    if not summary:
        summary = (response.text or response.reason or "").strip()
    return one_line(summary, limit)


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace to single spaces and cut `text` to `limit` characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class PowerBIClient:
    """Calls the Power BI REST API with a bearer token and the retry rules above.

    Args:
        api_url: Base URL, e.g. `https://api.powerbi.com`.
        tokens: Source of access tokens.
        session: The HTTP session (a new one by default).
        retry: Retry budget and delays.
        sleep: Function that waits; tests inject a fake to avoid real waits.
        log: Where retry decisions are logged.
        request_timeout_s: Connect/read timeout of each HTTP call.
    """

    def __init__(
        self,
        api_url: str,
        tokens: TokenProvider,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: RunLog | None = None,
        request_timeout_s: float = 30.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._tokens = tokens
        self._session = session or requests.Session()
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._log = log or RunLog()
        self._timeout = request_timeout_s

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        passthrough: Collection[int] = (),
    ) -> requests.Response:
        """Send one API call, retrying what a retry can fix.

        Args:
            method: HTTP method.
            path: Path under the base URL, starting with `/v1.0/`.
            json_body: JSON body to send.
            params: Query parameters.
            passthrough: Error statuses the caller handles itself (e.g. 409); they are returned.

        Returns:
            The response (2xx, or a status listed in `passthrough`).

        Raises:
            UsageError: 400, 401 after a fresh token, 403, 404 (exit 2).
            TransientError: 429, 5xx or network errors beyond the retry budget (exit 75).
            ExtractError: Any other unexpected status (exit 1).
        """
        url = f"{self.api_url}{path}"
        what = f"Power BI {method} {path}"
        retries = 0
        token_refreshed = False
        while True:
            headers = {"Authorization": f"Bearer {self._tokens.token()}", "Accept": "application/json"}
            try:
                response = self._session.request(
                    method, url, headers=headers, json=json_body, params=params, timeout=self._timeout
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                retries = self._wait_or_give_up(
                    retries,
                    self._retry.backoff(retries + 1),
                    f"{what}: {type(exc).__name__} reaching {self.api_url}",
                )
                continue
            status = response.status_code
            if status < 400 or status in passthrough:
                return response
            detail = summarize_error_body(response)
            if status == 401 and not token_refreshed:
                # A token can expire between calls of a long wait; one fresh token is worth a try.
                self._log.warning("powerbi_token_rejected", f"{what}: HTTP 401 ({detail}); requesting a new token")
                self._tokens.invalidate()
                token_refreshed = True
                continue
            if status == 429:
                header = response.headers.get("Retry-After")
                delay = retry_after_seconds(header)
                if delay is None:
                    delay = self._retry.default_retry_after_s
                if delay > self._retry.max_retry_after_s:
                    raise TransientError(  # A long wait would hold the pod; Airflow's retry is cheaper.
                        f"{what}: throttled (HTTP 429), Retry-After {format_duration(delay)} is longer than "
                        f"the {format_duration(self._retry.max_retry_after_s)} we wait; retry later"
                    )
                retries = self._wait_or_give_up(retries, delay, f"{what}: throttled (HTTP 429)")
                continue
            if status >= 500:
                retries = self._wait_or_give_up(
                    retries, self._retry.backoff(retries + 1), f"{what}: HTTP {status} ({detail})"
                )
                continue
            raise _client_error(what, status, detail)

    def _wait_or_give_up(self, retries: int, delay: float, reason: str) -> int:
        if retries >= self._retry.max_retries:
            raise TransientError(f"{reason}; gave up after {retries + 1} attempts, a later retry may succeed")
        retries += 1
        self._log.warning(
            "powerbi_request_retry",
            f"{reason}; retry {retries}/{self._retry.max_retries} in {format_duration(delay)}",
            retry_in_s=round(delay, 3),
        )
        self._sleep(delay)
        return retries


def _client_error(what: str, status: int, detail: str) -> ExtractError:
    if status == 401:
        return UsageError(
            f"{what}: Power BI rejected the service principal's token (HTTP 401 {detail}); allow it in the "
            "tenant setting 'Service principals can use Fabric APIs' and add it to the workspace (docs/powerbi.md)"
        )
    if status == 403:
        return UsageError(
            f"{what}: Power BI refused access (HTTP 403 {detail}); add the service principal to the "
            "workspace as Member or Contributor"
        )
    if status == 404:
        return UsageError(f"{what}: not found (HTTP 404 {detail}); check --workspace-id and --dataset-id")
    if status == 400:
        return UsageError(f"{what}: bad request (HTTP 400 {detail}); check the refresh body")
    return ExtractError(f"{what}: unexpected HTTP {status} ({detail})")


def parse_json(response: requests.Response, what: str) -> Any:
    """Decode a JSON body, turning garbage into a transient error (a proxy page, a cut-off body).

    Args:
        response: A successful response.
        what: Names the call in the error message.

    Returns:
        The decoded JSON.

    Raises:
        TransientError: The body is not JSON.
    """
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError) as exc:
        raise TransientError(f"{what}: response is not JSON (HTTP {response.status_code})") from exc
