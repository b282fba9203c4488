"""The run's load window: half-open UTC `[since, until)`, from `params` or from the data interval.

Every pod of a run gets the same window through the `elt_window` template macro, so the extractors and
dbt cannot disagree. The window comes from:

1. `params.since` and `params.until`, when a manual run sets both (a params-driven backfill); or
2. the run's data interval (`CronDataIntervalTimetable`: a scheduled run loads the interval that just
   ended; on Airflow 2 a manual run gets the last complete interval).

Anything else fails the run before a pod starts, without retrying: only one of the two params, a naive or
non-UTC instant, `since >= until`, or no data interval at all (an Airflow 3 manual trigger without a
logical date). An empty or zero-length window never reaches a pod.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


class WindowError(ValueError):
    """The run has no usable window; the message says how to trigger it correctly."""


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval `[since, until)`.

    Attributes:
        since_dt: Inclusive start, timezone-aware UTC.
        until_dt: Exclusive end, timezone-aware UTC, after `since_dt`.
        origin: `params` or `data_interval`: where the window came from (logged, shown in XCom).
    """

    since_dt: datetime
    until_dt: datetime
    origin: str

    @property
    def since(self) -> str:
        """`since` as ISO-8601 with an explicit `+00:00`, the same text as Airflow's `ts` filter."""
        return self.since_dt.isoformat()

    @property
    def until(self) -> str:
        """`until` as ISO-8601 with an explicit `+00:00`, the same text as Airflow's `ts` filter."""
        return self.until_dt.isoformat()

    def dbt_vars(self, **extra: Any) -> str:
        """The `--vars` argument of dbt: JSON (a subset of YAML), so dbt reads the instants as strings."""
        return json.dumps({"since": self.since, "until": self.until, **extra}, sort_keys=True)

    def as_dict(self) -> dict[str, str]:
        """A JSON-friendly view for XCom and log lines."""
        return {"since": self.since, "until": self.until, "origin": self.origin}


def resolve_window(
    params: Mapping[str, Any] | None,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
) -> Window:
    """Pick and validate the run's window.

    Args:
        params: The run's params; `since` and `until` (ISO-8601 UTC) override the data interval together.
        data_interval_start: The run's data interval start, or None when the run has none.
        data_interval_end: The run's data interval end, or None when the run has none.

    Returns:
        The validated window.

    Raises:
        WindowError: One line saying what is wrong and how to trigger the run instead.
    """
    since_param = (params or {}).get("since") or None
    until_param = (params or {}).get("until") or None
    if since_param is not None or until_param is not None:
        if since_param is None or until_param is None:
            raise WindowError(
                f"params since and until must be given together (got since={since_param!r}, until={until_param!r})"
            )
        window = Window(_parse_utc(since_param, "since"), _parse_utc(until_param, "until"), "params")
    else:
        if data_interval_start is None or data_interval_end is None:
            raise WindowError(
                "this run has no data interval (a manual trigger without a logical date): trigger it with "
                'params {"since": "2024-03-01T00:00:00Z", "until": "2024-03-02T00:00:00Z"} or with a logical date'
            )
        window = Window(
            _require_utc(data_interval_start, "data_interval_start"),
            _require_utc(data_interval_end, "data_interval_end"),
            "data_interval",
        )
    if window.since_dt >= window.until_dt:
        raise WindowError(f"empty window from {window.origin}: since {window.since} is not before until {window.until}")
    return window


def _parse_utc(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        return _require_utc(value, name)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        raise WindowError(f"params {name}: expected an ISO-8601 UTC instant, got {value!r}")
    text = value.strip()
    try:
        if len(text) == 10:  # a bare date means midnight UTC of that day
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise WindowError(f"params {name}: {value!r} is not ISO-8601, e.g. 2024-03-01T00:00:00Z or 2024-03-01") from exc
    return _require_utc(parsed, f"params {name}")


def _require_utc(value: datetime, name: str) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise WindowError(f"{name}: {value.isoformat()} has no timezone; give it in UTC, e.g. with a Z suffix")
    if offset.total_seconds() != 0:
        raise WindowError(f"{name}: {value.isoformat()} is not UTC; convert it and use a Z or +00:00 suffix")
    # Normalise pendulum and fixed-offset datetimes to one type so every pod renders the same text.
    return datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, tzinfo=UTC
    )
