"""The Salesforce API as this source uses it: one login, retried calls, REST query paging and Bulk API 2.0.

simple-salesforce has no retry of its own (a 503 inside `query_all_iter` raises and loses the cursor),
so every call goes through `SalesforceApi.call`, which retries 429, 5xx, `REQUEST_LIMIT_EXCEEDED`
and network failures with exponential backoff (honouring `Retry-After`), and raises `TransientError`
(exit 75) when the retries are spent. REST pages are fetched one call at a time (`query`, then
`query_more` on `nextRecordsUrl`), so a retry repeats one page, never the whole window. An expired
session (401 `INVALID_SESSION_ID`) triggers one fresh login when the flow can log in again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession
from simple_salesforce.util import exception_handler

from extract.errors import ExtractError, TransientError
from extract.sources.salesforce.auth import Credentials, client, login
from extract.sources.salesforce.errors import describe_failure, error_code, is_retryable

T = TypeVar("T")

# Replaced by tests to run retries and Bulk polling without waiting.
SLEEP: Callable[[float], None] = time.sleep
MAX_RETRY_AFTER_S = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """How failed calls are retried.

    Args:
        max_retries: Retries after the first attempt; 0 disables retrying.
        base_delay_s: First backoff delay; doubles on each retry.
        max_delay_s: Cap of one backoff delay.
    """

    max_retries: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        backoff = min(self.max_delay_s, self.base_delay_s * (2**attempt))
        if retry_after is not None:
            return min(MAX_RETRY_AFTER_S, max(backoff, retry_after))
        return backoff


@dataclass
class QueryPage:
    """One page of a REST query."""

    records: list[dict[str, Any]]
    total_size: int
    next_url: str | None


class SalesforceApi:
    """A logged-in Salesforce client whose every call is counted and retried.

    Args:
        credentials: How to log in.
        api_version: REST API version, e.g. `60.0`.
        retry: Retry policy.
    """

    def __init__(self, credentials: Credentials, api_version: str, retry: RetryPolicy) -> None:
        self.credentials = credentials
        self.api_version = api_version
        self.retry = retry
        self.calls = 0
        self.retries = 0
        self.api_usage: str | None = None
        self._retry_after: float | None = None
        self.session = requests.Session()
        self.session.hooks["response"].append(self._observe)
        self.host = ""
        self.sf: Salesforce = self.call("login", self._login)

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def where(self) -> str:
        """`salesforce <host>` for messages."""
        host = self.host or self.credentials.instance_url or self.credentials.login_url
        return f"salesforce {host}".replace("https://", "")

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        header = response.headers.get("Retry-After")
        try:
            self._retry_after = float(header) if header else None
        except ValueError:
            self._retry_after = None
        usage = response.headers.get("Sforce-Limit-Info")
        if usage:
            self.api_usage = usage

    def _login(self) -> Salesforce:
        session_id, instance = login(self.credentials, self.api_version, self.session)
        self.host = instance
        return client(session_id, instance, self.api_version, self.session)

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run `fn` (one API request), retrying what a retry can fix.

        Raises:
            TransientError: When the retries are spent on a retryable failure.
        """
        attempt = 0
        relogged = False
        while True:
            self._retry_after = None
            try:
                return fn()
            except SalesforceExpiredSession as exc:
                if relogged or self.credentials.flow == "session" or error_code(exc) != "INVALID_SESSION_ID":
                    raise
                relogged = True
                self.sf = self._login()
            except (requests.RequestException, Exception) as exc:
                if isinstance(exc, ExtractError) or not is_retryable(exc):
                    raise
                if attempt >= self.retry.max_retries:
                    raise TransientError(
                        f"{self.where}: {what}: {describe_failure(exc)} (gave up after {attempt} retries); "
                        "rerun the window later"
                    ) from None
                SLEEP(self.retry.delay(attempt, self._retry_after))
                attempt += 1
                self.retries += 1

    def _url(self, path: str) -> str:
        return f"{self.sf.base_url}{path.lstrip('/')}"

    # -- REST ------------------------------------------------------------------------------------

    def limits(self) -> dict[str, Any]:
        """`GET /limits`: the org's limits, e.g. `{"DailyApiRequests": {"Max": 15000, "Remaining": 14000}}`."""
        return self.call("limits", lambda: self.sf.limits())

    def describe(self, sobject: str) -> dict[str, Any]:
        """`GET /sobjects/{sobject}/describe`."""
        return self.call(f"describe {sobject}", lambda: self.sf.restful(f"sobjects/{sobject}/describe")) or {}

    def query_page(self, soql: str) -> QueryPage:
        """First page of a `queryAll` (deleted and archived rows included)."""
        result = self.call("queryAll", lambda: self.sf.query(soql, include_deleted=True))
        return _page(result)

    def next_page(self, next_url: str) -> QueryPage:
        """The page at a `nextRecordsUrl`."""
        result = self.call("queryAll (next page)", lambda: self.sf.query_more(next_url, identifier_is_url=True))
        return _page(result)

    def query_pages(self, soql: str) -> Iterator[QueryPage]:
        """Every page of a `queryAll`, following `nextRecordsUrl` until `done`."""
        page = self.query_page(soql)
        yield page
        while page.next_url:
            page = self.next_page(page.next_url)
            yield page

    def count(self, soql_count: str) -> int:
        """`totalSize` of a `SELECT COUNT() ...` query through `queryAll`."""
        return self.query_page(soql_count).total_size

    # -- Bulk API 2.0 ----------------------------------------------------------------------------

    def create_query_job(self, soql: str) -> dict[str, Any]:
        """`POST /jobs/query` with `operation: queryAll`."""
        body = {"operation": "queryAll", "query": soql, "contentType": "CSV", "columnDelimiter": "COMMA",
                "lineEnding": "LF"}  # fmt: skip
        return self.call("bulk query job create", lambda: self.sf.restful("jobs/query", method="POST", json=body))

    def query_job(self, job_id: str) -> dict[str, Any]:
        """`GET /jobs/query/{id}`: the job's state."""
        return self.call("bulk query job poll", lambda: self.sf.restful(f"jobs/query/{job_id}"))

    def query_job_results(self, job_id: str, locator: str | None, max_records: int) -> tuple[str, str | None]:
        """`GET /jobs/query/{id}/results`: one CSV set and the next `Sforce-Locator` (None at the end)."""
        params: dict[str, Any] = {"maxRecords": max_records}
        if locator:
            params["locator"] = locator

        def fetch() -> requests.Response:
            headers = {**self.sf.headers, "Accept": "text/csv"}
            response = self.session.get(self._url(f"jobs/query/{job_id}/results"), params=params, headers=headers)
            if response.status_code >= 300:
                exception_handler(response, name="bulk query results")
            return response

        response = self.call("bulk query results", fetch)
        response.encoding = "utf-8"
        next_locator = response.headers.get("Sforce-Locator")
        return response.text, None if next_locator in (None, "", "null") else next_locator

    def delete_query_job(self, job_id: str) -> None:
        """`DELETE /jobs/query/{id}` (best effort: the job expires by itself after 7 days)."""
        try:
            self.call("bulk query job delete", lambda: self.sf.restful(f"jobs/query/{job_id}", method="DELETE"))
        except Exception:  # noqa: BLE001 - cleanup must never fail a run that has its data
            return

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


def _page(result: dict[str, Any]) -> QueryPage:
    done = bool(result.get("done", True))
    return QueryPage(
        records=list(result.get("records") or []),
        total_size=int(result.get("totalSize") or 0),
        next_url=None if done else result.get("nextRecordsUrl"),
    )
