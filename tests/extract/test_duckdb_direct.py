"""The direct Arrow load into DuckDB (`extract.duckdb_direct`) against a real MariaDB: the cases that only it has."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from extract.apply import DuckDBDialect
from extract.duckdb_direct import STREAMING_MEMORY_PER_COLUMN, DirectTable, load_table
from extract.run import Runner, RunOptions
from extract.window import Window
from tests.extract.conftest import query

VERSIONS = """
CREATE TABLE versions (
  id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY (updated_at)
)"""
ORDERS = """
CREATE TABLE orders (
  id BIGINT PRIMARY KEY,
  amount DECIMAL(12,2) NOT NULL,
  updated_at DATETIME(6) NOT NULL
)"""
WINDOW_1 = ("--since", "2024-03-01", "--until", "2024-03-02")
WINDOW_2 = ("--since", "2024-03-02", "--until", "2024-03-03")


def _run(run_cli, manifest_path: Path, window: tuple[str, ...]):
    return run_cli("--source", "mysql", "--config", str(manifest_path), *window)


def test_merge_on_a_key_the_database_does_not_enforce_keeps_the_latest_row_per_key(
    mysql_db, manifest, warehouse, run_cli
):
    mysql_db.execute(VERSIONS)
    mysql_db.execute(
        "INSERT INTO versions VALUES (%s, %s, %s)",
        args=[
            (1, "placed", "2024-03-01 08:00:00"),
            (1, "paid", "2024-03-01 09:00:00"),
            (1, "shipped", "2024-03-01 10:00:00"),
            (2, "placed", "2024-03-01 11:00:00"),
        ],
    )
    path = manifest({"mysql": {"tables": {"versions": {"cursor": "updated_at", "primary_key": "id"}}}})

    assert _run(run_cli, path, WINDOW_1).code == 0
    assert _run(run_cli, path, WINDOW_1).code == 0  # a rerun changes nothing

    assert query(warehouse, "SELECT id, status FROM raw_mysql.versions ORDER BY id") == [(1, "shipped"), (2, "placed")]
    mysql_db.execute("INSERT INTO versions VALUES (1, 'returned', '2024-03-02 12:00:00')")
    assert _run(run_cli, path, WINDOW_2).code == 0
    assert query(warehouse, "SELECT id, status FROM raw_mysql.versions ORDER BY id") == [(1, "returned"), (2, "placed")]


def test_a_column_added_in_the_source_is_added_to_the_target(mysql_db, manifest, warehouse, run_cli):
    mysql_db.execute(ORDERS, "INSERT INTO orders VALUES (1, 10.50, '2024-03-01 08:00:00')")
    path = manifest({"mysql": {"tables": {"orders": {"cursor": "updated_at", "primary_key": "id"}}}})
    assert _run(run_cli, path, WINDOW_1).code == 0

    mysql_db.execute(
        "ALTER TABLE orders ADD COLUMN currency CHAR(3) NULL",
        "INSERT INTO orders VALUES (2, 7.25, '2024-03-02 08:00:00', 'EUR')",
    )
    assert _run(run_cli, path, WINDOW_2).code == 0

    rows = query(warehouse, "SELECT id, amount::VARCHAR, currency FROM raw_mysql.orders ORDER BY id")
    assert rows == [(1, "10.50", None), (2, "7.25", "EUR")]


def test_a_column_whose_type_changed_fails_the_chunk_and_commits_nothing(mysql_db, manifest, warehouse, run_cli):
    mysql_db.execute(ORDERS, "INSERT INTO orders VALUES (1, 10.50, '2024-03-01 08:00:00')")
    path = manifest({"mysql": {"tables": {"orders": {"cursor": "updated_at", "primary_key": "id"}}}})
    assert _run(run_cli, path, WINDOW_1).code == 0

    mysql_db.execute(
        "ALTER TABLE orders MODIFY amount VARCHAR(20) NOT NULL",
        "INSERT INTO orders VALUES (2, 'n/a', '2024-03-02 08:00:00')",
    )
    result = _run(run_cli, path, WINDOW_2)

    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "'amount' arrives as VARCHAR" in result.error_lines[0]
    assert "DECIMAL(12,2)" in result.error_lines[0]
    assert query(warehouse, "SELECT id FROM raw_mysql.orders") == [(1,)]
    assert query(warehouse, "SELECT status FROM raw_mysql._extract_runs ORDER BY started_at") == [
        ("success",),
        ("failed",),
    ]


def test_a_clock_that_stepped_back_still_stamps_each_chunk_later_than_the_rows_it_replaces(
    mysql_db, manifest, warehouse
):
    mysql_db.execute(ORDERS, "INSERT INTO orders VALUES (1, 10.50, '2024-03-01 08:00:00')")
    path = manifest({"mysql": {"tables": {"orders": {"cursor": "updated_at", "primary_key": "id"}}}})
    window = Window(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC))
    first = datetime(2026, 1, 1, 12, tzinfo=UTC)

    Runner(RunOptions(source="mysql", window=window, config=path), now=lambda: first).run()
    mysql_db.execute("UPDATE orders SET amount = 11.00")
    Runner(RunOptions(source="mysql", window=window, config=path), now=lambda: first - timedelta(hours=1)).run()

    rows = query(warehouse, "SELECT id, amount::VARCHAR, _extracted_at FROM raw_mysql.orders")
    assert [(r[0], r[1]) for r in rows] == [(1, "11.00")]
    assert rows[0][2] == first + timedelta(microseconds=1)


def test_a_wide_table_streams_with_a_memory_budget_that_grows_with_its_columns(mysql_db, manifest, warehouse, run_cli):
    columns = 300
    extra = ", ".join(f"c{i} TEXT NOT NULL DEFAULT 'value {i}'" for i in range(columns))
    mysql_db.execute(f"CREATE TABLE wide (id BIGINT PRIMARY KEY, updated_at DATETIME(6) NOT NULL, {extra})")
    mysql_db.execute(
        "INSERT INTO wide (id, updated_at) VALUES (%s, %s)",
        args=[(i, f"2024-03-01 {i % 24:02d}:00:00") for i in range(5_000)],
    )
    path = manifest({"mysql": {"tables": {"wide": {"cursor": "updated_at", "primary_key": "id"}}}})

    result = _run(run_cli, path, WINDOW_1)

    assert result.code == 0, result.stderr
    assert query(warehouse, "SELECT count(*), min(c299), max(c0) FROM raw_mysql.wide") == [
        (5_000, "value 299", "value 0")
    ]


def _wide_stream(columns: int, rows: int) -> Iterator[pa.Table]:
    values = pa.array([f"value-{i:08d}" for i in range(rows)])
    table = pa.table({f"c{i}": values for i in range(columns)})
    yield from (table.slice(start, 10_000) for start in range(0, rows, 10_000))


@pytest.mark.parametrize("budget_per_column", [0, STREAMING_MEMORY_PER_COLUMN])
def test_the_streaming_budget_grows_with_the_columns_where_the_floor_alone_runs_out(
    tmp_path, monkeypatch, budget_per_column
):
    monkeypatch.setattr("extract.duckdb_direct.STREAMING_MEMORY_PER_COLUMN", budget_per_column)
    plan = DirectTable(
        dataset="main", table="wide", cursor="c0", primary_key=(), unique_key=False,
        replace_bounds=(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)),
    )  # fmt: skip
    with duckdb.connect(str(tmp_path / "wide.duckdb"), config={"memory_limit": "16MB", "threads": 1}) as conn:
        conn.execute("BEGIN TRANSACTION")
        load = lambda: load_table(  # noqa: E731
            conn, DuckDBDialect(), plan, _wide_stream(200, 200_000), datetime.now(UTC), str, "test"
        )
        if budget_per_column == 0:
            with pytest.raises(duckdb.OutOfMemoryException):
                load()
            return
        assert load() == 200_000
        restored = conn.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert restored.endswith(" MiB")
        assert float(restored.split()[0]) < 16


def _pandas_probe(allow: bool) -> list[str]:
    """In a fresh interpreter: block pandas as `python -m extract` does, convert a value with Arrow, try pandas."""
    code = (
        "import sys\n"
        "from extract.cli import keep_pandas_out\n"
        "keep_pandas_out()\n"
        "import pyarrow as pa\n"
        "from datetime import datetime, timezone\n"
        "stamp = pa.scalar(datetime(2024, 1, 1, tzinfo=timezone.utc), pa.timestamp('us', tz='UTC'))\n"
        "try:\n"
        "    import pandas\n"
        "    print('imported', stamp.value)\n"
        "except ModuleNotFoundError as exc:\n"
        "    print('blocked', stamp.value, 'EXTRACT_ALLOW_PANDAS' in str(exc))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "EXTRACT_ALLOW_PANDAS"}
    if allow:
        env["EXTRACT_ALLOW_PANDAS"] = "1"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return result.stdout.split()


def test_python_m_extract_keeps_pandas_out_yet_arrow_converts_python_values():
    assert _pandas_probe(allow=False) == ["blocked", "1704067200000000", "True"]
    assert _pandas_probe(allow=True) == ["imported", "1704067200000000"]


def test_duckdb_out_of_memory_is_one_line_naming_the_setting_and_commits_nothing(
    mysql_db, manifest, warehouse, run_cli, monkeypatch
):
    mysql_db.execute(
        ORDERS,
        "INSERT INTO orders SELECT seq, seq % 1000, TIMESTAMP('2024-03-01') + INTERVAL seq SECOND FROM seq_1_to_60000",
    )
    path = manifest({"mysql": {"tables": {"orders": {"cursor": "updated_at", "primary_key": "id"}}}})
    assert _run(run_cli, path, WINDOW_1).code == 0

    monkeypatch.setenv("EXTRACT_DUCKDB_MEMORY_LIMIT", "1MB")  # the merge of the rerun cannot fit
    result = _run(run_cli, path, WINDOW_1)

    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "ran out of memory" in result.error_lines[0]
    assert "EXTRACT_DUCKDB_MEMORY_LIMIT" in result.error_lines[0]
    assert "Traceback" not in result.stderr
    assert query(warehouse, "SELECT count(*), count(DISTINCT _extracted_at) FROM raw_mysql.orders") == [(60_000, 1)]


def test_awkward_names_are_normalised_and_quoted_like_dlt_does(mysql_db, manifest, warehouse, run_cli):
    mysql_db.execute(
        "CREATE TABLE `Order-Lines` (`Key` BIGINT PRIMARY KEY, `Group` VARCHAR(8), `Select` INT, "
        "`Updated At` DATETIME(6) NOT NULL)",
        "INSERT INTO `Order-Lines` VALUES (1, 'a', 10, '2024-03-01 08:00:00'), (2, 'b', 20, '2024-03-01 09:00:00')",
    )
    path = manifest({"mysql": {"tables": {"Order-Lines": {"cursor": "Updated At", "primary_key": "Key"}}}})

    assert _run(run_cli, path, WINDOW_1).code == 0
    mysql_db.execute("UPDATE `Order-Lines` SET `Select` = 11, `Updated At` = '2024-03-02 08:00:00' WHERE `Key` = 1")
    assert _run(run_cli, path, WINDOW_2).code == 0

    rows = query(warehouse, 'SELECT "key", "group", "select", updated_at FROM raw_mysql.order_lines ORDER BY 1')
    assert [(k, g, s) for k, g, s, _ in rows] == [(1, "a", 11), (2, "b", 20)]


def test_a_rowid_column_with_an_unenforced_key_is_refused_before_anything_is_written(
    mysql_db, manifest, warehouse, run_cli
):
    mysql_db.execute(
        "CREATE TABLE legacy (id BIGINT NOT NULL, rowid BIGINT, updated_at DATETIME(6) NOT NULL)",
        "INSERT INTO legacy VALUES (1, 100, '2024-03-01 08:00:00')",
    )
    path = manifest({"mysql": {"tables": {"legacy": {"cursor": "updated_at", "primary_key": "id"}}}})

    result = _run(run_cli, path, WINDOW_1)

    assert result.code == 1
    assert len(result.error_lines) == 1
    assert "'rowid'" in result.error_lines[0]
    assert query(warehouse, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'legacy'") == [(0,)]
