"""The half-open UTC window `[since, until)` shared by the CLI, the DAG contract and every source.

Parsing rules (the CLI's `--since`/`--until`):
- an ISO 8601 date (`2024-03-01`) is midnight UTC of that day;
- an ISO 8601 datetime with an offset (`2024-03-01T02:00:00+02:00`, `...Z`) is converted to UTC;
- an ISO 8601 datetime without an offset is taken as UTC.

Durations (`--chunk`) are `<int><unit>` with unit `s`, `m`, `h`, `d` or `w` (`90m`, `6h`, `1d`), or an
ISO 8601 duration of days and time (`P1D`, `PT6H`, `P1DT12H`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from extract.errors import UsageError

_SHORT_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$",
    re.IGNORECASE,
)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_instant(text: str, *, option: str = "instant") -> datetime:
    """Parse an ISO 8601 date or datetime into an aware UTC datetime.

    Args:
        text: The value as typed by the user or rendered by Airflow.
        option: The option name, used in the error message.

    Returns:
        The instant in UTC.

    Raises:
        UsageError: When the value is not an ISO 8601 date or datetime.
    """
    value = text.strip()
    try:
        if len(value) == 10 and value[4] == "-":
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except (ValueError, IndexError):
        raise UsageError(
            f"{option} {text!r} is not an ISO 8601 date or datetime (e.g. 2024-03-01 or 2024-03-01T00:00:00Z)"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_duration(text: str) -> timedelta:
    """Parse a chunk duration such as `1d`, `6h`, `90m` or `P1DT12H`.

    Raises:
        UsageError: When the value is not a positive duration.
    """
    short = _SHORT_DURATION.match(text)
    if short:
        duration = timedelta(**{_UNITS[short.group(2).lower()]: int(short.group(1))})
    else:
        iso = _ISO_DURATION.match(text.strip())
        if not iso or not any(iso.groupdict().values()):
            raise UsageError(f"--chunk {text!r} is not a duration (use e.g. 1d, 6h, 90m or P1D)")
        duration = timedelta(**{k: int(v) for k, v in iso.groupdict().items() if v})
    if duration <= timedelta(0):
        raise UsageError(f"--chunk {text!r} must be a positive duration")
    return duration


def format_instant(value: datetime) -> str:
    """Format an instant as ISO 8601 UTC with a `Z` suffix, dropping zero microseconds."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


@dataclass(frozen=True, order=True)
class Window:
    """A half-open interval `[since, until)` of UTC instants.

    Args:
        since: First instant included.
        until: First instant excluded.
    """

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() != timedelta(0):
                raise ValueError(f"Window.{name} must be timezone-aware UTC, got {value!r}")
        if self.since >= self.until:
            raise UsageError(
                f"empty window: --since {format_instant(self.since)} "
                f"must be before --until {format_instant(self.until)}"
            )

    @classmethod
    def parse(cls, since: str, until: str | None, *, now: datetime | None = None) -> Window:
        """Build a window from CLI text; `until` defaults to `now` (which the caller passes explicitly)."""
        start = parse_instant(since, option="--since")
        if until is None:
            if now is None:
                raise UsageError("--until is required when no current time is given")
            end = now.astimezone(UTC)
        else:
            end = parse_instant(until, option="--until")
        return cls(start, end)

    @property
    def duration(self) -> timedelta:
        """Length of the window."""
        return self.until - self.since

    def contains(self, instant: datetime) -> bool:
        """Whether `instant` lies in `[since, until)`."""
        return self.since <= instant < self.until

    def split(self, chunk: timedelta | None) -> list[Window]:
        """Split into consecutive sub-windows of `chunk` (the last one may be shorter).

        The sub-windows tile the window exactly: no gap, no overlap.
        """
        if chunk is None:
            return [self]
        return list(self._iter_chunks(chunk))

    def _iter_chunks(self, chunk: timedelta) -> Iterator[Window]:
        start = self.since
        while start < self.until:
            end = min(start + chunk, self.until)
            yield Window(start, end)
            start = end

    def __str__(self) -> str:
        return f"[{format_instant(self.since)}, {format_instant(self.until)})"
