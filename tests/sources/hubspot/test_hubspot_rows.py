"""Row shape and types (the raw_hubspot contract) and archived records as soft deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.hubspot import FakeHubSpot
from tests.sources.hubspot.support import (
    COMPANY_PROPERTIES,
    CONTACT_PROPERTIES,
    DEAL_PROPERTIES,
    query,
    run,
    write_manifest,
)

DAY = datetime(2024, 3, 1, tzinfo=UTC)
SINCE, UNTIL = "2024-03-01", "2024-03-02"
OBJECTS = {
    "contacts": {"properties": CONTACT_PROPERTIES},
    "companies": {"properties": COMPANY_PROPERTIES},
    "deals": {"properties": DEAL_PROPERTIES},
}


def columns(warehouse: Path, table: str) -> dict[str, str]:
    rows = query(
        warehouse,
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = 'raw_hubspot' AND table_name = '{table}'",
    )
    return dict(rows)


def test_columns_and_types_match_the_raw_contract(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add("contacts", DAY + timedelta(hours=1), {"email": "a@example.com", "lifecyclestage": "lead"})
    fake.add("companies", DAY + timedelta(hours=1), {"name": "Acme", "domain": "acme.example"})
    deal = fake.add(
        "deals",
        DAY + timedelta(hours=2, milliseconds=7),
        {"dealname": "Big", "amount": "987654321012.123456789", "dealstage": "closedwon",
         "pipeline": "default", "closedate": "2024-03-05T10:30:00.000Z"},
        created=DAY - timedelta(days=10),
    )  # fmt: skip

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", OBJECTS), SINCE, UNTIL)

    assert result.code == 0, result.output
    stamp, boolean = "TIMESTAMP WITH TIME ZONE", "BOOLEAN"
    contract = {
        "contacts": {"id": "VARCHAR", "email": "VARCHAR", "firstname": "VARCHAR", "lastname": "VARCHAR",
                     "lifecyclestage": "VARCHAR", "createdate": stamp, "lastmodifieddate": stamp},
        "companies": {"id": "VARCHAR", "name": "VARCHAR", "domain": "VARCHAR", "createdate": stamp,
                      "hs_lastmodifieddate": stamp},
        "deals": {"id": "VARCHAR", "dealname": "VARCHAR", "amount": "DECIMAL(38,9)", "dealstage": "VARCHAR",
                  "pipeline": "VARCHAR", "closedate": stamp, "createdate": stamp, "hs_lastmodifieddate": stamp},
    }  # fmt: skip
    for table, expected in contract.items():
        actual = columns(hubspot_env, table)
        expected = {**expected, "archived": boolean, "archived_at": stamp, "created_at": stamp, "updated_at": stamp}
        assert {k: actual.get(k) for k in expected} == expected, table
    row = query(
        hubspot_env,
        f"SELECT amount, closedate, createdate, hs_lastmodifieddate FROM raw_hubspot.deals WHERE id = '{deal}'",
    )
    assert row == [(
        Decimal("987654321012.123456789"),
        datetime(2024, 3, 5, 10, 30, tzinfo=UTC),
        DAY - timedelta(days=10),
        DAY + timedelta(hours=2, milliseconds=7),
    )]  # fmt: skip


def test_a_number_that_does_not_fit_is_nulled_and_counted(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add("deals", DAY + timedelta(hours=1), {"dealname": "Tiny", "amount": "0.0000000001"})
    manifest = write_manifest(tmp_path / "m.yaml", {"deals": {"properties": DEAL_PROPERTIES}})

    result = run(tmp_path, capsys, manifest, SINCE, UNTIL)

    assert result.code == 0, result.output
    assert query(hubspot_env, "SELECT amount FROM raw_hubspot.deals") == [(None,)]
    assert result.report["tables"]["deals"]["anomalies"] == {"out_of_range_number:amount": 1}


def test_archived_records_become_soft_deletes_in_the_window_of_their_archival(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = fake.add("contacts", DAY + timedelta(hours=1), {"email": "kept@example.com"})
    doomed = fake.add("contacts", DAY + timedelta(hours=2), {"email": "doomed@example.com"})
    old = fake.add("contacts", DAY - timedelta(days=30), {"email": "old@example.com"})
    fake.archive("contacts", old, DAY - timedelta(days=20))  # archived before the window: not loaded
    manifest = write_manifest(tmp_path / "m.yaml")
    assert run(tmp_path, capsys, manifest, SINCE, UNTIL).code == 0

    archived_at = DAY + timedelta(days=1, hours=4, milliseconds=250)
    fake.archive("contacts", doomed, archived_at)
    second = run(tmp_path, capsys, manifest, "2024-03-02", "2024-03-03")

    assert second.code == 0, second.output
    rows = query(
        hubspot_env,
        "SELECT id, email, archived, archived_at, lastmodifieddate FROM raw_hubspot.contacts ORDER BY id",
    )
    # Contacts' cursor is lastmodifieddate; an archived record's cursor is its archival time, so the
    # record lands in the window where it was archived.
    assert rows == [
        (str(kept), "kept@example.com", False, None, DAY + timedelta(hours=1)),
        (str(doomed), "doomed@example.com", True, archived_at, archived_at),
    ]
    assert second.report["tables"]["contacts"]["rows_loaded"] == 1


def test_include_archived_false_skips_the_archived_list(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = fake.add("contacts", DAY - timedelta(days=2), {"email": "gone@example.com"})
    fake.archive("contacts", gone, DAY + timedelta(hours=3))
    manifest = write_manifest(
        tmp_path / "m.yaml", {"contacts": {"properties": CONTACT_PROPERTIES, "include_archived": False}}
    )

    result = run(tmp_path, capsys, manifest, SINCE, UNTIL)

    assert result.code == 0, result.output
    assert fake.calls("list") == 0
    assert result.report["tables"]["contacts"]["rows_loaded"] == 0
