"""The run ledger: one row per table and window in `<dataset>._extract_runs`, written with the data.

A successful chunk's ledger rows are inserted in the same transaction as the chunk's data, so the
ledger never claims a window that is not loaded. A failed chunk gets `failed` rows, best effort, in a
transaction of their own. The ledger is the only state the extractor keeps, and it lives in the
destination: nothing grows anywhere else (dlt's pipeline state is not used).

`python -m extract status` reads it to list the windows that are missing or failed.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from extract.apply import Dialect

LEDGER_TABLE = "_extract_runs"
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "text"),
    ("source", "text"),
    ("table_name", "text"),
    ("window_since", "timestamp"),
    ("window_until", "timestamp"),
    ("rows_in_source", "int"),
    ("rows_loaded", "int"),
    ("status", "text"),
    ("error", "text"),
    ("started_at", "timestamp"),
    ("finished_at", "timestamp"),
    ("extractor_version", "text"),
    ("git_revision", "text"),
)
SQL_TYPES = {
    "duckdb": {"text": "VARCHAR", "int": "BIGINT", "timestamp": "TIMESTAMPTZ"},
    "bigquery": {"text": "STRING", "int": "INT64", "timestamp": "TIMESTAMP"},
}


@dataclass(frozen=True)
class LedgerRow:
    """What one run did to one table for one window."""

    run_id: str
    source: str
    table_name: str
    window_since: datetime
    window_until: datetime
    rows_in_source: int | None
    rows_loaded: int
    status: str  # success | failed
    error: str | None
    started_at: datetime
    finished_at: datetime
    extractor_version: str
    git_revision: str


def git_revision() -> str:
    """The code's revision: `ELT_GIT_REVISION` (set in the images), else `git rev-parse`, else `unknown`."""
    configured = os.environ.get("ELT_GIT_REVISION")
    if configured:
        return configured
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return completed.stdout.strip() or "unknown"


def _literal(dialect: Dialect, value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return dialect.timestamp_literal(value)
    if isinstance(value, int):
        return str(value)
    return dialect.string_literal(" ".join(str(value).split())[:1000])


def create_statement(dialect: Dialect, kind: str, dataset: str) -> str:
    """CREATE TABLE IF NOT EXISTS for the ledger (day-partitioned on BigQuery)."""
    types = SQL_TYPES[kind]
    columns = ", ".join(f"{dialect.quote(name)} {types[t]}" for name, t in LEDGER_COLUMNS)
    layout = " PARTITION BY DATE(`started_at`)" if kind == "bigquery" else ""
    return f"CREATE TABLE IF NOT EXISTS {dialect.qualify(dataset, LEDGER_TABLE)} ({columns}){layout}"


def insert_statement(dialect: Dialect, dataset: str, rows: list[LedgerRow]) -> str:
    """INSERT of ledger rows."""
    names = ", ".join(dialect.quote(name) for name, _ in LEDGER_COLUMNS)
    values = ", ".join(
        "(" + ", ".join(_literal(dialect, getattr(row, name)) for name, _ in LEDGER_COLUMNS) + ")" for row in rows
    )
    return f"INSERT INTO {dialect.qualify(dataset, LEDGER_TABLE)} ({names}) VALUES {values}"


def select_statement(dialect: Dialect, dataset: str, source: str, since: datetime, until: datetime) -> str:
    """The ledger rows of `source` whose window overlaps `[since, until)`."""
    return (
        "SELECT table_name, window_since, window_until, status, rows_in_source, rows_loaded, finished_at, error "
        f"FROM {dialect.qualify(dataset, LEDGER_TABLE)} WHERE source = {dialect.string_literal(source)} "
        f"AND window_since < {dialect.timestamp_literal(until)} AND window_until > {dialect.timestamp_literal(since)} "
        "ORDER BY window_since, table_name, finished_at"
    )
