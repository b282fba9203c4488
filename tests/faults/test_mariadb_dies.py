"""MariaDB dies (SIGKILL) in the middle of a chunked window: exit 75, committed chunks kept, resume completes.

The server is a dedicated one (the session server must survive), killed at two moments of the third
chunk: right after the second chunk commits (the third chunk's count is in flight, PyMySQL sees the
loss), and while the third chunk's rows are streaming (connectorx sees it). Either way the run must stop with exit 75, name the
committed chunks, print a resume command, and that command, once the server is back, must leave the
destination equal to an uninterrupted run.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.mariadb import MariaDBServer
from tests.faults.conftest import (
    ProcessRun,
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

ROWS_PER_DAY = (5_000,) * 5
DAYS = len(ROWS_PER_DAY)
# connectorx prefetches a result set far ahead of its consumer, so a fast server has usually sent a whole
# chunk before any kill lands. The events are read through a view that paces the third day's rows
# (SLEEP per row, about 2 s in all): a kill seen while that SELECT runs really cuts the stream.
PACED_VIEW = """
CREATE VIEW events_paced AS
SELECT customer_id, kind, payload, created_at,
       SLEEP(IF(created_at >= '2024-03-03' AND created_at < '2024-03-04', 0.0004, 0)) AS paced
FROM events"""
TABLES = {
    "orders": {"cursor": "updated_at", "primary_key": "id", "partition": "created_at"},
    "events_paced": {"cursor": "created_at"},
}
SINCE, UNTIL = "2024-03-01", "2024-03-06"
KILL_AFTER_COMMITS = 2


@pytest.fixture(scope="module")
def doomed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    """A MariaDB server of its own, seeded with DAYS days of shop rows; each test kills and restarts it."""
    server = MariaDBServer(tmp_path_factory.mktemp("doomed-mariadb"), database="shop")
    server.start()
    try:
        for day, rows in enumerate(ROWS_PER_DAY, start=1):
            seed_shop(server.connect, rows, days=1, start=f"2024-03-{day:02d}")
        with server.connect() as conn, conn.cursor() as cur:
            cur.execute(PACED_VIEW)
        yield server
    finally:
        server.stop()


def _streaming_read_started(server: MariaDBServer, timeout_s: float = 20) -> bool:
    """Wait until the server is streaming the paced events (their SELECT, not their count); False on timeout."""
    deadline = time.monotonic() + timeout_s
    with server.root_connection() as conn, conn.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE INFO LIKE 'SELECT %%' AND INFO NOT LIKE '%%COUNT(%%' AND INFO LIKE '%%`events_paced`%%'"
            )
            if cur.fetchone()[0]:
                return True
            time.sleep(0.005)
    return False


def _run_and_kill(server: MariaDBServer, tmp_path: Path, *, mid_stream: bool) -> tuple[ProcessRun, dict[str, Any]]:
    """Start a chunked run, SIGKILL the server during the third chunk, return the outcome and the run's setup."""
    config = write_manifest(tmp_path / "manifest.yaml", TABLES)
    warehouse = tmp_path / "warehouse.duckdb"
    env = extract_env(server.url, warehouse, tmp_path / "dlt")
    report = tmp_path / "report.json"
    process = start_extract(extract_command(config, SINCE, UNTIL, "--chunk", "1d"), env, report)
    head, commits = [], 0
    assert process.stderr is not None
    for line in process.stderr:
        head.append(line)
        commits += '"event": "chunk_committed"' in line
        if commits == KILL_AFTER_COMMITS:
            break
    if mid_stream:
        assert _streaming_read_started(server), "the third chunk never started streaming"
    server.kill()
    result = finish(process, report, "".join(head))
    server.start()  # same data dir and port: InnoDB crash recovery, then the same URL works again
    return result, {"config": config, "warehouse": warehouse, "env": env}


def _assert_stopped_with_a_resume_command(result: ProcessRun, password: str) -> int:
    """The report and the logs name the committed chunks and the resume command; returns how many committed."""
    assert result.report is not None, result.stderr
    assert len(result.error_lines) == 1, result.stderr
    assert password not in result.stderr
    statuses = [c["status"] for c in result.report["chunks"]]
    done = statuses.count("committed")
    # The kill lands after the 2nd commit; the 3rd chunk may still finish from rows it already holds.
    assert KILL_AFTER_COMMITS <= done < DAYS
    assert statuses == ["committed"] * done + ["failed"] + ["pending"] * (DAYS - done - 1)
    logged = [e["window"] for e in result.events if e["event"] == "chunk_committed"]
    assert logged == [f"[{c['since']}, {c['until']})" for c in result.report["chunks"][:done]]
    resume = result.report["resume_command"]
    assert f"resume with: {resume}" in result.stderr
    assert shlex.split(resume)[-2:] == ["--since", result.report["chunks"][done]["since"]]
    finished = [e for e in result.events if e["event"] == "run_finished"]
    assert len(finished) == 1
    assert finished[0]["exit_code"] == result.code
    return done


def _assert_resume_completes(result: ProcessRun, done: int, setup: dict[str, Any], clean_run, url: str) -> None:
    warehouse = setup["warehouse"]
    before = contents(warehouse)  # the committed chunks, each row once
    committed_rows = sum(ROWS_PER_DAY[:done])
    assert len(before["orders"]) == len({row[0] for row in before["orders"]}) == committed_rows
    assert len(before["events_paced"]) == committed_rows

    resume_args = shlex.split(result.report["resume_command"])
    assert resume_args[:3] == ["python", "-m", "extract"]
    resumed = run_extract(resume_args[3:], setup["env"], warehouse.with_suffix(".resumed.json"))
    assert resumed.code == 0, resumed.stderr
    assert [c["status"] for c in resumed.report["chunks"]] == ["committed"] * (DAYS - done)

    final = contents(warehouse)
    assert final == clean_run(url, setup["config"], SINCE, UNTIL)
    assert len(final["orders"]) == len(final["events_paced"]) == sum(ROWS_PER_DAY)
    loaded = [row for row in ledger(warehouse) if row[2] == "success"]
    assert len({(row[0], row[1]) for row in loaded}) == 2 * DAYS  # every (table, day) loaded and reconciled
    assert all(row[3] == row[4] for row in loaded)


def test_sigkill_right_after_a_commit_exits_75_and_the_resume_command_completes(doomed_server, tmp_path, clean_run):
    result, setup = _run_and_kill(doomed_server, tmp_path, mid_stream=False)
    assert result.code == 75, result.stderr
    assert "a retry may succeed" in result.error_lines[0]
    done = _assert_stopped_with_a_resume_command(result, doomed_server.password)
    _assert_resume_completes(result, done, setup, clean_run, doomed_server.url)


def test_sigkill_while_rows_stream_exits_75_and_the_resume_command_completes(doomed_server, tmp_path, clean_run):
    result, setup = _run_and_kill(doomed_server, tmp_path, mid_stream=True)
    assert result.code == 75, result.stderr  # connectorx's panic on the lost connection is transient
    assert "the connection broke mid-read" in result.error_lines[0]
    assert "a retry may succeed" in result.error_lines[0]
    done = _assert_stopped_with_a_resume_command(result, doomed_server.password)
    _assert_resume_completes(result, done, setup, clean_run, doomed_server.url)
