"""Helpers for the Salesforce source tests: credentials of the fake org, manifests, CLI runs, destination reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from extract.cli import main
from tests.fakes.salesforce import FakeSalesforce

USERNAME = "integration@example.com"
PASSWORD = "Pw-sf-2b7e1f0c"
SECURITY_TOKEN = "Tok-sf-9d4c33aa"
CONSUMER_KEY = "3MVG9.fake.consumer.key.0042"
DAY = datetime(2024, 3, 1, tzinfo=UTC)
CREDENTIAL_KEYS = ("USERNAME", "PASSWORD", "SECURITY_TOKEN", "CONSUMER_KEY", "PRIVATE_KEY", "SESSION_ID",
                   "INSTANCE_URL", "LOGIN_URL", "JWT_AUDIENCE")  # fmt: skip


def write_manifest(path: Path, objects: dict[str, Any] | None = None, **settings: Any) -> Path:
    """A manifest with a `salesforce` section (Account, Contact, Opportunity by default)."""
    section = {**settings, "objects": objects or {"Account": {}, "Contact": {}, "Opportunity": {}}}
    path.write_text(yaml.safe_dump({"salesforce": section}), encoding="utf-8")
    return path


def point_at(fake: FakeSalesforce, monkeypatch: pytest.MonkeyPatch, **credentials: str) -> None:
    """Trust the fake's CA and set exactly the given `SOURCES__SALESFORCE__*` keys (password flow by default)."""
    for key in CREDENTIAL_KEYS:
        monkeypatch.delenv(f"SOURCES__SALESFORCE__{key}", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
    values = credentials or {"USERNAME": USERNAME, "PASSWORD": PASSWORD, "SECURITY_TOKEN": SECURITY_TOKEN}
    values = {"LOGIN_URL": fake.base_url, **values}
    for key, value in values.items():
        monkeypatch.setenv(f"SOURCES__SALESFORCE__{key}", value)


@contextmanager
def captured(capsys: pytest.CaptureFixture[str]) -> Iterator[dict[str, str]]:
    """Collect what the block writes to stdout and stderr."""
    capsys.readouterr()
    out: dict[str, str] = {}
    yield out
    result = capsys.readouterr()
    out["stdout"], out["stderr"] = result.out, result.err


def run(manifest: Path, since: str, until: str, *extra: str, report: Path | None = None) -> int:
    """Run the CLI in-process for the salesforce source and return its exit code."""
    args = ["--source", "salesforce", "--since", since, "--until", until, "--config", str(manifest),
            "--log-format", "json"]  # fmt: skip
    if report is not None:
        args += ["--report", str(report)]
    return main([*args, *extra])


def read_report(path: Path) -> dict[str, Any]:
    """The JSON report of a run."""
    return json.loads(path.read_text(encoding="utf-8"))


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the destination DuckDB file (UTC session)."""
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def table_exists(db: Path, schema: str, table: str) -> bool:
    """Whether `schema.table` exists in the destination."""
    if not db.exists():
        return False
    found = rows(db, f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' "
                     f"AND table_name = '{table}'")  # fmt: skip
    return bool(found[0][0])


def snapshot(db: Path, table: str) -> list[tuple[Any, ...]]:
    """A table's content without load metadata, ordered by id (for comparing two destinations)."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw_salesforce' "
                "AND table_name = ? ORDER BY column_name",
                [table],
            ).fetchall()
            if not r[0].startswith("_")
        ]
        return con.execute(f"SELECT {', '.join(columns)} FROM raw_salesforce.{table} ORDER BY id").fetchall()


def seed_small_org(fake: FakeSalesforce) -> dict[str, str]:
    """A few accounts, contacts and opportunities on 2024-03-01 and 02; returns named ids."""
    ids = {}
    ids["acme"] = fake.put("Account", Name="Acme", Industry="Retail", BillingCity="Paris", SystemModstamp=DAY)
    ids["globex"] = fake.put(
        "Account", Name="Globex", Industry="Energy", SystemModstamp=DAY + timedelta(hours=23, minutes=59)
    )
    ids["initech"] = fake.put("Account", Name="Initech", SystemModstamp=DAY + timedelta(days=1))
    ids["ada"] = fake.put(
        "Contact", LastName="Lovelace", FirstName="Ada", Email="customer1@example.com", AccountId=ids["acme"],
        SystemModstamp=DAY + timedelta(hours=3),
    )  # fmt: skip
    ids["deal"] = fake.put(
        "Opportunity", Name="Acme renewal", AccountId=ids["acme"], StageName="Negotiation/Review",
        Amount=Decimal("1234567890123456.78"), Probability=Decimal("90"), CloseDate=DAY.date() + timedelta(days=30),
        IsClosed=False, IsWon=False, SystemModstamp=DAY + timedelta(hours=5),
    )  # fmt: skip
    return ids
