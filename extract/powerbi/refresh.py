"""Start a dataset refresh (or join the one already running) and wait until it ends.

The flow:
1. Read the latest entry of the refresh history (`GET .../refreshes?$top=1`). If it is still in
   progress, wait for it instead of starting a second one: Power BI would refuse the second one, and
   a failed pod for "someone else is refreshing" helps nobody.
2. Otherwise `POST .../refreshes`. A `202 Accepted` carries the request id (`x-ms-request-id` /
   `RequestId`) and a `Location`. A `409 Conflict` means a refresh started in between: join it.
3. Poll the history every `poll_interval` until our entry reaches a terminal status or `timeout`
   passes. A timeout leaves the refresh running in Power BI; the next attempt joins it (step 1).

Terminal statuses and exit codes: `Completed` 0; `Failed` and `Cancelled` 1; `Disabled` 2 (the
dataset's refresh is switched off: configuration).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from extract.errors import ExitCode, ExtractError, TransientError
from extract.powerbi.client import PowerBIClient, one_line, parse_json
from extract.powerbi.durations import format_duration
from extract.powerbi.log import RunLog

COMPLETED = "Completed"
FAILED = "Failed"
DISABLED = "Disabled"
CANCELLED = "Cancelled"
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, DISABLED, CANCELLED})
# `Unknown` is what the history reports while a refresh runs; enhanced refreshes may also show these.
IN_PROGRESS_STATUSES = frozenset({"Unknown", "NotStarted", "InProgress"})
# How far back to look for our request id when a newer refresh already heads the history.
_HISTORY_LOOKBACK = 20
_MAX_START_ATTEMPTS = 3


@dataclass(frozen=True)
class RefreshEntry:
    """One entry of a dataset's refresh history.

    Attributes:
        request_id: The refresh's request id (also the refresh id of an enhanced refresh).
        status: `Unknown` while running, then `Completed`, `Failed`, `Disabled` or `Cancelled`.
        refresh_type: How it was started, e.g. `ViaApi`, `ViaEnhancedApi`, `Scheduled`.
        service_exception_json: The service's error JSON (a string) of a failed refresh.
    """

    request_id: str | None
    status: str
    refresh_type: str | None = None
    service_exception_json: str | None = None

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> RefreshEntry:
        """Build an entry from one element of the history's `value` array."""
        exception = item.get("serviceExceptionJson")
        if exception is not None and not isinstance(exception, str):
            exception = json.dumps(exception)
        return cls(
            request_id=item.get("requestId") or item.get("id"),
            status=str(item.get("status") or "Unknown"),
            refresh_type=item.get("refreshType"),
            service_exception_json=exception,
        )

    @property
    def in_progress(self) -> bool:
        """Whether the refresh has not reached a terminal status."""
        return self.status not in TERMINAL_STATUSES


@dataclass(frozen=True)
class RefreshOutcome:
    """How the run ended.

    Attributes:
        request_id: The refresh waited for.
        status: Its terminal status.
        joined_existing: True when we waited for a refresh that was already running.
        polls: How many times the history was read while waiting.
    """

    request_id: str | None
    status: str
    joined_existing: bool
    polls: int


class RefreshError(ExtractError):
    """The refresh ended in a status other than `Completed`.

    Args:
        message: One line for the operator.
        status: The refresh's terminal status.
        exit_code: 1 for Failed/Cancelled, 2 for Disabled.
    """

    def __init__(self, message: str, status: str, exit_code: ExitCode = ExitCode.FAILURE) -> None:
        super().__init__(message, exit_code)
        self.status = status


