"""The CLI contract: usage errors, exit codes, one-line errors without secrets, resume after a failure."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pymysql
import pytest

from demo.mariadb import free_port
from extract.sources.mysql import MySQLSource
from tests.extract.conftest import query

EVENTS = "CREATE TABLE events (id INT, kind VARCHAR(8), created_at DATETIME(6) NOT NULL, KEY (created_at))"
MANIFEST = {"mysql": {"tables": {"events": {"cursor": "created_at"}}}}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def events_db(mysql_db, manifest):
    mysql_db.execute(EVENTS)
    mysql_db.execute(
        "INSERT INTO events VALUES (%s, %s, %s)", args=[(d, "search", f"2024-03-0{d} 10:00:00") for d in range(1, 5)]
    )
    return mysql_db, manifest(MANIFEST)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "mysql", "--since", "yesterday"],
         "error: --since 'yesterday' is not an ISO 8601 date or datetime (e.g. 2024-03-01 or 2024-03-01T00:00:00Z)"),
        (["--source", "mysql", "--since", "2024-03-02", "--until", "2024-03-01"],
         "error: empty window: --since 2024-03-02T00:00:00Z must be before --until 2024-03-01T00:00:00Z"),
        (["--source", "oracle", "--since", "2024-03-01"], "error: argument --source: invalid choice: 'oracle'"),
        (["--source", "mysql", "--since", "2024-03-01", "--chunk", "1y"],
         "error: --chunk '1y' is not a duration (use e.g. 1d, 6h, 90m or P1D)"),
        (["--since", "2024-03-01"], "error: the following arguments are required: --source"),
        (["--source", "mysql", "--since", "2024-03-01", "--dataset", "raw-mysql"],
         "error: --dataset 'raw-mysql': use letters, digits and underscores only (a BigQuery dataset name)"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2_with_one_line(args, message, run_cli):
    result = run_cli(*args)
    assert result.code == 2
    assert len(result.error_lines) == 1
    assert result.error_lines[0].startswith(message)
    assert "Traceback" not in result.stderr


def test_unknown_table_in_tables_option_exits_2(events_db, warehouse, run_cli):
    _, config = events_db
    result = run_cli("--source", "mysql", "--config", str(config), "--tables", "orders", "--since", "2024-03-01")
    assert result.code == 2
    assert result.error_lines == [f"error: {config}: mysql: unknown table(s) orders in --tables (manifest has: events)"]


def test_table_missing_in_the_database_names_the_file_and_key(mysql_db, warehouse, run_cli, manifest):
    config = manifest({"mysql": {"tables": {"ordres": {"cursor": "updated_at"}}}})
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 2
    assert result.error_lines == [
        f"error: {config}: mysql.tables.ordres: table not found in database '{mysql_db.name}'"
    ]
    assert result.report["status"] == "failed"


def test_cursor_must_be_a_temporal_column(events_db, warehouse, run_cli, manifest):
    config = manifest({"mysql": {"tables": {"events": {"cursor": "kind"}}}}, "bad-cursor.yaml")
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 2
    assert (
        "mysql.tables.events.cursor: column 'kind' is VARCHAR; a cursor must be DATETIME, TIMESTAMP or DATE"
        in (result.error_lines[0])
    )


def test_missing_credentials_exit_2(warehouse, run_cli, monkeypatch, manifest):
    monkeypatch.delenv("SOURCES__MYSQL__CREDENTIALS", raising=False)
    result = run_cli("--source", "mysql", "--config", str(manifest(MANIFEST)), "--since", "2024-03-01")
    assert result.code == 2
    assert result.error_lines[0].startswith("error: mysql: no credentials: set SOURCES__MYSQL__CREDENTIALS=")


def test_wrong_password_exits_2_and_never_shows_it(events_db, warehouse, run_cli, monkeypatch):
    db, config = events_db
    secret = "Wr0ng-S3cret-pw"
    monkeypatch.setenv("SOURCES__MYSQL__CREDENTIALS", db.url.replace(db.server.password, secret))
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 2
    assert "access denied" in result.error_lines[0]
    assert secret not in result.stderr
    assert secret not in str(result.report)


def test_connection_refused_is_transient_exit_75(warehouse, run_cli, monkeypatch, manifest):
    port = free_port()
    monkeypatch.setenv("SOURCES__MYSQL__CREDENTIALS", f"mysql+pymysql://u:topsecretpw@127.0.0.1:{port}/shop")
    result = run_cli("--source", "mysql", "--config", str(manifest(MANIFEST)), "--since", "2024-03-01")
    assert result.code == 75
    assert result.error_lines[0].startswith(f"error: mysql 127.0.0.1:{port}/shop: ")
    assert "a retry may succeed" in result.error_lines[0]
    assert "topsecretpw" not in result.stderr


def test_failed_chunk_names_committed_chunks_and_the_resume_command_completes(
    events_db, warehouse, run_cli, monkeypatch
):
    _db, config = events_db
    original = MySQLSource.read

    def flaky_read(self, table, window, anomalies):
        if window.since.day == 3:
            raise pymysql.err.OperationalError(2013, "Lost connection to server during query")
        yield from original(self, table, window, anomalies)

    monkeypatch.setattr(MySQLSource, "read", flaky_read)
    args = [
        "--source",
        "mysql",
        "--config",
        str(config),
        "--since",
        "2024-03-01",
        "--until",
        "2024-03-05",
        "--chunk",
        "1d",
    ]
    result = run_cli(*args)
    assert result.code == 75
    assert [c["status"] for c in result.report["chunks"]] == ["committed", "committed", "failed", "pending"]
    resume = result.report["resume_command"]
    assert f"resume with: {resume}" in result.stderr
    assert (
        "committed chunks (2 of 4): [2024-03-01T00:00:00Z, 2024-03-02T00:00:00Z), "
        "[2024-03-02T00:00:00Z, 2024-03-03T00:00:00Z)" in result.stderr
    )
    assert resume.startswith("python -m extract ")
    resume_args = shlex.split(resume)[3:]
    assert resume_args[-2:] == ["--since", "2024-03-03T00:00:00Z"]
    assert [r[0] for r in query(warehouse, "SELECT id FROM raw_mysql.events ORDER BY id")] == [1, 2]

    monkeypatch.setattr(MySQLSource, "read", original)
    resumed = run_cli(*resume_args)
    assert resumed.code == 0, resumed.stderr
    assert [r[0] for r in query(warehouse, "SELECT id FROM raw_mysql.events ORDER BY id")] == [1, 2, 3, 4]


def test_help_explains_the_utc_rule_and_exit_codes():
    completed = subprocess.run(
        [sys.executable, "-m", "extract", "--help"], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert completed.returncode == 0
    text = " ".join(completed.stdout.split())
    assert "one without an offset is taken as UTC" in text
    assert "half-open: [since, until)" in text
    assert "75 transient (retry)" in text


def test_real_process_run_writes_json_logs_and_a_report(events_db, warehouse, tmp_path):
    db, config = events_db
    report = tmp_path / "report.json"
    env = {**os.environ, "SOURCES__MYSQL__CREDENTIALS": db.url, "DESTINATION__DUCKDB__CREDENTIALS": str(warehouse)}
    completed = subprocess.run(
        [sys.executable, "-m", "extract", "--source", "mysql", "--config", str(config), "--since", "2024-03-01",
         "--until", "2024-03-03", "--report", str(report)],
        capture_output=True, text=True, check=False, cwd=ROOT, env=env,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    finished = [line for line in completed.stderr.splitlines() if '"event": "run_finished"' in line]
    assert len(finished) == 1
    assert '"rows": 2' in finished[0]
    assert '"severity": "INFO"' in finished[0]
    assert db.server.password not in completed.stderr
    assert query(warehouse, "SELECT count(*) FROM raw_mysql.events") == [(2,)]
