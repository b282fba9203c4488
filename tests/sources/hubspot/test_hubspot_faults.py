"""Failures: rate limits, server errors, dropped connections, bad credentials and bad manifests."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from demo.mariadb import free_port
from tests.fakes.hubspot import FakeHubSpot, Fault
from tests.sources.hubspot.support import query, run, table_exists, write_manifest

DAY = datetime(2024, 3, 1, tzinfo=UTC)
SINCE, UNTIL = "2024-03-01", "2024-03-02"


def seed(fake: FakeHubSpot, n: int = 30) -> list[int]:
    return fake.add_many(
        "contacts", [(DAY + timedelta(minutes=i), {"email": f"user{i}@example.com"}, None, None) for i in range(n)]
    )


def loaded_ids(warehouse: Path) -> Counter[str]:
    return Counter(row[0] for row in query(warehouse, "SELECT id FROM raw_hubspot.contacts"))


def test_429_waits_at_least_retry_after_then_succeeds(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    ids = seed(fake)
    fake.inject(Fault(429, retry_after=7), skip=1)

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=10), SINCE, UNTIL)

    assert result.code == 0, result.output
    assert sleeps == [7.0]
    assert loaded_ids(hubspot_env) == Counter(str(i) for i in ids)
    assert result.report["extra"]["hubspot"]["retries"] == {"429": 1}


def test_backoff_grows_exponentially_without_retry_after(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    seed(fake)
    fake.inject(Fault(503), times=3)

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml"), SINCE, UNTIL)

    assert result.code == 0, result.output
    assert sleeps == [1.0, 2.0, 4.0]


def test_429_storm_outlasting_the_retry_budget_exits_75_and_commits_nothing(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    seed(fake)
    fake.inject(Fault(429, retry_after=2), skip=1, times=50)

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=10, max_retries=3), SINCE, UNTIL)

    assert result.code == 75, result.output
    assert len(sleeps) == 3
    assert min(sleeps) >= 2
    assert result.report["status"] == "failed"
    assert "gave up after 4 attempts" in result.report["error"]
    assert not table_exists(hubspot_env, "raw_hubspot", "contacts")


def test_daily_limit_429_exits_75_without_retrying(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    seed(fake)
    fake.inject(Fault(429, retry_after=60, policy="DAILY"))

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml"), SINCE, UNTIL)

    assert result.code == 75, result.output
    assert sleeps == []
    assert "daily" in result.report["error"].lower()


def test_a_500_on_one_page_is_retried_and_nothing_is_lost_or_doubled(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    ids = seed(fake)
    fake.inject(Fault(500), skip=3)  # the fourth page of the window

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=5), SINCE, UNTIL)

    assert result.code == 0, result.output
    assert loaded_ids(hubspot_env) == Counter(str(i) for i in ids)
    assert result.report["extra"]["hubspot"]["retries"] == {"500": 1}


def test_connection_dropped_mid_page_is_retried(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sleeps: list[float]
) -> None:
    ids = seed(fake)
    fake.inject(Fault(drop=True), skip=2)

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=5), SINCE, UNTIL)

    assert result.code == 0, result.output
    assert loaded_ids(hubspot_env) == Counter(str(i) for i in ids)
    assert result.report["extra"]["hubspot"]["retries"] == {"connection": 1}


def test_unreachable_api_exits_75(
    hubspot_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCES__HUBSPOT__BASE_URL", f"http://127.0.0.1:{free_port()}")

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", max_retries=2), SINCE, UNTIL)

    assert result.code == 75, result.output
    assert len(sleeps) == 2


def test_rejected_token_exits_2_naming_hubspot_never_the_token(
    fake: FakeHubSpot,
    hubspot_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong = "pat-na1-0000-this-is-a-wrong-secret-token"
    monkeypatch.setenv("SOURCES__HUBSPOT__ACCESS_TOKEN", wrong)

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml"), SINCE, UNTIL)

    assert result.code == 2, result.output
    assert "HubSpot rejected the access token" in result.output
    assert "SOURCES__HUBSPOT__ACCESS_TOKEN" in result.output
    assert wrong not in result.output
    assert wrong not in (tmp_path / "report.json").read_text()
    assert fake.token not in result.output


def test_missing_token_exits_2(
    hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCES__HUBSPOT__ACCESS_TOKEN")

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml"), SINCE, UNTIL)

    assert result.code == 2
    assert "SOURCES__HUBSPOT__ACCESS_TOKEN" in result.output


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        (
            {"contacts": {"properties": ["email", "favourite_colour"]}},
            "hubspot.objects.contacts: unknown HubSpot property favourite_colour",
        ),
        ({"unicorns": {"properties": ["name"]}}, "hubspot.objects.unicorns: HubSpot does not know this object type"),
        (
            {"contacts": {"properties": ["email"], "cursor": "email"}},
            "hubspot.objects.contacts.cursor: 'email' is a string",
        ),
        ({"contacts": {}}, "hubspot.objects.contacts.properties: must be a non-empty list"),
    ],
)
def test_bad_manifest_entries_exit_2_with_the_manifest_path(
    fake: FakeHubSpot,
    hubspot_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    objects: dict[str, object],
    message: str,
) -> None:
    manifest = write_manifest(tmp_path / "m.yaml", objects)

    result = run(tmp_path, capsys, manifest, SINCE, UNTIL)

    assert result.code == 2, result.output
    assert f"{manifest}: {message}" in result.output


def test_page_size_over_200_is_a_usage_error(
    hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=500), SINCE, UNTIL)

    assert result.code == 2
    assert "hubspot.page_size: must be an integer between 1 and 200" in result.output
