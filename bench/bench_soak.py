"""Soak and scale benchmark: memory stays flat over many chunks, and a big HubSpot day arrives whole.

1. MySQL: N rows (default 10,000,000) of mixed types spread evenly over `--days` days (default 10) in a
   throwaway MariaDB, loaded by `python -m extract --chunk 1d` into a fresh DuckDB file. The RSS of the
   extract process (children included) is sampled from /proc every 50 ms; each `chunk_committed` JSON log
   line closes a chunk, so the table shows the peak RSS of every chunk. Flat means: the last chunks peak
   no higher than the first ones (printed as the growth from the first chunk to the highest later one).
2. HubSpot: the local fake (tests/fakes/hubspot.py) with `--hubspot-records` contacts (default 100,000)
   modified within one day, loaded by `python -m extract --source hubspot`. All must arrive (counted in
   DuckDB, distinct ids) and the API calls spent are reported: the extractor's own count (report extra)
   and what the fake received.

Not a test: it prints, and exits 1 only when rows are missing or duplicated.

    uv run --no-sync python bench/bench_soak.py --rows 2000000 [--days 10] [--hubspot-records 100000]

The extractor runs from `.venv-runtime` (the runtime dependencies only, as in Dockerfile.extract), like
bench/bench_mysql.py, so dlt never imports the dev group's Airflow or dbt.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_mysql import SCHEMA, runtime_python  # noqa: E402
from bench.measure import tree_rss  # noqa: E402
from demo.mariadb import MariaDBServer  # noqa: E402
from tests.fakes.hubspot import FakeHubSpot  # noqa: E402

START = datetime(2024, 1, 1, tzinfo=UTC)
SAMPLE_EVERY_S = 0.05
# Same columns and value mix as bench_mysql.py, but `seq * step` microseconds apart so the rows spread
# evenly over the requested days (one chunk per day).
SEED = """
INSERT INTO bench
SELECT seq, seq % 50000, (seq % 100000) / 100, seq * 1.123456789, 18446744073709551615 - seq,
       CONCAT('customer-', seq), IF(seq % 7 = 0, NULL, CONCAT('note ', seq, ' caf\u00e9 \U0001f600')), seq % 2,
       JSON_OBJECT('k', seq, 'tags', JSON_ARRAY('a', 'b')),
       TIMESTAMP('2024-01-01') + INTERVAL (seq * {step}) MICROSECOND,
       TIMESTAMP('2024-01-01') + INTERVAL (seq * {step}) MICROSECOND,
       DATE('2024-01-01') + INTERVAL (seq % 365) DAY
