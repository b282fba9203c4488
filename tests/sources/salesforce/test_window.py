"""The window contract through the CLI: boundaries, exact types, ties across pages, soft deletes, reruns, chunks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from extract.sources.salesforce.soql import soql_datetime
from tests.fakes.salesforce import FakeSalesforce
from tests.sources.salesforce.support import (
    DAY,
    read_report,
    rows,
    run,
    seed_small_org,
    snapshot,
    table_exists,
    write_manifest,
)


def in_window(fake: FakeSalesforce, sobject: str, since: datetime, until: datetime) -> set[str]:
    """Ids of the fake's records (deleted ones included) whose SystemModstamp lies in [since, until)."""
    return {i for i, r in fake.records[sobject].items() if since <= r["SystemModstamp"] < until}


def test_boundaries_and_exact_types(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    ids = seed_small_org(sf_env)
    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02") == 0

    accounts = {r[0] for r in rows(db, "SELECT id FROM raw_salesforce.account")}
    assert accounts == in_window(sf_env, "Account", DAY, DAY + timedelta(days=1))
    assert ids["acme"] in accounts  # exactly at since: loaded
    assert ids["initech"] not in accounts  # exactly at until: not loaded

    [(amount, probability, close_date, is_closed, stamp, stage)] = rows(
        db,
        "SELECT amount, probability, close_date, is_closed, system_modstamp, stage_name FROM raw_salesforce.opportunity",
    )
    deal = sf_env.records["Opportunity"][ids["deal"]]
    assert amount == deal["Amount"]  # 16 integer digits: a float would round it
    assert isinstance(amount, Decimal)
    assert probability == deal["Probability"]
    assert close_date == deal["CloseDate"]
    assert isinstance(close_date, date)
    assert is_closed is False
    assert stamp == deal["SystemModstamp"]
    assert stamp.utcoffset() == timedelta(0)
    assert stage == deal["StageName"]
    types = dict(rows(db, "SELECT column_name, data_type FROM information_schema.columns "
                          "WHERE table_schema = 'raw_salesforce' AND table_name = 'opportunity'"))  # fmt: skip
    assert types["amount"] == "DECIMAL(18,2)"
    assert types["system_modstamp"] == "TIMESTAMP WITH TIME ZONE"
    assert types["is_deleted"] == "BOOLEAN"


def test_compound_fields_are_left_out(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    seed_small_org(sf_env)
    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02") == 0

    def columns(table: str) -> set[str]:
        return {r[0] for r in rows(db, "SELECT column_name FROM information_schema.columns "
                                       f"WHERE table_schema = 'raw_salesforce' AND table_name = '{table}'")}  # fmt: skip

    assert {"billing_city", "billing_street", "billing_latitude"} <= columns("account")
    assert "billing_address" not in columns("account")
    contact = columns("contact")
    assert {"first_name", "last_name", "email", "account_id"} <= contact
    assert "name" not in contact  # parent of FirstName/LastName
    assert "mailing_address" not in contact
    assert rows(db, "SELECT billing_city FROM raw_salesforce.account WHERE name = 'Acme'") == [("Paris",)]


def test_ties_on_systemmodstamp_across_pages(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    sf_env.page_size = 4
    tie = DAY + timedelta(hours=12)
    for n in range(11):
        sf_env.put("Account", Name=f"Tied {n}", SystemModstamp=tie)
    for n in range(3):
        sf_env.put("Account", Name=f"Other {n}", SystemModstamp=tie + timedelta(milliseconds=n - 1))

    assert run(write_manifest(tmp_path / "m.yaml", {"Account": {}}), "2024-03-01", "2024-03-02") == 0

    loaded = rows(db, "SELECT id FROM raw_salesforce.account")
    assert len(loaded) == len({r[0] for r in loaded})  # no duplicates
    assert {r[0] for r in loaded} == in_window(sf_env, "Account", DAY, DAY + timedelta(days=1))
    assert sf_env.calls("query_more") >= 3  # the ties really spanned nextRecordsUrl pages


def test_deleted_records_arrive_as_soft_deletes(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    ids = seed_small_org(sf_env)
    manifest = write_manifest(tmp_path / "m.yaml")
    assert run(manifest, "2024-03-01", "2024-03-02") == 0
    deleted_at = DAY + timedelta(days=1, hours=10)
    sf_env.delete("Contact", ids["ada"], deleted_at)

    assert run(manifest, "2024-03-02", "2024-03-03") == 0

    assert rows(db, f"SELECT is_deleted, system_modstamp FROM raw_salesforce.contact WHERE id = '{ids['ada']}'") == [
        (True, deleted_at)
    ]


def test_update_into_later_window_ends_up_once_with_latest_values(
    sf_env: FakeSalesforce, db: Path, tmp_path: Path
) -> None:
    ids = seed_small_org(sf_env)
    manifest = write_manifest(tmp_path / "m.yaml")
    assert run(manifest, "2024-03-01", "2024-03-02") == 0
    sf_env.update("Opportunity", ids["deal"], DAY + timedelta(days=1, hours=2), StageName="Closed Won", IsWon=True)

    assert run(manifest, "2024-03-02", "2024-03-03") == 0

    assert rows(db, f"SELECT stage_name, is_won FROM raw_salesforce.opportunity WHERE id = '{ids['deal']}'") == [
        ("Closed Won", True)
    ]


def test_rerun_of_a_window_leaves_the_destination_identical(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    seed_small_org(sf_env)
    manifest = write_manifest(tmp_path / "m.yaml")
    assert run(manifest, "2024-03-01", "2024-03-03") == 0
    first = {t: snapshot(db, t) for t in ("account", "contact", "opportunity")}

    assert run(manifest, "2024-03-01", "2024-03-03") == 0

    assert {t: snapshot(db, t) for t in first} == first


def test_chunked_run_equals_one_big_window(
    sf_env: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_small_org(sf_env)
    for hour in range(0, 72, 7):
        sf_env.put("Account", Name=f"Hourly {hour}", SystemModstamp=DAY + timedelta(hours=hour))
    manifest = write_manifest(tmp_path / "m.yaml")
    whole, chunked = tmp_path / "whole.duckdb", tmp_path / "chunked.duckdb"
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(whole))
    assert run(manifest, "2024-03-01", "2024-03-04") == 0
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(chunked))
    assert run(manifest, "2024-03-01", "2024-03-04", "--chunk", "1d") == 0

    for table in ("account", "contact", "opportunity"):
        assert snapshot(chunked, table) == snapshot(whole, table)


def test_dry_run_counts_and_loads_nothing(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    seed_small_org(sf_env)
    report = tmp_path / "report.json"
    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02", "--dry-run", report=report) == 0

    assert not table_exists(db, "raw_salesforce", "account")
    content = read_report(report)
    assert content["status"] == "dry-run"
    for name in ("Account", "Contact", "Opportunity"):
        assert content["tables"][name]["rows_in_source"] == len(in_window(sf_env, name, DAY, DAY + timedelta(days=1)))


def test_report_shows_rows_and_api_calls(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    seed_small_org(sf_env)
    report = tmp_path / "report.json"
    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02", report=report) == 0

    content = read_report(report)
    assert content["status"] == "success"
    for name in ("Account", "Contact", "Opportunity"):
        assert content["tables"][name]["rows_loaded"] == len(in_window(sf_env, name, DAY, DAY + timedelta(days=1)))
    extra = content["extra"]["salesforce"]
    assert extra["api_calls"] == len(sf_env.requests)
    assert extra["auth_flow"] == "password"
    assert extra["daily_api_requests"]["max"] == sf_env.daily_max
    assert extra["bulk_jobs"] == 0


@pytest.mark.parametrize(
    ("instant", "literal"),
    [
        (datetime(2024, 3, 1, tzinfo=UTC), "2024-03-01T00:00:00Z"),
        (datetime(2024, 3, 1, 0, 0, 0, 1000, tzinfo=UTC), "2024-03-01T00:00:00.001Z"),
        (datetime(2024, 3, 1, 0, 0, 0, 1, tzinfo=UTC), "2024-03-01T00:00:00.001Z"),
        (datetime(2024, 3, 1, 23, 59, 59, 999_500, tzinfo=UTC), "2024-03-02T00:00:00Z"),
    ],
)
def test_window_bounds_round_up_to_salesforce_milliseconds(instant: datetime, literal: str) -> None:
    assert soql_datetime(instant) == literal
