"""The SOQL this source sends: one window on the cursor field, as REST query, count and Bulk job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from extract.window import Window


def soql_datetime(instant: datetime) -> str:
    """A SOQL datetime literal in UTC.

    Salesforce stores datetimes to the millisecond, so a bound with finer digits is rounded up to the
    next millisecond: `>= since` and `< until` then select exactly the same stored values.
    """
    value = instant.astimezone(UTC)
    if value.microsecond % 1000:
        value += timedelta(microseconds=1000 - value.microsecond % 1000)
    if value.microsecond == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def window_condition(cursor: str, window: Window) -> str:
    """`Cursor >= since AND Cursor < until` (half-open)."""
    return f"{cursor} >= {soql_datetime(window.since)} AND {cursor} < {soql_datetime(window.until)}"


def select_window(sobject: str, fields: list[str], cursor: str, window: Window, *, ordered: bool = True) -> str:
    """The window's SELECT, ordered by `(cursor, Id)` for REST (Bulk jobs read unordered)."""
    soql = f"SELECT {', '.join(fields)} FROM {sobject} WHERE {window_condition(cursor, window)}"
    return f"{soql} ORDER BY {cursor}, Id" if ordered else soql


def count_window(sobject: str, cursor: str, window: Window) -> str:
    """`SELECT COUNT() ...` for the window; its `totalSize` is the row count."""
    return f"SELECT COUNT() FROM {sobject} WHERE {window_condition(cursor, window)}"
