"""Benchmark: MySQL -> DuckDB with `python -m extract`, against the floor set by the server and the protocol.

Seeds N rows of mixed types (default 2,000,000) into a throwaway MariaDB, then measures in the same run:

1. `mariadb --quick -e 'SELECT ...' > /dev/null`: the server + protocol floor;
2. a raw PyMySQL `SSCursor` fetch loop (pure Python driver, no conversion, no load);
3. `python -m extract` into a fresh DuckDB file, over a window of N/4 rows and over all N rows.

Prints rows/s, peak RSS (sampled from /proc every 20 ms, children included) and the ratios the
foundation issue targets: extract >= 2.0x raw PyMySQL and >= 0.35x the mariadb CLI; peak RSS <= 300 MB
at N rows, growing < 15% from N/4 to N. Not a test: it prints, it never fails on a number.

    uv run python bench/bench_mysql.py --rows 2000000

The extractor runs from `.venv-runtime`, a venv holding only the extractor's runtime dependencies (exactly
what `Dockerfile.extract` installs), built here with `uv sync --no-default-groups`: the dev environment also
holds Airflow and dbt, which dlt imports when present and which a production pod never loads.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.measure import run_sampled
from demo.mariadb import MariaDBServer

ROOT = Path(__file__).resolve().parents[1]

START = datetime(2024, 1, 1, tzinfo=UTC)
COLUMNS = "id, customer_id, amount, big, ub, name, note, flag, payload, created_at, updated_at, d"
SCHEMA = """
CREATE TABLE bench (
  id BIGINT PRIMARY KEY,
  customer_id INT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  big DECIMAL(38,9),
  ub BIGINT UNSIGNED,
  name VARCHAR(64) NOT NULL,
  note TEXT,
  flag TINYINT(1) NOT NULL,
  payload JSON,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  d DATE,
  KEY idx_bench_updated_at (updated_at)
) CHARACTER SET utf8mb4
"""
SEED = """
INSERT INTO bench
SELECT seq, seq % 50000, (seq % 100000) / 100, seq * 1.123456789, 18446744073709551615 - seq,
       CONCAT('customer-', seq), IF(seq % 7 = 0, NULL, CONCAT('note ', seq, ' caf\u00e9 \U0001f600')), seq % 2,
       JSON_OBJECT('k', seq, 'tags', JSON_ARRAY('a', 'b')),
       TIMESTAMP('2024-01-01') + INTERVAL seq SECOND,
       TIMESTAMP('2024-01-01') + INTERVAL seq SECOND + INTERVAL (seq % 1000000) MICROSECOND,
       DATE('2024-01-01') + INTERVAL (seq % 365) DAY
FROM seq_1_to_{rows}
"""


@dataclass
class Measure:
    """One measured command."""

    name: str
    rows: int
    seconds: float
    peak_rss_mb: float

    @property
    def rows_per_s(self) -> float:
        """Throughput."""
        return self.rows / self.seconds


def run_measured(name: str, rows: int, args: list[str], env: dict[str, str] | None = None) -> Measure:
    """Run `args`, timing it and sampling the peak RSS of its process tree."""
    run = run_sampled(args, env)
    if run.returncode != 0:
        raise SystemExit(f"{name} failed ({run.returncode}): {run.stderr[-2000:]}")
    return Measure(name, rows, run.seconds, run.peak_rss_mb)


DLT_SQL_DATABASE_TEMPLATE = """
import sys, dlt
from dlt.sources.sql_database import sql_table
url, backend, duck, until = sys.argv[1:5]
kwargs = {"return_type": "arrow_stream"} if backend == "connectorx" else {}
# Without `ub`: dlt loads BIGINT UNSIGNED as uint64, which DuckDB refuses into its INT64 column (the run fails).
columns = [c for c in "{columns}".split(", ") if c != "ub"]
table = sql_table(
    credentials=url, table="bench", backend=backend, backend_kwargs=kwargs, chunk_size=10000, included_columns=columns,
    incremental=dlt.sources.incremental("updated_at", initial_value=__import__("datetime").datetime(2024, 1, 1),
                                        end_value=__import__("datetime").datetime.fromisoformat(until)),
)
pipeline = dlt.pipeline("bench_dlt_" + backend, destination=dlt.destinations.duckdb(duck), dataset_name="raw",
                        pipelines_dir=duck + ".pipelines")
pipeline.run(table, write_disposition="append")
print(pipeline.last_trace.last_normalize_info)
"""

DLT_SQL_DATABASE = DLT_SQL_DATABASE_TEMPLATE.replace("{columns}", COLUMNS)

RAW_PYMYSQL = """
import sys, pymysql, pymysql.cursors
conn = pymysql.connect(host="127.0.0.1", port=int(sys.argv[1]), user=sys.argv[2], password=sys.argv[3],
                       database="bench", charset="utf8mb4", cursorclass=pymysql.cursors.SSCursor)
with conn.cursor() as cur:
    cur.execute(sys.argv[4])
    n = 0
    while True:
        rows = cur.fetchmany(10000)
        if not rows:
            break
        n += len(rows)
