"""`python -m demo` (`make demo`): the whole pipeline on this machine, from sources to marts and a chart.

1. Start a throwaway MariaDB under `.demo/` on a free loopback port and seed the demo shop.
2. Extract the history before 2024-03-01 in one window, then the week 2024-03-01 to 2024-03-08 in daily
   chunks, into `warehouse.duckdb` with the real CLI.
3. Load the other sources from their local stand-ins: MongoDB (mongomock, in-process), and HubSpot and
   Salesforce (local fake servers that follow the vendors' documented contracts).
4. `dbt build` on DuckDB, then a static HTML report with PNG charts in `reports/`.
5. Stop the server.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from demo.mariadb import MariaDBServer
from demo.seed_shop import seed_shop

ROOT = Path(__file__).resolve().parent.parent
HISTORY_SINCE, SINCE, UNTIL = "2024-01-01", "2024-03-01", "2024-03-08"


def _step(title: str) -> None:
    print(f"\n==> {title}", flush=True)


def _run(args: list[str], env: dict[str, str]) -> None:
    started = time.monotonic()
    completed = subprocess.run(args, env=env, cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(f"demo: `{' '.join(args[:6])} ...` failed with exit code {completed.returncode}")
    print(f"    ({time.monotonic() - started:.1f}s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "warehouse.duckdb", help="DuckDB file to write")
    parser.add_argument("--skip-dbt", action="store_true", help="stop after extraction")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env.update(
        {
            "DESTINATION__DUCKDB__CREDENTIALS": str(args.warehouse.resolve()),
            "DBT_DUCKDB_PATH": str(args.warehouse.resolve()),
            "PYTHONPATH": str(ROOT),
        }
    )
    with MariaDBServer(ROOT / ".demo" / "mariadb", database="shop") as server:
        _step(f"MariaDB on 127.0.0.1:{server.port}: seeding the demo shop")
        started = time.monotonic()
        with server.connect() as conn:
            counts = seed_shop(conn)
        print(f"    {json.dumps(counts)} ({time.monotonic() - started:.1f}s)")
        env["SOURCES__MYSQL__CREDENTIALS"] = server.url

        _step(f"extract mysql: the history [{HISTORY_SINCE}, {SINCE}) in one window (the initial load)")
        _run(
            [sys.executable, "-m", "extract", "--source", "mysql", "--since", HISTORY_SINCE, "--until", SINCE,
             "--log-format", "text"],
            env,
        )  # fmt: skip
        _step(f"extract mysql: the week [{SINCE}, {UNTIL}) in daily chunks, as the scheduled runs would")
        report = ROOT / ".demo" / "report-mysql.json"
        _run(
            [sys.executable, "-m", "extract", "--source", "mysql", "--since", SINCE, "--until", UNTIL,
             "--chunk", "1d", "--report", str(report), "--log-format", "text"],
            env,
        )  # fmt: skip
        print(f"    report: {report.relative_to(ROOT)}")

    stand_ins = {
        "mongodb (mongomock)": ["-m", "demo.mongo_seed", "--mongomock", "--customers", "5000", "--days", "7",
                                "--events-per-day", "1500", "--", "--since", HISTORY_SINCE, "--until", UNTIL,
                                "--log-format", "text"],
        "hubspot (local fake API)": ["-m", "demo.hubspot_seed", "--workdir", ".demo/hubspot", "--since", SINCE,
                                     "--until", UNTIL, "--", "--chunk", "1d", "--log-format", "text"],
        "salesforce (local fake API)": ["-m", "demo.salesforce_seed", "--workdir", ".demo/salesforce", "--since", SINCE,
                                        "--until", UNTIL, "--", "--chunk", "1d", "--log-format", "text"],
    }  # fmt: skip
    for name, stand_in in stand_ins.items():
        _step(f"extract {name}")
        _run([sys.executable, *stand_in], env)

    if args.skip_dbt:
        return 0
    _step("dbt build on DuckDB (models, data tests, unit tests)")
    dbt_vars = subprocess.run(
        [sys.executable, "dbt_project/scripts/loaded_sources.py", "--duckdb", str(args.warehouse)],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    dbt = [str(Path(sys.executable).parent / "dbt")]
    _run([*dbt, "build", "--target", "local", "--project-dir", "dbt_project", "--profiles-dir", "dbt_project",
          "--vars", dbt_vars], env)  # fmt: skip

    _step("report: the marts as charts")
    _run(
        [sys.executable, "dbt_project/scripts/marts_report.py", "--duckdb", str(args.warehouse), "--out", "reports/"],
        env,
    )
    print(f"    open {ROOT / 'reports' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