class RefreshTimeoutError(TransientError):
    """The refresh was still running when the timeout passed (exit 75; the next attempt joins it)."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


def summarize_service_exception(raw: str | None, limit: int = 400) -> str:
    """Summarise `serviceExceptionJson` in one line: `errorCode: errorDescription`.

    Args:
        raw: The JSON string the history carries for a failed refresh.
        limit: Maximum length.

    Returns:
        The summary, the raw text flattened when it is not JSON, or `no error details`.
    """
    if not raw:
        return "no error details"
    try:
        payload = json.loads(raw)
    except ValueError:
        return one_line(raw, limit)
    if not isinstance(payload, dict):
        return one_line(raw, limit)
    code = payload.get("errorCode") or payload.get("code")
    description = payload.get("errorDescription") or payload.get("message") or payload.get("description")
    parts = [str(part) for part in (code, description) if part]
    return one_line(": ".join(parts) if parts else json.dumps(payload, sort_keys=True), limit)


class DatasetRefresher:
    """Refresh operations on one dataset of one workspace.

    Args:
        client: The Power BI API client.
        workspace_id: The workspace (group) id.
        dataset_id: The dataset (semantic model) id.
        log: Where progress is logged.
        sleep: Waits between polls; tests inject a fake.
        clock: Monotonic seconds; tests inject a fake.
    """

    def __init__(
        self,
        client: PowerBIClient,
        workspace_id: str,
        dataset_id: str,
        *,
        log: RunLog,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.workspace_id = workspace_id
        self.dataset_id = dataset_id
        self._log = log
        self._sleep = sleep
        self._clock = clock
        group, dataset = quote(workspace_id, safe=""), quote(dataset_id, safe="")
        self._path = f"/v1.0/myorg/groups/{group}/datasets/{dataset}/refreshes"

    def run(self, body: dict[str, Any], *, timeout_s: float, poll_interval_s: float) -> RefreshOutcome:
        """Start or join a refresh and wait for its end.

        Args:
            body: The `POST .../refreshes` body.
            timeout_s: How long to wait in total, from now.
            poll_interval_s: Delay between two reads of the history.

        Returns:
            The outcome of a `Completed` refresh.

        Raises:
            RefreshError: The refresh ended Failed, Cancelled (exit 1) or Disabled (exit 2).
            RefreshTimeoutError: Still running after `timeout_s` (exit 75).
            ExtractError: API errors, mapped to exit codes by the client.
        """
        deadline = self._clock() + timeout_s
        request_id, joined = self._start_or_join(body, conflict_wait_s=poll_interval_s)
        entry, polls = self._wait(request_id, deadline=deadline, timeout_s=timeout_s, poll_interval_s=poll_interval_s)
        request_id = entry.request_id or request_id
        if entry.status == COMPLETED:
            return RefreshOutcome(request_id=request_id, status=entry.status, joined_existing=joined, polls=polls)
        subject = self._subject(request_id)
        if entry.status == FAILED:
            raise RefreshError(f"{subject} failed: {summarize_service_exception(entry.service_exception_json)}", FAILED)
        if entry.status == DISABLED:
            raise RefreshError(
                f"{subject} is Disabled in Power BI; enable refresh for the dataset", DISABLED, ExitCode.USAGE
            )
        raise RefreshError(f"{subject} was {entry.status}; start it again when intended", entry.status)

    def latest(self) -> RefreshEntry | None:
        """The most recent history entry (`GET .../refreshes?$top=1`), or None for an empty history."""
        entries = self._history(1)
        return entries[0] if entries else None

    def find(self, request_id: str | None) -> RefreshEntry | None:
        """The history entry of `request_id`; the latest entry when no id is known.

        Reads `$top=1` first (the usual case: ours is the newest), then a longer page when a newer
        refresh (say a scheduled one) already heads the history.
        """
        latest = self.latest()
        if request_id is None or latest is None or _same_id(latest.request_id, request_id):
            return latest
        for entry in self._history(_HISTORY_LOOKBACK):
            if _same_id(entry.request_id, request_id):
                return entry
        return None  # Not listed yet: Power BI adds the entry shortly after the 202.

    def _start_or_join(self, body: dict[str, Any], *, conflict_wait_s: float) -> tuple[str | None, bool]:
        for attempt in range(_MAX_START_ATTEMPTS):
            if attempt:
                # A 409 whose refresh is not in the history yet: give the history time to list it.
                self._sleep(conflict_wait_s)
            running = self.latest()
            if running is not None and running.in_progress:
                self._log_join(running, "a refresh is already running")
                return running.request_id, True
            response = self._client.request("POST", self._path, json_body=body, passthrough=(409,))
            if response.status_code == 409:
                self._log.info(
                    "powerbi_refresh_conflict",
                    "Power BI answered 409 Conflict: a refresh started meanwhile; joining it",
                    status="Conflict",
                )
                continue
            request_id = response.headers.get("x-ms-request-id") or response.headers.get("RequestId")
            self._log.info(
                "powerbi_refresh_started",
                f"{self._subject(request_id)} accepted (HTTP {response.status_code})",
                request_id=request_id,
                location=response.headers.get("Location"),
                enhanced="notifyOption" not in body,
                status="Accepted",
            )
            return request_id, False
        raise TransientError(
            f"Power BI refresh of dataset {self.dataset_id} in workspace {self.workspace_id}: kept answering "
            f"409 Conflict but no running refresh appeared in the history after {_MAX_START_ATTEMPTS} tries"
        )

    def _wait(
        self, request_id: str | None, *, deadline: float, timeout_s: float, poll_interval_s: float
    ) -> tuple[RefreshEntry, int]:
        polls = 0
        last_status: str | None = None
        while True:
            entry = self.find(request_id)
            polls += 1
            status = entry.status if entry is not None else "NotListed"
            if status != last_status:
                self._log.info(
                    "powerbi_refresh_status",
                    f"{self._subject(request_id)} is {status}",
                    request_id=request_id,
                    status=status,
                )
                last_status = status
            if entry is not None and not entry.in_progress:
                return entry, polls
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise RefreshTimeoutError(
                    f"{self._subject(request_id)} still {status} after {format_duration(timeout_s)} "
                    "(--timeout); it keeps running in Power BI and a retry will wait for it",
                    status=status,
                )
            self._sleep(min(poll_interval_s, remaining))

    def _history(self, top: int) -> list[RefreshEntry]:
        what = f"Power BI GET {self._path}?$top={top}"
        response = self._client.request("GET", self._path, params={"$top": str(top)})
        payload = parse_json(response, what)
        values = payload.get("value") if isinstance(payload, dict) else None
        if not isinstance(values, list):
            raise TransientError(f"{what}: response has no 'value' list")
        return [RefreshEntry.from_json(item) for item in values if isinstance(item, dict)]

    def _log_join(self, entry: RefreshEntry, reason: str) -> None:
        self._log.info(
            "powerbi_refresh_joined",
            f"{reason}: waiting for {self._subject(entry.request_id)} "
            f"({entry.refresh_type or 'unknown type'}) instead of starting another",
            request_id=entry.request_id,
            refresh_type=entry.refresh_type,
            status=entry.status,
        )

    def _subject(self, request_id: str | None) -> str:
        rid = f" {request_id}" if request_id else ""
        return f"Power BI refresh{rid} of dataset {self.dataset_id} in workspace {self.workspace_id}"


def _same_id(left: str | None, right: str | None) -> bool:
    return bool(left and right and left.lower() == right.lower())