print(n)
"""


def runtime_python() -> str:
    """The interpreter of `.venv-runtime` (created or refreshed from uv.lock: runtime group only)."""
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(ROOT / ".venv-runtime"), "UV_COMPILE_BYTECODE": "1"}
    subprocess.run(["uv", "sync", "--locked", "--no-default-groups", "--quiet"], cwd=ROOT, env=env, check=True)
    return str(ROOT / ".venv-runtime" / "bin" / "python")


def main() -> None:
    """Seed, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the server data here (default: a temp dir)")
    parser.add_argument(
        "--no-dlt-baselines",
        action="store_true",
        help="skip dlt's own sql_database source (connectorx and pyarrow backends) on the same table",
    )
    args = parser.parse_args()
    n, quarter = args.rows, args.rows // 4
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-mysql-"))
    python = runtime_python()
    with MariaDBServer(workdir / "mariadb", database="bench") as server:
        print(f"seeding {n:,} rows of mixed types ...", flush=True)
        started = time.perf_counter()
        with server.connect() as conn, conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench")
            cur.execute(SCHEMA)
            cur.execute(SEED.format(rows=n))
        print(f"  seeded in {time.perf_counter() - started:.1f}s", flush=True)

        select = f"SELECT {COLUMNS} FROM bench"
        cli = shutil.which("mariadb") or shutil.which("mysql")
        results = [
            run_measured(
                "mariadb CLI --quick", n,
                [cli, "-h127.0.0.1", f"-P{server.port}", f"-u{server.user}", f"-p{server.password}", "--quick",
                 "bench", "-e", select],
            ),
            run_measured(
                "raw PyMySQL SSCursor", n,
                [sys.executable, "-c", RAW_PYMYSQL, str(server.port), server.user, server.password, select],
            ),
        ]  # fmt: skip
        manifest = workdir / "manifest.yaml"
        manifest.write_text("mysql:\n  tables:\n    bench: {cursor: updated_at, primary_key: id}\n")
        for label, rows in ((f"python -m extract ({quarter:,} rows)", quarter), (f"python -m extract ({n:,} rows)", n)):
            duck = workdir / f"bench-{rows}.duckdb"
            duck.unlink(missing_ok=True)
            until = START + timedelta(seconds=rows + 1)
            env = {
                **os.environ,
                "SOURCES__MYSQL__CREDENTIALS": f"mysql+pymysql://{server.user}:{server.password}@127.0.0.1:{server.port}/bench",
                "DESTINATION__DUCKDB__CREDENTIALS": str(duck),
                "DLT_DATA_DIR": str(workdir / "dlt"),
            }
            results.append(
                run_measured(
                    label, rows,
                    [python, "-m", "extract", "--source", "mysql", "--config", str(manifest),
                     "--since", START.isoformat(), "--until", until.isoformat(), "--log-format", "json"],
                    env,
                )
            )  # fmt: skip

        if not args.no_dlt_baselines:
            # dlt's own sql_database source, as the reference rows, on this very table (dev env: SQLAlchemy).
            url = f"mysql+pymysql://{server.user}:{server.password}@127.0.0.1:{server.port}/bench"
            until = (START + timedelta(seconds=n + 1)).replace(tzinfo=None).isoformat()
            for backend in ("connectorx", "pyarrow"):
                duck = workdir / f"dlt-{backend}.duckdb"
                duck.unlink(missing_ok=True)
                results.append(
                    run_measured(
                        f"dlt sql_database ({backend}, no ub)", n,
                        [sys.executable, "-c", DLT_SQL_DATABASE, url, backend, str(duck), until],
                        {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false", "PROVIDERS__ENABLE_AIRFLOW_SECRETS": "false"},
                    )
                )  # fmt: skip

    cli_m, raw_m, small_m, full_m = results[:4]
    print()
    print(f"{'tool':<38} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS':>10}")
    for m in results:
        print(f"{m.name:<38} {m.rows:>10,} {m.seconds:>8.2f} {m.rows_per_s:>10,.0f} {m.peak_rss_mb:>8.0f} MB")
    ratios = {
        "extract / raw PyMySQL (target >= 2.0)": full_m.rows_per_s / raw_m.rows_per_s,
        "extract / mariadb CLI (target >= 0.35)": full_m.rows_per_s / cli_m.rows_per_s,
        f"peak RSS at {n:,} rows, MB (target <= 300)": full_m.peak_rss_mb,
        f"RSS growth {quarter:,} -> {n:,} rows (target < 15%)": (full_m.peak_rss_mb / small_m.peak_rss_mb - 1) * 100,
    }
    for baseline in results[4:]:
        ratios[f"extract / {baseline.name} rows/s"] = full_m.rows_per_s / baseline.rows_per_s
        ratios[f"{baseline.name} peak RSS, MB"] = baseline.peak_rss_mb
    print()
    for name, value in ratios.items():
        print(f"{name:<52} {value:8.2f}")
    print(json.dumps({"results": [m.__dict__ | {"rows_per_s": m.rows_per_s} for m in results], "ratios": ratios}))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