FROM seq_{first}_to_{last}
"""
SEED_BATCH = 1_000_000


@dataclass
class ChunkSample:
    """One committed chunk and the highest RSS seen while it ran."""

    window: str
    rows: int
    duration_s: float
    peak_rss_mb: float


@dataclass
class SampledRun:
    """A CLI run observed from outside: exit code, chunk peaks, overall peak, report."""

    code: int
    seconds: float
    peak_rss_mb: float
    chunks: list[ChunkSample] = field(default_factory=list)
    report: dict[str, Any] | None = None
    stderr_tail: str = ""


def run_chunked(args: list[str], env: dict[str, str], report: Path) -> SampledRun:
    """Run the CLI, sampling RSS every 50 ms and cutting the samples into chunks at each `chunk_committed`."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*args, "--report", str(report), "--log-format", "json"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, bufsize=1,
    )  # fmt: skip
    ps = psutil.Process(proc.pid)
    lock = threading.Lock()
    peaks = {"chunk": 0, "run": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                rss = tree_rss(ps)
            except psutil.Error:
                return
            with lock:
                peaks["chunk"] = max(peaks["chunk"], rss)
                peaks["run"] = max(peaks["run"], rss)
            time.sleep(SAMPLE_EVERY_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    chunks: list[ChunkSample] = []
    tail: list[str] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        tail = [*tail[-30:], line]
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event.get("event") == "chunk_committed":
            with lock:
                peak, peaks["chunk"] = peaks["chunk"], 0
            chunks.append(ChunkSample(event["window"], event["rows"], event["duration_s"], peak / 2**20))
            print(f"  {chunks[-1].window}  {chunks[-1].rows:>10,} rows  {chunks[-1].duration_s:6.1f}s  "
                  f"peak RSS {chunks[-1].peak_rss_mb:6.0f} MB", flush=True)  # fmt: skip
    code = proc.wait()
    done.set()
    sampler.join()
    content = json.loads(report.read_text()) if report.exists() else None
    return SampledRun(code, time.perf_counter() - started, peaks["run"] / 2**20, chunks, content, "".join(tail))


def seed_mysql(server: MariaDBServer, rows: int, days: int) -> None:
    """Create `bench` and insert `rows` rows spread evenly over `days` days, a million per statement."""
    step = (days * 86_400 * 1_000_000) // (rows + 1)
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench")
        cur.execute(SCHEMA)
        for first in range(1, rows + 1, SEED_BATCH):
            cur.execute(SEED.format(step=step, first=first, last=min(first + SEED_BATCH - 1, rows)))


def soak_mysql(python: str, rows: int, days: int, workdir: Path) -> dict[str, Any]:
    """Seed, load in 1-day chunks, print the per-chunk peaks; returns the figures."""
    with MariaDBServer(workdir / "mariadb", database="bench") as server:
        print(f"mysql: seeding {rows:,} rows over {days} days ...", flush=True)
        started = time.perf_counter()
        seed_mysql(server, rows, days)
        print(f"  seeded in {time.perf_counter() - started:.1f}s", flush=True)
        manifest = workdir / "mysql.yaml"
        manifest.write_text(yaml.safe_dump({"mysql": {"tables": {"bench": {"cursor": "updated_at",
                                                                           "primary_key": "id"}}}}))  # fmt: skip
        duck = workdir / "soak-mysql.duckdb"
        env = {**os.environ, "SOURCES__MYSQL__CREDENTIALS": server.url,
               "DESTINATION__DUCKDB__CREDENTIALS": str(duck), "DLT_DATA_DIR": str(workdir / "dlt")}  # fmt: skip
        until = START + timedelta(days=days)
        print(f"mysql: python -m extract --chunk 1d over [{START:%Y-%m-%d}, {until:%Y-%m-%d}) ...", flush=True)
        run = run_chunked(
            [python, "-m", "extract", "--source", "mysql", "--config", str(manifest), "--since",
             START.isoformat(), "--until", until.isoformat(), "--chunk", "1d"],
            env, workdir / "soak-mysql.json",
        )  # fmt: skip
    if run.code != 0:
        raise SystemExit(f"mysql soak run failed ({run.code}):\n{run.stderr_tail}")
    with duckdb.connect(str(duck), read_only=True) as conn:
        loaded, distinct = conn.execute("SELECT count(*), count(DISTINCT id) FROM raw_mysql.bench").fetchone()
    peaks = [c.peak_rss_mb for c in run.chunks]
    first, later = peaks[0], peaks[1:] or peaks
    figures = {
        "rows": rows,
        "days": days,
        "seconds": round(run.seconds, 1),
        "rows_per_s": round(rows / run.seconds),
        "loaded": loaded,
        "distinct_ids": distinct,
        "peak_rss_mb": round(run.peak_rss_mb),
        "chunk_peak_first_mb": round(first),
        "chunk_peak_max_later_mb": round(max(later)),
        "chunk_peak_min_mb": round(min(peaks)),
        "growth_first_to_max_later_pct": round((max(later) / first - 1) * 100, 1),
        "growth_first_to_last_pct": round((peaks[-1] / first - 1) * 100, 1),
        "chunks": [asdict(c) for c in run.chunks],
    }
    print(
        f"mysql: {loaded:,} rows loaded ({distinct:,} distinct ids) in {run.seconds:.1f}s "
        f"({figures['rows_per_s']:,} rows/s); chunk peak RSS first {first:.0f} MB, later max {max(later):.0f} MB, "
        f"min {min(peaks):.0f} MB: growth first->max later {figures['growth_first_to_max_later_pct']:+.1f}%, "
        f"first->last {figures['growth_first_to_last_pct']:+.1f}%",
        flush=True,
    )
    return figures


def soak_hubspot(python: str, records: int, workdir: Path) -> dict[str, Any]:
    """Seed the fake with `records` contacts modified within one day, load that day, count and report calls."""
    day = datetime(2024, 3, 1, tzinfo=UTC)
    step = timedelta(days=1) / (records + 1)
    rows = [
        (day + step * (i + 1), {"email": f"user{i}@example.com", "firstname": "Ada", "lastname": f"L{i}",
                                "lifecyclestage": "lead"}, None, None)
        for i in range(records)
    ]  # fmt: skip
    manifest = workdir / "hubspot.yaml"
    manifest.write_text(yaml.safe_dump({"hubspot": {"objects": {"contacts": {
        "properties": ["email", "firstname", "lastname", "lifecyclestage"]}}}}))  # fmt: skip
    duck = workdir / "soak-hubspot.duckdb"
    with FakeHubSpot() as fake:
        fake.add_many("contacts", rows)
        env = {**os.environ, "SOURCES__HUBSPOT__ACCESS_TOKEN": fake.token, "SOURCES__HUBSPOT__BASE_URL": fake.base_url,
               "DESTINATION__DUCKDB__CREDENTIALS": str(duck), "DLT_DATA_DIR": str(workdir / "dlt")}  # fmt: skip
        print(f"hubspot: {records:,} contacts in one day; python -m extract --source hubspot ...", flush=True)
        run = run_chunked(
            [python, "-m", "extract", "--source", "hubspot", "--config", str(manifest), "--since", "2024-03-01",
             "--until", "2024-03-02"],
            env, workdir / "soak-hubspot.json",
        )  # fmt: skip
        received = {route: fake.calls(route) for route in ("search", "list", "properties")}
    if run.code != 0 or run.report is None:
        raise SystemExit(f"hubspot soak run failed ({run.code}):\n{run.stderr_tail}")
    with duckdb.connect(str(duck), read_only=True) as conn:
        loaded, distinct = conn.execute("SELECT count(*), count(DISTINCT id) FROM raw_hubspot.contacts").fetchone()
    extra = run.report["extra"]["hubspot"]
    figures = {
        "records": records,
        "loaded": loaded,
        "distinct_ids": distinct,
        "seconds": round(run.seconds, 1),
        "peak_rss_mb": round(run.peak_rss_mb),
        "api_calls": extra["api_calls"],
        "calls_by_endpoint": extra["calls_by_endpoint"],
        "retries": extra["retries"],
        "fake_received": received,
        "search_slices": extra.get("search_slices"),
        "records_per_call": round(loaded / max(extra["api_calls"], 1), 1),
    }
    print(
        f"hubspot: {loaded:,} of {records:,} contacts loaded ({distinct:,} distinct ids) in {run.seconds:.1f}s, "
        f"peak RSS {run.peak_rss_mb:.0f} MB; API calls spent: {extra['api_calls']} "
        f"({extra['calls_by_endpoint']}; the fake received {received}; retries {extra['retries']}), "
        f"{figures['records_per_call']} records per call",
        flush=True,
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the selected soaks, print their figures, exit 1 if any row is missing or duplicated."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="MySQL rows (default 10,000,000)")
    parser.add_argument("--days", type=int, default=10, help="days the rows spread over = chunks (default 10)")
    parser.add_argument("--hubspot-records", type=int, default=100_000, help="HubSpot contacts in one day")
    parser.add_argument("--skip-mysql", action="store_true")
    parser.add_argument("--skip-hubspot", action="store_true")
    parser.add_argument("--workdir", type=Path, help="keep the data here (default: a temp dir, removed)")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    python = runtime_python()
    results: dict[str, Any] = {}
    try:
        if not args.skip_mysql:
            results["mysql"] = soak_mysql(python, args.rows, args.days, workdir)
        if not args.skip_hubspot:
            results["hubspot"] = soak_hubspot(python, args.hubspot_records, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    summary = {k: {key: v for key, v in r.items() if key != "chunks"} for k, r in results.items()}
    print(json.dumps(summary, default=str))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str))
    complete = all(r["loaded"] == r["distinct_ids"] == r.get("rows", r.get("records")) for r in results.values())
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
