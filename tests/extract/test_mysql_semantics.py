"""The MySQL source against a real MariaDB: windows, idempotency, composition and failure handling."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.extract.conftest import CliResult, query

ORDERS = """
CREATE TABLE orders (
  id BIGINT PRIMARY KEY,
  status VARCHAR(16) NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY (updated_at)
)"""
EVENTS = """
CREATE TABLE events (
  customer_id BIGINT,
  kind VARCHAR(16) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  KEY (created_at)
)"""
MANIFEST = {
    "mysql": {
        "tables": {
            "orders": {"cursor": "updated_at", "primary_key": "id", "partition": "created_at"},
            "events": {"cursor": "created_at"},
        }
    }
}


@pytest.fixture
def shop(mysql_db, manifest):
    mysql_db.execute(ORDERS, EVENTS)
    return mysql_db, manifest(MANIFEST)


def _orders(db, rows):
    db.execute("INSERT INTO orders VALUES (%s, %s, %s, %s, %s)", args=rows)


def _events(db, rows):
    db.execute("INSERT INTO events VALUES (%s, %s, %s)", args=rows)


def _snapshot(path: Path) -> dict[str, list[tuple]]:
    return {
        "orders": query(path, "SELECT id, status, amount, created_at, updated_at FROM raw_mysql.orders ORDER BY id"),
        "events": query(
            path, "SELECT customer_id, kind, created_at FROM raw_mysql.events ORDER BY created_at, customer_id, kind"
        ),
    }


def test_boundaries_since_included_until_excluded(shop, warehouse, run_cli: Callable[..., CliResult]):
    db, config = shop
    _orders(
        db,
        [
            (1, "paid", "1.00", "2024-02-01", "2024-03-01 00:00:00"),  # exactly at since: loaded
            (2, "paid", "2.00", "2024-02-01", "2024-03-01 23:59:59.999999"),  # last microsecond: loaded
            (3, "paid", "3.00", "2024-02-01", "2024-03-02 00:00:00"),  # exactly at until: not loaded
            (4, "paid", "4.00", "2024-02-01", "2024-02-29 23:59:59.999999"),  # before since: not loaded
        ],
    )
    result = run_cli("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert result.code == 0, result.stderr
    assert [r[0] for r in query(warehouse, "SELECT id FROM raw_mysql.orders ORDER BY id")] == [1, 2]
    assert result.report["tables"]["orders"]["rows_loaded"] == 2


def test_many_rows_sharing_one_cursor_value_across_batches_load_once(shop, warehouse, run_cli, manifest):
    db, _ = shop
    _orders(db, [(i, "paid", "1.00", "2024-03-01", "2024-03-01 12:00:00") for i in range(1, 2501)])
    _events(db, [(i, "page_view", "2024-03-01 12:00:00") for i in range(2500)])
    small_batches = manifest({"mysql": {**MANIFEST["mysql"], "batch_rows": 100}}, "small.yaml")
    result = run_cli(
        "--source", "mysql", "--config", str(small_batches), "--since", "2024-03-01", "--until", "2024-03-02"
    )
    assert result.code == 0, result.stderr
    assert query(warehouse, "SELECT count(*), count(DISTINCT id) FROM raw_mysql.orders") == [(2500, 2500)]
    assert query(warehouse, "SELECT count(*) FROM raw_mysql.events") == [(2500,)]


def test_rerun_of_a_window_leaves_the_destination_identical(shop, warehouse, run_cli):
    db, config = shop
    _orders(db, [(i, "paid", f"{i}.50", "2024-03-01", f"2024-03-01 0{i}:00:00") for i in range(1, 6)])
    _events(db, [(i % 3, "search", f"2024-03-01 1{i}:00:00") for i in range(5)])
    args = ("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert run_cli(*args).code == 0
    first = _snapshot(warehouse)
    assert run_cli(*args).code == 0
    assert _snapshot(warehouse) == first
    assert len(first["orders"]) == 5
    assert len(first["events"]) == 5


def test_row_updated_into_a_later_window_ends_up_once_with_latest_values(shop, warehouse, run_cli):
    db, config = shop
    _orders(db, [(1, "placed", "10.00", "2024-03-01 08:00", "2024-03-01 08:00")])
    base = ("--source", "mysql", "--config", str(config))
    assert run_cli(*base, "--since", "2024-03-01", "--until", "2024-03-02").code == 0
    db.execute("UPDATE orders SET status = 'shipped', amount = 12.00, updated_at = '2024-03-02 09:00' WHERE id = 1")
    assert run_cli(*base, "--since", "2024-03-02", "--until", "2024-03-03").code == 0
    rows = query(warehouse, "SELECT id, status, amount FROM raw_mysql.orders")
    assert [(r[0], r[1], str(r[2])) for r in rows] == [(1, "shipped", "12.00")]
    # Rerunning the first window afterwards must not bring the old version back.
    assert run_cli(*base, "--since", "2024-03-01", "--until", "2024-03-02").code == 0
    assert [r[1] for r in query(warehouse, "SELECT id, status FROM raw_mysql.orders")] == ["shipped"]


def test_window_replace_removes_rows_that_vanished_from_the_source(shop, warehouse, run_cli):
    db, config = shop
    _events(
        db, [(1, "search", "2024-03-01 10:00"), (2, "search", "2024-03-01 11:00"), (3, "search", "2024-03-02 11:00")]
    )
    args = ("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-03")
    assert run_cli(*args).code == 0
    db.execute("DELETE FROM events WHERE customer_id = 2")
    narrow = ("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert run_cli(*narrow).code == 0
    assert [r[0] for r in query(warehouse, "SELECT customer_id FROM raw_mysql.events ORDER BY 1")] == [1, 3]


def test_empty_window_deletes_the_windows_old_rows_for_append_only_tables(shop, warehouse, run_cli):
    db, config = shop
    _events(db, [(1, "search", "2024-03-01 10:00"), (2, "search", "2024-03-02 10:00")])
    args = ("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-03")
    assert run_cli(*args).code == 0
    db.execute("DELETE FROM events WHERE customer_id = 1")
    day1 = ("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    result = run_cli(*day1)
    assert result.code == 0
    assert result.report["tables"]["events"]["rows_loaded"] == 0
    assert [r[0] for r in query(warehouse, "SELECT customer_id FROM raw_mysql.events")] == [2]


def test_one_window_chunks_and_separate_runs_give_the_same_content(shop, tmp_path, monkeypatch, run_cli):
    db, config = shop
    _orders(
        db,
        [
            (i, "paid", f"{i}.00", f"2024-03-0{1 + i % 3} 01:00", f"2024-03-0{1 + i % 4} {i % 24:02d}:30")
            for i in range(1, 200)
        ],
    )
    _events(db, [(i, "page_view", f"2024-03-0{1 + i % 4} {i % 24:02d}:{i % 60:02d}") for i in range(300)])
    common = ("--source", "mysql", "--config", str(config))
    snapshots = []
    for name, runs in {
        "one": [("--since", "2024-03-01", "--until", "2024-03-05")],
        "chunks": [("--since", "2024-03-01", "--until", "2024-03-05", "--chunk", "1d")],
        "separate": [("--since", f"2024-03-0{d}", "--until", f"2024-03-0{d + 1}") for d in (3, 1, 4, 2)],
    }.items():
        path = tmp_path / f"{name}.duckdb"
        monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(path))
        for run in runs:
            assert run_cli(*common, *run).code == 0
        snapshots.append(_snapshot(path))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    assert len(snapshots[0]["orders"]) == 199
    assert len(snapshots[0]["events"]) == 300


def test_chunked_run_reports_each_committed_chunk(shop, warehouse, run_cli):
    db, config = shop
    _events(db, [(d, "search", f"2024-03-0{d} 10:00") for d in range(1, 4)])
    result = run_cli(
        "--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-04", "--chunk", "1d"
    )
    assert result.code == 0
    chunks = result.report["chunks"]
    assert [(c["since"], c["until"], c["status"]) for c in chunks] == [
        ("2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z", "committed"),
        ("2024-03-02T00:00:00Z", "2024-03-03T00:00:00Z", "committed"),
        ("2024-03-03T00:00:00Z", "2024-03-04T00:00:00Z", "committed"),
    ]
    assert [c["rows"] for c in chunks] == [1, 1, 1]


def test_dry_run_counts_per_table_and_chunk_and_loads_nothing(shop, warehouse, run_cli):
    db, config = shop
    _orders(
        db,
        [(1, "paid", "1.00", "2024-03-01", "2024-03-01 10:00"), (2, "paid", "1.00", "2024-03-01", "2024-03-02 10:00")],
    )
    result = run_cli(
        "--source",
        "mysql",
        "--config",
        str(config),
        "--since",
        "2024-03-01",
        "--until",
        "2024-03-03",
        "--chunk",
        "1d",
        "--dry-run",
    )
    assert result.code == 0
    assert result.report["status"] == "dry-run"
    assert result.report["tables"]["orders"]["rows_in_source"] == 2
    assert result.report["tables"]["events"]["rows_in_source"] == 0
    plans = [line for line in result.stderr.splitlines() if '"event": "plan"' in line]
    assert len(plans) == 4  # 2 tables x 2 chunks
    assert any("`updated_at` >= '2024-03-01 00:00:00.000000'" in line for line in plans)
    assert not warehouse.exists() or not query(
        warehouse, "SELECT * FROM information_schema.tables WHERE table_schema = 'raw_mysql'"
    )


def test_tables_option_limits_the_run(shop, warehouse, run_cli):
    db, config = shop
    _orders(db, [(1, "paid", "1.00", "2024-03-01", "2024-03-01 10:00")])
    _events(db, [(1, "search", "2024-03-01 10:00")])
    result = run_cli(
        "--source",
        "mysql",
        "--config",
        str(config),
        "--tables",
        "events",
        "--since",
        "2024-03-01",
        "--until",
        "2024-03-02",
    )
    assert result.code == 0
    assert list(result.report["tables"]) == ["events"]
    tables = query(
        warehouse,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw_mysql' ORDER BY 1",
    )
    assert tables == [("_extract_runs",), ("events",)]


def test_dataset_option_names_the_duckdb_schema(shop, warehouse, run_cli):
    db, config = shop
    _events(db, [(1, "search", "2024-03-01 10:00")])
    result = run_cli(
        "--source",
        "mysql",
        "--config",
        str(config),
        "--dataset",
        "landing",
        "--since",
        "2024-03-01",
        "--until",
        "2024-03-02",
    )
    assert result.code == 0
    assert query(warehouse, "SELECT count(*) FROM landing.events") == [(1,)]


def test_date_cursor_selects_whole_days_and_reruns_replace_them(mysql_db, warehouse, run_cli, manifest):
    mysql_db.execute("CREATE TABLE daily (day DATE NOT NULL, metric INT)")
    mysql_db.execute(
        "INSERT INTO daily VALUES (%s, %s)", args=[("2024-02-29", 1), ("2024-03-01", 2), ("2024-03-02", 3)]
    )
    config = manifest({"mysql": {"tables": {"daily": {"cursor": "day"}}}})
    args = ("--source", "mysql", "--config", str(config), "--since", "2024-03-01", "--until", "2024-03-02")
    assert run_cli(*args).code == 0
    mysql_db.execute("UPDATE daily SET metric = 20 WHERE day = '2024-03-01'")
    assert run_cli(*args).code == 0
    assert query(warehouse, "SELECT day::VARCHAR, metric FROM raw_mysql.daily") == [("2024-03-01", 20)]


def test_rows_stream_in_batches_bounded_by_batch_rows(shop, manifest):
    from collections import Counter

    from extract.manifest import parse_section, read_manifest_file
    from extract.sources.mysql import MySQLSource
    from extract.window import Window

    db, _ = shop
    _events(db, [(i, "page_view", f"2024-03-01 {i % 24:02d}:00:00") for i in range(1000)])
    path = manifest({"mysql": {"batch_rows": 128, "tables": {"events": {"cursor": "created_at"}}}}, "batches.yaml")
    label, content = read_manifest_file(path)
    source = MySQLSource(parse_section("mysql", label, content, MySQLSource.rules))
    source.open(source.manifest.tables)
    try:
        sizes = [
            b.num_rows
            for b in source.read(source.manifest.tables[0], Window.parse("2024-03-01", "2024-03-02"), Counter())
        ]
    finally:
        source.close()
    assert sum(sizes) == 1000
    assert max(sizes) <= 128  # memory is bounded by the batch, not by the window
    assert len(sizes) >= 8
