"""Two runs of the same source and window at once, on the same DuckDB file.

The DuckDB writer lock lets one run write; the other either finds the file free (the first already
finished) or refuses with exit 75 and a message naming the other run. Whatever the interleaving,
the destination must equal one clean run, and rerunning the refused run must succeed and change nothing.
"""

from __future__ import annotations

from tests.faults.conftest import (
    contents,
    extract_command,
    extract_env,
    finish,
    ledger,
    run_extract,
    seed_shop,
    start_extract,
    write_manifest,
)

SINCE, UNTIL = "2024-03-01", "2024-03-04"


def test_two_runs_of_the_same_window_end_consistent_or_one_refuses(mysql_db, tmp_path, clean_run):
    seed_shop(mysql_db.connect, rows_per_day=2_000, days=3)
    config = write_manifest(tmp_path / "manifest.yaml")
    warehouse = tmp_path / "warehouse.duckdb"
    args = extract_command(config, SINCE, UNTIL, "--chunk", "1d")
    env = extract_env(mysql_db.url, warehouse, tmp_path / "dlt")
    reports = [tmp_path / "a.json", tmp_path / "b.json"]
    processes = [start_extract(args, env, report) for report in reports]
    results = [finish(process, report) for process, report in zip(processes, reports, strict=True)]

    codes = sorted(r.code for r in results)
    assert codes in ([0, 0], [0, 75]), [r.stderr for r in results]
    for refused in (r for r in results if r.code == 75):
        assert len(refused.error_lines) == 1
        assert refused.error_lines[0].startswith(f"error: duckdb {warehouse}: another extract run (pid ")
        assert refused.error_lines[0].endswith("is writing this file; retry when it has finished")
        assert refused.report["status"] == "failed"
        assert all(chunk["status"] == "pending" for chunk in refused.report["chunks"])  # refused before loading

    expected = clean_run(mysql_db.url, config, SINCE, UNTIL)
    assert contents(warehouse) == expected
    assert len(expected["orders"]) == len({row[0] for row in expected["orders"]}) == 6_000

    rerun = run_extract(args, env, tmp_path / "rerun.json")
    assert rerun.code == 0, rerun.stderr
    assert contents(warehouse) == expected
    successes = [row for row in ledger(warehouse) if row[2] == "success"]
    assert all(row[3] == row[4] for row in successes)
    assert len(successes) == 2 * 3 * (1 + codes.count(0))  # tables x days x successful runs
