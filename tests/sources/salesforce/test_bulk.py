"""Windows above `bulk_threshold_rows` go through Bulk API 2.0 query jobs and load the same rows as REST."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

import extract.sources.salesforce as salesforce_source
from tests.fakes.salesforce import FakeSalesforce
from tests.sources.salesforce.support import (
    DAY,
    read_report,
    run,
    seed_small_org,
    snapshot,
    table_exists,
    write_manifest,
)

TABLES = ("account", "contact", "opportunity")


def seed_varied(fake: FakeSalesforce) -> None:
    """Records with nulls, commas, quotes, newlines, exact decimals, ties and deletions."""
    ids = seed_small_org(fake)
    for n in range(12):
        account = fake.put(
            "Account", Name=f'Shop {n}, "the best"' if n % 3 == 0 else f"Shop {n}", Industry=None if n % 2 else "Retail",
            BillingStreet="1 Main St\nFloor 2" if n % 4 == 0 else None, NumberOfEmployees=n * 10 or None,
            AnnualRevenue=Decimal(n * 1000) if n % 2 else None, SystemModstamp=DAY + timedelta(hours=n % 5),
        )  # fmt: skip
        fake.put(
            "Opportunity", Name=f"Deal {n}", AccountId=account, StageName="Prospecting",
            Amount=Decimal(f"{n}0000000.0{n % 10}"), Probability=Decimal(n * 5), IsClosed=False, IsWon=False,
            TotalOpportunityQuantity=Decimal("2.50") if n % 2 else None,
            CloseDate=DAY.date() + timedelta(days=n), SystemModstamp=DAY + timedelta(hours=1),
        )  # fmt: skip
        if n % 4 == 1:
            fake.put("Contact", LastName=f"Buyer {n}", Email=f"customer{n}@example.com", AccountId=account,
                     HasOptedOutOfEmail=n % 8 == 1, Birthdate=None, SystemModstamp=DAY + timedelta(hours=2))  # fmt: skip
    fake.delete("Account", ids["globex"], DAY + timedelta(hours=20))


def test_bulk_path_loads_the_same_rows_as_rest(
    sf_env: FakeSalesforce, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    seed_varied(sf_env)
    rest_db, bulk_db = tmp_path / "rest.duckdb", tmp_path / "bulk.duckdb"
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(rest_db))
    assert run(write_manifest(tmp_path / "rest.yaml"), "2024-03-01", "2024-03-02") == 0
    assert sf_env.calls("bulk_create") == 0

    sf_env.bulk_polls = 2
    monkeypatch.setattr(salesforce_source, "BULK_MAX_RECORDS", 5)  # several Sforce-Locator sets per job
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(bulk_db))
    report = tmp_path / "report.json"
    manifest = write_manifest(tmp_path / "bulk.yaml", bulk_threshold_rows=1)
    assert run(manifest, "2024-03-01", "2024-03-02", report=report) == 0

    for table in TABLES:
        assert snapshot(bulk_db, table) == snapshot(rest_db, table)
    assert sf_env.calls("bulk_create") == len(TABLES)
    assert sf_env.calls("bulk_results") > len(TABLES)
    assert sf_env.jobs == {}  # finished jobs are deleted
    assert read_report(report)["extra"]["salesforce"]["bulk_jobs"] == len(TABLES)
    assert sleeps  # the job was polled until JobComplete


def test_failed_bulk_job_fails_the_run_without_loading(
    sf_env: FakeSalesforce, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_varied(sf_env)
    sf_env.inject("bulk_poll", 200, {"id": "x", "state": "Failed", "errorMessage": "Query timed out on the server"})
    code = run(write_manifest(tmp_path / "m.yaml", {"Account": {}}, bulk_threshold_rows=1), "2024-03-01", "2024-03-02")

    assert code == 1
    assert "Query timed out on the server" in capsys.readouterr().err
    assert not table_exists(db, "raw_salesforce", "account")
