"""Fixtures: a running fake Salesforce org, the environment that points the extractor at it, and no waiting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.sources.salesforce import client as client_module
from tests.fakes.salesforce import FakeSalesforce
from tests.sources.salesforce.support import PASSWORD, SECURITY_TOKEN, USERNAME, point_at


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeSalesforce]:
    """A started fake org whose only user logs in with the test password and token."""
    server = FakeSalesforce(workdir=tmp_path, username=USERNAME, password=PASSWORD, security_token=SECURITY_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record backoff and polling delays instead of sleeping."""
    waited: list[float] = []
    monkeypatch.setattr(client_module, "SLEEP", waited.append)
    return waited


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The destination DuckDB file of this test."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(path))
    return path


@pytest.fixture
def sf_env(fake: FakeSalesforce, db: Path, sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> FakeSalesforce:
    """The fake, with the password flow configured, a private destination and instant retries."""
    point_at(fake, monkeypatch)
    return fake
