"""The destination fails: a DuckDB file held by another process, and a full disk.

Both must end with one clear error line and the right exit code, and leave the DuckDB file readable
with exactly what it held before the failed run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import contents, extract_command, extract_env, ledger, run_extract, seed_shop, write_manifest

# Holds a write transaction on a DuckDB file until its stdin closes; the uncommitted table must vanish.
HOLD_DUCKDB = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
conn.execute("BEGIN TRANSACTION")
conn.execute("CREATE TABLE main.held_by_another_process AS SELECT 1 AS x")
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def shop(mysql_db, tmp_path):
    """Two days of 100 rows a day in the session server, and the shop manifest."""
    seed_shop(mysql_db.connect, rows_per_day=100, days=2)
    return mysql_db, write_manifest(tmp_path / "manifest.yaml")


@pytest.fixture
def holder() -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    """Start a process that holds the DuckDB file open for writing; it exits when released."""
    processes: list[subprocess.Popen[str]] = []

    def hold(path: Path) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD_DUCKDB, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        processes.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "holding"
        return process

    yield hold
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_duckdb_file_held_by_another_process_exits_75_and_keeps_its_content(shop, tmp_path, holder):
    db, config = shop
    warehouse = tmp_path / "warehouse.duckdb"
    env = extract_env(db.url, warehouse, tmp_path / "dlt")
    first = run_extract(extract_command(config, "2024-03-01", "2024-03-02"), env, tmp_path / "first.json")
    assert first.code == 0, first.stderr
    before, ledger_before = contents(warehouse), ledger(warehouse)

    process = holder(warehouse)
    blocked = run_extract(extract_command(config, "2024-03-02", "2024-03-03"), env, tmp_path / "blocked.json")
    assert blocked.code == 75, blocked.stderr
    assert len(blocked.error_lines) == 1
    assert (
        "duckdb:raw_mysql: the DuckDB file is locked by another process; retry when it is released"
        in (blocked.error_lines[0])
    )
    assert f"PID {process.pid}" in blocked.error_lines[0]  # DuckDB names the holder
    assert "Traceback" not in blocked.stderr
    assert blocked.report["status"] == "failed"

    process.stdin.close()  # the holder ends; its uncommitted transaction is rolled back
    assert process.wait(timeout=30) == 0
    assert contents(warehouse) == before
    assert ledger(warehouse) == ledger_before
    retried = run_extract(extract_command(config, "2024-03-02", "2024-03-03"), env, tmp_path / "retried.json")
    assert retried.code == 0, retried.stderr
    assert len(contents(warehouse)["orders"]) == 200


@pytest.fixture
def tiny_disk(tmp_path) -> Iterator[Path]:
    """An 8 MB tmpfs mounted under the test's temp dir (root only), unmounted at teardown."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the full-disk test needs root in CI (mount -t tmpfs)")
        pytest.skip("mounting a tmpfs needs root")
    mountpoint = tmp_path / "tiny-disk"
    mountpoint.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mountpoint)], check=True)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "--lazy", str(mountpoint)], check=False)


def test_a_full_disk_exits_1_with_one_line_and_keeps_the_previous_content(shop, tmp_path, tiny_disk):
    db, config = shop
    # Day 3 alone holds far more than the 8 MB disk: staging plus target copies of md5 text.
    seed_shop(db.connect, rows_per_day=150_000, days=1, start="2024-03-03")
    warehouse = tiny_disk / "warehouse.duckdb"
    # dlt's own files (parquet, load packages) live on the normal disk: the DuckDB file is what fills up.
    env = extract_env(db.url, warehouse, tmp_path / "dlt")
    first = run_extract(extract_command(config, "2024-03-01", "2024-03-03"), env, tmp_path / "first.json")
    assert first.code == 0, first.stderr
    before, ledger_before = contents(warehouse), ledger(warehouse)
    assert len(before["orders"]) == 200

    full = run_extract(extract_command(config, "2024-03-03", "2024-03-04"), env, tmp_path / "full.json")
    assert full.code == 1, full.stderr
    assert "Traceback" not in full.stderr  # dlt's retried load jobs log only at CRITICAL
    assert full.error_lines == [
        "error: duckdb:raw_mysql: no space left on device while loading; free space and rerun the window"
    ]
    assert full.report["status"] == "failed"
    assert contents(warehouse) == before
    assert ledger(warehouse)[: len(ledger_before)] == ledger_before
    assert all(row[2] == "failed" for row in ledger(warehouse)[len(ledger_before) :])
