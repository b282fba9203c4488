"""Fixtures: a running fake HubSpot, the environment pointing the extractor at it, and recorded sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.sources.hubspot import api as hubspot_api
from tests.fakes.hubspot import FakeHubSpot


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    """A started, empty fake HubSpot (contacts, companies and deals defined)."""
    server = FakeHubSpot().start()
    yield server
    server.stop()


@pytest.fixture
def hubspot_env(fake: FakeHubSpot, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Token and base URL of the fake in the environment; returns the DuckDB warehouse path."""
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", fake.token)
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", fake.base_url)
    return warehouse


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Replace the retry sleep with a recorder, so backoff is asserted without waiting."""
    recorded: list[float] = []
    monkeypatch.setattr(hubspot_api, "sleep", recorded.append)
    return recorded
