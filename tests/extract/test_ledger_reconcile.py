"""Reconciliation (exit 3), the run ledger, `python -m extract status`, and the DuckDB writer lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pymysql
import pytest

from extract.destination import DuckDBFileLock
from extract.sources.mysql import MySQLSource
from tests.extract.conftest import query

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = {
    "mysql": {
        "tables": {
            "orders": {"cursor": "updated_at", "primary_key": "id"},
            "events": {"cursor": "created_at"},
        }
    }
}


@pytest.fixture
def shop(mysql_db, manifest):
    mysql_db.execute(
        "CREATE TABLE orders (id INT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, KEY (updated_at))",
        "CREATE TABLE events (id INT, created_at DATETIME(6) NOT NULL, KEY (created_at))",
    )
    mysql_db.execute("INSERT INTO orders VALUES (%s, %s)", args=[(d, f"2024-03-0{d} 09:00") for d in range(1, 5)])
    mysql_db.execute(
        "INSERT INTO events VALUES (%s, %s)", args=[(i, f"2024-03-0{1 + i % 4} 1{i % 10}:00") for i in range(20)]
    )
    return mysql_db, manifest(MANIFEST)


def _ledger(path: Path) -> list[tuple]:
    return query(
        path,
        "SELECT table_name, window_since::VARCHAR, status, rows_in_source, rows_loaded, extractor_version, git_revision"
        " FROM raw_mysql._extract_runs ORDER BY window_since, table_name, finished_at",
    )


def test_every_chunk_and_table_gets_a_ledger_row_with_both_counts(shop, warehouse, run_cli):
    _, config = shop
    result = run_cli(
        "--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-03", "--chunk", "1d"
    )
    assert result.code == 0, result.stderr
    ledger = _ledger(warehouse)
    assert [(r[0], r[1][:10], r[2]) for r in ledger] == [
        ("events", "2024-03-01", "success"),
        ("orders", "2024-03-01", "success"),
        ("events", "2024-03-02", "success"),
        ("orders", "2024-03-02", "success"),
    ]
    assert all(r[3] == r[4] for r in ledger)
    assert {r[5] for r in ledger} == {result.report["version"]}
    assert all(r[6] for r in ledger)
    assert result.report["tables"]["events"]["rows_in_source"] == result.report["tables"]["events"]["rows_loaded"] == 10


def test_a_stable_mismatch_fails_with_exit_3_and_commits_nothing(shop, warehouse, run_cli, monkeypatch):
    _, config = shop
    monkeypatch.setattr(MySQLSource, "count", lambda self, table, window: 99)
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 3
    assert "do not retry" in result.error_lines[0]
    assert (
        "mysql.orders [2024-03-01T00:00:00Z, 2024-03-02T00:00:00Z): the source holds 99 rows but 1 were"
        in (result.error_lines[0])
    )
    assert result.report["status"] == "failed"
    assert result.report["exit_code"] == 3
    assert not query(warehouse, "SELECT * FROM information_schema.tables WHERE table_name = 'orders' "
                                "AND table_schema = 'raw_mysql'")  # fmt: skip
    assert {r[2] for r in _ledger(warehouse)} == {"failed"}


def test_a_count_that_moves_during_the_run_is_reported_unstable_not_failed(shop, warehouse, run_cli, monkeypatch):
    _, config = shop
    counts = iter([5, 1, 7, 10])  # orders before/after differ; events before matches the load (10)

    def moving_count(self, table, window):
        return next(counts) if table.name == "orders" else 5

    monkeypatch.setattr(MySQLSource, "count", moving_count)
    result = run_cli("--source", "mysql", "--config", str(config), "--tables", "orders", "--since", "2024-03-01",
                     "--until", "2024-03-02")  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.report["tables"]["orders"]["anomalies"] == {"unstable_window": 1}
    assert '"event": "reconcile_unstable"' in result.stderr


def test_no_reconcile_never_counts(shop, warehouse, run_cli, monkeypatch):
    _, config = shop

    def no_count(self, table, window):
        raise AssertionError("count must not be called with --no-reconcile")

    monkeypatch.setattr(MySQLSource, "count", no_count)
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02",
                     "--no-reconcile")  # fmt: skip
    assert result.code == 0, result.stderr
    assert result.report["tables"]["orders"]["rows_in_source"] is None
    assert [r[3] for r in _ledger(warehouse)] == [None, None]


def _status(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "extract", "status", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_status_lists_missing_and_failed_windows(shop, warehouse, run_cli, monkeypatch):
    _, config = shop
    base = ("--source", "mysql", "--config", str(config))
    for day in (1, 2, 4):
        assert run_cli(*base, "--since", f"2024-03-0{day}", "--until", f"2024-03-0{day + 1}").code == 0
    original = MySQLSource.read

    def failing_read(self, table, window, anomalies):
        raise pymysql.err.OperationalError(2006, "MySQL server has gone away")
        yield from original(self, table, window, anomalies)

    monkeypatch.setattr(MySQLSource, "read", failing_read)
    assert run_cli(*base, "--since", "2024-03-05", "--until", "2024-03-06").code == 75
    env = {**os.environ}
    status = _status(*base, "--since", "2024-03-01", "--until", "2024-03-07", env=env)
    assert status.returncode == 1, status.stderr
    assert status.stdout.splitlines() == [
        "[2024-03-03T00:00:00Z, 2024-03-04T00:00:00Z)  missing: orders, events",
        "[2024-03-05T00:00:00Z, 2024-03-06T00:00:00Z)  failed: orders, events",
        "[2024-03-06T00:00:00Z, 2024-03-07T00:00:00Z)  missing: orders, events",
    ]
    assert "3 of 6 windows loaded, 3 missing or failed" in status.stderr
    complete = _status(*base, "--since", "2024-03-01", "--until", "2024-03-03", env=env)
    assert complete.returncode == 0
    assert complete.stdout == ""


def test_status_counts_a_window_covered_by_smaller_chunks_as_loaded(shop, warehouse, run_cli):
    _, config = shop
    base = ("--source", "mysql", "--config", str(config))
    assert run_cli(*base, "--since", "2024-03-01T00:00", "--until", "2024-03-01T12:00").code == 0
    assert run_cli(*base, "--since", "2024-03-01T12:00", "--until", "2024-03-02T00:00").code == 0
    status = _status(*base, "--since", "2024-03-01", "--until", "2024-03-02", env=dict(os.environ))
    assert status.returncode == 0, status.stdout + status.stderr


def test_a_second_run_on_the_same_duckdb_file_refuses_with_exit_75(shop, warehouse, run_cli):
    _, config = shop
    lock = DuckDBFileLock(warehouse)
    try:
        result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    finally:
        lock.release()
    assert result.code == 75
    assert f"another extract run (pid {os.getpid()}) is writing this file" in result.error_lines[0]
    again = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert again.code == 0
