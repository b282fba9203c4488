"""Helpers for the fault-injection tests: a seeded shop schema, the CLI as a real process, destination snapshots.

Every fault test runs `python -m extract` as a subprocess (as Airflow does), so a crash, a lock or a
full disk hits a real process with real files, and compares what the destination holds afterwards
with a clean run of the same window into another DuckDB file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pymysql
import pytest
import yaml

from tests.extract.conftest import CliResult

ROOT = Path(__file__).resolve().parents[2]
DATASET = "raw_mysql"
# Columns the extractor stamps per run; two correct runs differ only there.
RUN_COLUMNS = ("_extracted_at", "_dlt_load_id", "_dlt_id")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS orders (
      id BIGINT PRIMARY KEY,
      status VARCHAR(16) NOT NULL,
      note VARCHAR(255) NOT NULL,
      created_at DATETIME(6) NOT NULL,
      updated_at DATETIME(6) NOT NULL,
      KEY (updated_at)
    )""",
    """CREATE TABLE IF NOT EXISTS events (
      customer_id BIGINT NOT NULL,
      kind VARCHAR(16) NOT NULL,
      payload VARCHAR(255) NOT NULL,
      created_at DATETIME(6) NOT NULL,
      KEY (created_at)
    )""",
)
# MariaDB's SEQUENCE engine (`seq_1_to_N`) seeds many rows in one statement; `note`/`payload` are md5
# text, which compresses poorly (the full-disk test needs bytes).
SEED = (
    "INSERT INTO orders SELECT {offset} + seq, ELT(1 + seq % 3, 'new', 'paid', 'shipped'), MD5({offset} + seq), "
    "TIMESTAMP('{start}') + INTERVAL (seq * {step}) MICROSECOND, "
    "TIMESTAMP('{start}') + INTERVAL (seq * {step}) MICROSECOND FROM seq_1_to_{rows}",
    "INSERT INTO events SELECT seq % 977, ELT(1 + seq % 2, 'view', 'click'), "
    "CONCAT(MD5({offset} + seq), MD5(CONCAT('e', {offset} + seq))), "
    "TIMESTAMP('{start}') + INTERVAL (seq * {step}) MICROSECOND FROM seq_1_to_{rows}",
)
MANIFEST = {
    "mysql": {
        "tables": {
            "orders": {"cursor": "updated_at", "primary_key": "id", "partition": "created_at"},
            "events": {"cursor": "created_at"},
        }
    }
}


def seed_shop(
    connect: Callable[[], pymysql.Connection], rows_per_day: int, days: int, start: str = "2024-03-01"
) -> None:
    """Create `orders` (merged on `id`) and `events` (window-replaced); add `rows_per_day` rows a day to each.

    Rows spread evenly over `days` days from `start`; calling again with a later `start` adds more days
    (ids continue after the existing ones).
    """
    rows = rows_per_day * days
    step = (days * 86_400 * 1_000_000) // (rows + 1)
    with connect() as conn, conn.cursor() as cur:
        for statement in SCHEMA:
            cur.execute(statement)
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM orders")
        offset = cur.fetchone()[0]
        for statement in SEED:
            cur.execute(statement.format(step=step, rows=rows, start=start, offset=offset))


def write_manifest(path: Path, tables: dict[str, Any] | None = None, **settings: Any) -> Path:
    """The shop manifest (or `tables` instead of its tables), with extra `mysql:` settings such as `batch_rows`."""
    content = {"mysql": {**settings, "tables": tables or MANIFEST["mysql"]["tables"]}}
    path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


class ProcessRun(CliResult):
    """`CliResult` of one `python -m extract` process, with its structured log lines."""

    @property
    def events(self) -> list[dict[str, Any]]:
        """The structured (JSON) log lines."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.startswith("{")]


def extract_env(mysql_url: str, duckdb_file: Path, dlt_dir: Path) -> dict[str, str]:
    """Environment for one extract process: source credentials, DuckDB file and dlt's working dir."""
    return {
        **os.environ,
        "SOURCES__MYSQL__CREDENTIALS": mysql_url,
        "DESTINATION__DUCKDB__CREDENTIALS": str(duckdb_file),
        "DLT_DATA_DIR": str(dlt_dir),
    }


def extract_command(config: Path, since: str, until: str, *extra: str) -> list[str]:
    """`python -m extract` arguments for the mysql source (JSON logs)."""
    return ["--source", "mysql", "--config", str(config), "--since", since, "--until", until,
            "--log-format", "json", *extra]  # fmt: skip


def start_extract(args: Sequence[str], env: dict[str, str], report: Path) -> subprocess.Popen[str]:
    """Start `python -m extract ARGS --report REPORT` with stderr piped (line-buffered text)."""
    return subprocess.Popen(
        [sys.executable, "-m", "extract", *args, "--report", str(report)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )


def finish(process: subprocess.Popen[str], report: Path, stderr_head: str = "", timeout: float = 120) -> ProcessRun:
    """Wait for a started extract process and collect its outcome."""
    _, rest = process.communicate(timeout=timeout)
    data = json.loads(report.read_text()) if report.exists() else None
    return ProcessRun(process.returncode, stderr_head + rest, data)


def run_extract(args: Sequence[str], env: dict[str, str], report: Path) -> ProcessRun:
    """Run `python -m extract` to completion."""
    report.unlink(missing_ok=True)
    return finish(start_extract(args, env, report), report)


def contents(path: Path, dataset: str = DATASET) -> dict[str, list[tuple[Any, ...]]]:
    """Every data table of `dataset` (ledger and per-run columns left out), rows sorted: what a run promises."""
    with duckdb.connect(str(path), read_only=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name",
                [dataset],
            ).fetchall()
            if not name.startswith("_")
        ]
        snapshot = {}
        for table in tables:
            columns = [
                name
                for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position",
                    [dataset, table],
                ).fetchall()
                if name not in RUN_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            snapshot[table] = conn.execute(f'SELECT {select} FROM "{dataset}"."{table}" ORDER BY ALL').fetchall()
        return snapshot


def ledger(path: Path, dataset: str = DATASET) -> list[tuple[Any, ...]]:
    """The run ledger: (table, window since, status, rows in source, rows loaded), oldest first."""
    with duckdb.connect(str(path), read_only=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(
            f'SELECT table_name, window_since, status, rows_in_source, rows_loaded FROM "{dataset}"._extract_runs '
            "ORDER BY finished_at, table_name"
        ).fetchall()


@pytest.fixture
def clean_run(tmp_path: Path) -> Callable[[str, Path, str, str], dict[str, list[tuple[Any, ...]]]]:
    """Load a window into a fresh DuckDB file in one uninterrupted run and return its contents."""

    def load(mysql_url: str, config: Path, since: str, until: str) -> dict[str, list[tuple[Any, ...]]]:
        path = tmp_path / "clean" / "clean.duckdb"
        path.parent.mkdir(exist_ok=True)
        env = extract_env(mysql_url, path, tmp_path / "clean" / "dlt")
        result = run_extract(extract_command(config, since, until), env, tmp_path / "clean" / "report.json")
        assert result.code == 0, result.stderr
        return contents(path)

    return load
