"""Fixtures: a running fake Power BI and the environment that points the command at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.powerbi import FakePowerBI
from tests.powerbi.support import CLIENT_ID, CLIENT_SECRET, DATASET_ID, TENANT_ID, WORKSPACE_ID, fake_env


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakePowerBI]:
    """A started fake with one registered dataset whose refreshes complete on the second read."""
    server = FakePowerBI(tenant_id=TENANT_ID, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, workdir=tmp_path)
    server.add_dataset(WORKSPACE_ID, DATASET_ID, statuses=["Unknown", "Completed"])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def powerbi_env(fake: FakePowerBI, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the in-process command at the fake."""
    env = fake_env(fake)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
