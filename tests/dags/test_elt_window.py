"""The window resolver: params override the data interval; nothing empty, naive or non-UTC gets through."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.dags.render import SINCE, UNTIL, get_dag

get_dag()  # dags/ on sys.path, as in Composer
from elt.window import WindowError, resolve_window  # noqa: E402

instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def test_data_interval_is_the_window_when_no_params() -> None:
    window = resolve_window({"since": None, "until": None}, pendulum.instance(SINCE), pendulum.instance(UNTIL))
    assert (window.since_dt, window.until_dt, window.origin) == (SINCE, UNTIL, "data_interval")
    # The same text as Airflow's `ts` filter (isoformat), which the templates would produce.
    assert window.since == pendulum.instance(SINCE).isoformat()
    assert window.until == pendulum.instance(UNTIL).isoformat()


@given(since=instants, length=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=400)))
def test_params_override_the_data_interval_and_round_trip(since: datetime, length: timedelta) -> None:
    until = since + length
    params = {"since": since.isoformat().replace("+00:00", "Z"), "until": until.isoformat()}
    window = resolve_window(params, pendulum.instance(SINCE), pendulum.instance(UNTIL))
    assert (window.since_dt, window.until_dt, window.origin) == (since, until, "params")
    assert datetime.fromisoformat(window.since) == since


def test_a_bare_date_param_means_midnight_utc() -> None:
    window = resolve_window({"since": "2024-02-01", "until": "2024-02-08"}, None, None)
    assert window.since_dt == datetime(2024, 2, 1, tzinfo=UTC)
    assert window.until_dt == datetime(2024, 2, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "start", "end", "message"),
    [
        ({}, None, None, "no data interval"),
        ({"since": None, "until": None}, None, None, "no data interval"),
        ({}, SINCE, SINCE, "empty window"),
        ({}, UNTIL, SINCE, "empty window"),
        ({"since": "2024-03-01T00:00:00Z"}, SINCE, UNTIL, "together"),
        ({"until": "2024-03-01T00:00:00Z"}, SINCE, UNTIL, "together"),
        ({"since": "2024-03-02T00:00:00Z", "until": "2024-03-02T00:00:00Z"}, None, None, "empty window"),
        ({"since": "2024-03-01T00:00:00", "until": "2024-03-02T00:00:00Z"}, None, None, "no timezone"),
        ({"since": "2024-03-01T00:00:00+01:00", "until": "2024-03-02T00:00:00Z"}, None, None, "not UTC"),
        ({"since": "yesterday", "until": "2024-03-02T00:00:00Z"}, None, None, "not ISO-8601"),
        ({"since": 20240301, "until": "2024-03-02T00:00:00Z"}, None, None, "expected an ISO-8601"),
    ],
)
def test_unusable_windows_fail_with_one_line(params, start, end, message) -> None:
    with pytest.raises(WindowError) as excinfo:
        resolve_window(params, start, end)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


def test_a_non_utc_data_interval_is_refused() -> None:
    cet = timezone(timedelta(hours=1))
    with pytest.raises(WindowError, match="not UTC"):
        resolve_window({}, SINCE.astimezone(cet), UNTIL.astimezone(cet))


def test_dbt_vars_is_json_with_string_instants() -> None:
    window = resolve_window({}, SINCE, UNTIL)
    parsed = json.loads(window.dbt_vars(enabled_sources=["mysql"]))
    assert parsed == {"since": window.since, "until": window.until, "enabled_sources": ["mysql"]}
