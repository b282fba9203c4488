"""The window contract for HubSpot: boundaries, ties across pages, reruns, updates, chunks, dry-run, report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.hubspot import FakeHubSpot, epoch_ms
from tests.sources.hubspot.support import query, run, table_exists, write_manifest

DAY = datetime(2024, 3, 1, tzinfo=UTC)
SINCE, UNTIL = "2024-03-01", "2024-03-02"


def contact(i: int) -> dict[str, str]:
    return {"email": f"user{i}@example.com", "firstname": f"First{i}", "lastname": "Last", "lifecyclestage": "lead"}


def test_boundaries_since_included_until_excluded(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    at_since = fake.add("contacts", DAY, contact(1))
    last_ms = fake.add("contacts", DAY + timedelta(days=1) - timedelta(milliseconds=1), contact(2))
    at_until = fake.add("contacts", DAY + timedelta(days=1), contact(3))
    before = fake.add("contacts", DAY - timedelta(milliseconds=1), contact(4))

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml"), SINCE, UNTIL)

    assert result.code == 0, result.output
    loaded = {row[0] for row in query(hubspot_env, "SELECT id FROM raw_hubspot.contacts")}
    assert loaded == {str(at_since), str(last_ms)}
    assert str(at_until) not in loaded
    assert str(before) not in loaded


def test_window_bounds_with_microseconds_keep_the_half_open_rule(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # HubSpot stores milliseconds: a record at .000 is before a window starting at .000500, one at .001 is in it.
    early = fake.add("contacts", DAY, contact(1))
    inside = fake.add("contacts", DAY + timedelta(milliseconds=1), contact(2))

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml"), "2024-03-01T00:00:00.000500Z", UNTIL)

    assert result.code == 0, result.output
    loaded = {row[0] for row in query(hubspot_env, "SELECT id FROM raw_hubspot.contacts")}
    assert loaded == {str(inside)}
    assert str(early) not in loaded


def test_ties_on_the_cursor_across_pages_are_all_loaded_once(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tie = DAY + timedelta(hours=5)
    ids = fake.add_many("contacts", [(tie, contact(i), None, None) for i in range(23)])
    ids += fake.add_many("contacts", [(tie + timedelta(milliseconds=i), contact(i), None, None) for i in range(5)])

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=4), SINCE, UNTIL)

    assert result.code == 0, result.output
    loaded = [row[0] for row in query(hubspot_env, "SELECT id FROM raw_hubspot.contacts")]
    assert sorted(loaded) == sorted(str(i) for i in ids)
    assert fake.calls("search") >= len(ids) // 4  # it really paged, 4 per page


def test_rerun_leaves_the_destination_identical(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_many("contacts", [(DAY + timedelta(minutes=i), contact(i), None, None) for i in range(30)])
    manifest = write_manifest(tmp_path / "m.yaml", page_size=7)
    columns = "id, email, firstname, lastname, lifecyclestage, createdate, lastmodifieddate, archived, archived_at"

    first = run(tmp_path, capsys, manifest, SINCE, UNTIL)
    before = query(hubspot_env, f"SELECT {columns} FROM raw_hubspot.contacts ORDER BY id")
    second = run(tmp_path, capsys, manifest, SINCE, UNTIL)
    after = query(hubspot_env, f"SELECT {columns} FROM raw_hubspot.contacts ORDER BY id")

    assert (first.code, second.code) == (0, 0)
    assert before == after
    assert len(after) == 30


def test_update_into_a_later_window_ends_up_once_with_latest_values(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = fake.add("contacts", DAY + timedelta(hours=1), contact(1))
    manifest = write_manifest(tmp_path / "m.yaml")
    assert run(tmp_path, capsys, manifest, SINCE, UNTIL).code == 0

    later = DAY + timedelta(days=1, hours=3)
    fake.update("contacts", record, later, lifecyclestage="customer")
    assert run(tmp_path, capsys, manifest, "2024-03-02", "2024-03-03").code == 0
    # Replaying the first window finds nothing for the record any more and must not resurrect the old version.
    assert run(tmp_path, capsys, manifest, SINCE, UNTIL).code == 0

    rows = query(hubspot_env, "SELECT id, lifecyclestage, lastmodifieddate FROM raw_hubspot.contacts")
    assert rows == [(str(record), "customer", later)]


def test_chunked_run_equals_one_big_window(
    fake: FakeHubSpot, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", fake.token)
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", fake.base_url)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    fake.add_many("contacts", [(DAY + timedelta(minutes=47 * i), contact(i), None, None) for i in range(60)])
    fake.add("contacts", DAY + timedelta(hours=12), contact(99))  # exactly on a chunk boundary
    manifest = write_manifest(tmp_path / "m.yaml", page_size=5)
    columns = "id, email, lastmodifieddate, archived"
    results = {}
    for name, extra in {"whole": (), "chunked": ("--chunk", "12h")}.items():
        path = tmp_path / f"{name}.duckdb"
        monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(path))
        assert run(tmp_path, capsys, manifest, SINCE, "2024-03-03", *extra).code == 0
        results[name] = query(path, f"SELECT {columns} FROM raw_hubspot.contacts ORDER BY id")
    assert results["whole"] == results["chunked"]
    assert len(results["whole"]) == 61


def test_dry_run_counts_and_loads_nothing(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_many("contacts", [(DAY + timedelta(minutes=i), contact(i), None, None) for i in range(12)])
    archived = fake.add("contacts", DAY - timedelta(days=3), contact(50))
    fake.archive("contacts", archived, DAY + timedelta(hours=2))

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml"), SINCE, UNTIL, "--dry-run")

    assert result.code == 0, result.output
    assert result.report["status"] == "dry-run"
    assert result.report["tables"]["contacts"]["rows_in_source"] == 13
    assert "lastmodifieddate GTE " + str(epoch_ms(DAY)) in result.output
    assert not table_exists(hubspot_env, "raw_hubspot", "contacts")


def test_report_shows_calls_spent_and_rate_limit_headroom(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_many("contacts", [(DAY + timedelta(minutes=i), contact(i), None, None) for i in range(10)])
    fake.requests.clear()

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=3), SINCE, UNTIL)

    assert result.code == 0, result.output
    figures = result.report["extra"]["hubspot"]
    assert figures["api_calls"] == len(fake.requests)
    assert figures["calls_by_endpoint"]["search"] == fake.calls("search")
    assert figures["rate_limit_last"]["daily_limit"] == fake.daily_limit
    assert figures["rate_limit_lowest_remaining"]["daily_remaining"] == fake.daily_limit - fake.daily_used
    assert result.report["tables"]["contacts"]["rows_loaded"] == 10
