"""API budget, retries with backoff, and rate limits: exit 75 with nothing half-committed."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest

from extract.sources.salesforce.client import RetryPolicy
from tests.fakes.salesforce import FakeSalesforce, error_body
from tests.sources.salesforce.support import (
    DAY,
    point_at,
    read_report,
    rows,
    run,
    seed_small_org,
    snapshot,
    table_exists,
    write_manifest,
)

LIMIT = error_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def test_refuses_to_start_under_the_api_budget(
    fake: FakeSalesforce, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(fake, monkeypatch)
    seed_small_org(fake)
    fake.daily_remaining = fake.daily_max * 5 // 100
    report = tmp_path / "report.json"

    code = run(write_manifest(tmp_path / "m.yaml", min_api_budget_pct=10), "2024-03-01", "2024-03-02", report=report)

    assert code == 75
    err = capsys.readouterr().err
    assert "daily API budget" in err
    assert "refusing to start" in err
    assert fake.calls("query") == 0  # refused before reading anything
    assert not table_exists(db, "raw_salesforce", "account")
    assert read_report(report)["status"] == "failed"


def test_429_and_503_are_retried_with_backoff(
    sf_env: FakeSalesforce, db: Path, tmp_path: Path, sleeps: list[float]
) -> None:
    seed_small_org(sf_env)
    sf_env.inject("query", 503, error_body("SERVER_UNAVAILABLE", "Server temporarily unavailable"), times=2)
    sf_env.inject("describe", 429, error_body("REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests"), {"Retry-After": "7"})
    report = tmp_path / "report.json"

    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02", report=report) == 0

    assert 7.0 in sleeps  # Retry-After honoured
    policy = RetryPolicy()
    assert [policy.delay(0, None), policy.delay(1, None)] == [s for s in sleeps if s != 7.0]
    assert read_report(report)["extra"]["salesforce"]["retries"] == 3
    assert rows(db, "SELECT count(*) FROM raw_salesforce.account") == [(2,)]


def test_request_limit_exceeded_mid_run_exits_75_and_keeps_only_committed_chunks(
    sf_env: FakeSalesforce,
    db: Path,
    tmp_path: Path,
    sleeps: list[float],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sf_env.page_size = 3
    for day in range(2):
        for n in range(7):
            sf_env.put("Account", Name=f"Day {day} #{n}", SystemModstamp=DAY + timedelta(days=day, hours=n))
    # Day 1 reads two next pages; the first next page of day 2 hits the org's limit until retries run out.
    sf_env.inject("query_more", 403, LIMIT, times=10, after=2)
    manifest = write_manifest(tmp_path / "m.yaml", {"Account": {}}, max_retries=2)
    report = tmp_path / "report.json"

    code = run(manifest, "2024-03-01", "2024-03-03", "--chunk", "1d", report=report)

    assert code == 75
    assert "REQUEST_LIMIT_EXCEEDED" in capsys.readouterr().err
    day_one = {i for i, r in sf_env.records["Account"].items() if r["SystemModstamp"] < DAY + timedelta(days=1)}
    assert {r[0] for r in rows(db, "SELECT id FROM raw_salesforce.account")} == day_one
    content = read_report(report)
    assert [c["status"] for c in content["chunks"]] == ["committed", "failed"]
    assert "--since 2024-03-02T00:00:00Z" in content["resume_command"]
    assert len(sleeps) == 2

    # The limit clears: the printed resume window completes, and equals a clean run.
    sf_env._injections["query_more"].clear()
    assert run(manifest, "2024-03-02", "2024-03-03") == 0
    clean = tmp_path / "clean.duckdb"
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(clean))
    assert run(manifest, "2024-03-01", "2024-03-03") == 0
    assert snapshot(db, "account") == snapshot(clean, "account")


def test_single_window_commits_nothing_when_a_page_fails(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    sf_env.page_size = 1  # Account's second record is on a next page
    seed_small_org(sf_env)
    sf_env.inject("query_more", 403, LIMIT, times=10)

    assert run(write_manifest(tmp_path / "m.yaml", max_retries=1), "2024-03-01", "2024-03-02") == 75

    for table in ("account", "contact", "opportunity"):
        assert not table_exists(db, "raw_salesforce", table)


def test_unreachable_salesforce_exits_75(
    fake: FakeSalesforce,
    db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sleeps: list[float],
    capsys: pytest.CaptureFixture[str],
) -> None:
    point_at(fake, monkeypatch)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SOURCES__SALESFORCE__LOGIN_URL", f"https://127.0.0.1:{port}")

    assert run(write_manifest(tmp_path / "m.yaml", max_retries=2), "2024-03-01", "2024-03-02") == 75

    err = capsys.readouterr().err
    assert "salesforce" in err
    assert "network error" in err
    assert len(sleeps) == 2
