"""Window parsing and chunk splitting, including property-based checks."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from extract.errors import UsageError
from extract.window import Window, format_instant, parse_duration, parse_instant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("2024-03-01T10:30:00", datetime(2024, 3, 1, 10, 30, tzinfo=UTC)),
        ("2024-03-01T10:30:00Z", datetime(2024, 3, 1, 10, 30, tzinfo=UTC)),
        ("2024-03-01T12:30:00+02:00", datetime(2024, 3, 1, 10, 30, tzinfo=UTC)),
        ("2024-03-01T00:00:00-05:00", datetime(2024, 3, 1, 5, 0, tzinfo=UTC)),
        ("2024-03-01 10:30:00.123456+00:00", datetime(2024, 3, 1, 10, 30, 0, 123456, tzinfo=UTC)),
    ],
)
def test_parse_instant_converts_to_utc_and_reads_naive_as_utc(text, expected):
    parsed = parse_instant(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2024-02-30", "", "03/01/2024"])
def test_parse_instant_rejects_non_iso_values(text):
    with pytest.raises(UsageError, match="is not an ISO 8601 date or datetime"):
        parse_instant(text, option="--since")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1d", timedelta(days=1)), ("6h", timedelta(hours=6)), ("90m", timedelta(minutes=90)), ("2w", timedelta(weeks=2)),
     ("30s", timedelta(seconds=30)), ("P1D", timedelta(days=1)), ("PT6H", timedelta(hours=6)),
     ("P1DT12H", timedelta(days=1, hours=12))],
)  # fmt: skip
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["0d", "P", "PT", "1y", "-1d", "day"])
def test_parse_duration_rejects_bad_values(text):
    with pytest.raises(UsageError):
        parse_duration(text)


def test_empty_or_inverted_window_is_a_usage_error():
    with pytest.raises(UsageError, match="empty window"):
        Window.parse("2024-03-02", "2024-03-02")
    with pytest.raises(UsageError, match="must be before"):
        Window.parse("2024-03-02", "2024-03-01")


def test_until_defaults_to_the_given_now():
    now = datetime(2024, 3, 5, 12, tzinfo=UTC)
    assert Window.parse("2024-03-01", None, now=now) == Window(datetime(2024, 3, 1, tzinfo=UTC), now)


def test_window_rejects_naive_or_non_utc_instants():
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        Window(datetime(2024, 3, 1), datetime(2024, 3, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        Window(datetime(2024, 3, 1, tzinfo=timezone(timedelta(hours=1))), datetime(2024, 3, 2, tzinfo=UTC))


def test_split_makes_consecutive_chunks_with_a_short_last_one():
    window = Window.parse("2024-03-01T00:00:00Z", "2024-03-03T12:00:00Z")
    chunks = window.split(timedelta(days=1))
    assert [str(c) for c in chunks] == [
        "[2024-03-01T00:00:00Z, 2024-03-02T00:00:00Z)",
        "[2024-03-02T00:00:00Z, 2024-03-03T00:00:00Z)",
        "[2024-03-03T00:00:00Z, 2024-03-03T12:00:00Z)",
    ]


instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(since=instants, length=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400)),
       chunk=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=40)))  # fmt: skip
@settings(deadline=None)
def test_chunks_tile_the_window_exactly(since, length, chunk):
    assume(length / chunk < 2000)
    window = Window(since, since + length)
    chunks = window.split(chunk)
    assert chunks[0].since == window.since
    assert chunks[-1].until == window.until
    for left, right in itertools.pairwise(chunks):
        assert left.until == right.since  # no gap, no overlap
    assert all(c.duration <= chunk for c in chunks)
    assert sum((c.duration for c in chunks), timedelta(0)) == window.duration


@given(instant=instants, offset=offsets)
def test_an_offset_instant_and_its_utc_form_parse_to_the_same_window_bound(instant, offset):
    shifted = instant.astimezone(offset)  # e.g. a DST-shifted local rendering of the same instant
    assert parse_instant(shifted.isoformat()) == instant
    assert parse_instant(format_instant(instant)) == instant
