"""The demo org seeds realistic data that the extractor loads whole, with contacts matching shop customers."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.salesforce_seed import OrgSize, demo_environment, seed_salesforce
from demo.seed_shop import customer_email
from tests.fakes.salesforce import FakeSalesforce
from tests.sources.salesforce.support import rows, run, write_manifest


def test_demo_org_loads_whole_with_soft_deletes(
    tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    with FakeSalesforce(workdir=tmp_path, username="demo@example.com", password="pw", security_token="tok") as fake:
        counts = seed_salesforce(fake, OrgSize(accounts=20, contacts=60, opportunities=50, shop_customers=100))
        for key, value in demo_environment(fake).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SOURCES__SALESFORCE__USERNAME", "demo@example.com")
        monkeypatch.setenv("SOURCES__SALESFORCE__PASSWORD", "pw")
        monkeypatch.setenv("SOURCES__SALESFORCE__SECURITY_TOKEN", "tok")
        assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-08", "--chunk", "1d") == 0

        for sobject, table in (("Account", "account"), ("Contact", "contact"), ("Opportunity", "opportunity")):
            assert rows(db, f"SELECT count(*) FROM raw_salesforce.{table}") == [(counts[sobject],)]
        deleted = sum(1 for r in fake.records["Contact"].values() if r["IsDeleted"])
        assert rows(db, "SELECT count(*) FROM raw_salesforce.contact WHERE is_deleted") == [(deleted,)]
        shop = {customer_email(n) for n in range(1, 101)}
        emails = {r[0].strip().lower() for r in rows(db, "SELECT email FROM raw_salesforce.contact")}
        assert len(emails & shop) > len(emails) // 2
