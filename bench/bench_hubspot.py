"""Benchmark: HubSpot extraction against the local fake, versus raw HTTP paging of the same requests.

Three measurements over one seeded day (default 50,000 contacts, a fifth of them sharing one
millisecond, so the run splits the window and reads one slice by id):

1. `source read`: `HubSpotSource.read` in-process (search calls, JSON decoding, typed Arrow tables), no load;
2. `raw requests`: the exact search requests of (1) replayed with `requests`, bodies read but never parsed:
   the floor set by the fake server and HTTP;
3. `cli end-to-end`: `python -m extract --source hubspot` in a subprocess, loading into a fresh DuckDB file.

If (1) is close to (2), parsing is not the bottleneck: the API is. The fake's query caches are dropped
before each measurement so that every one pays the same server cost.

    uv run --no-sync python bench/bench_hubspot.py --records 50000 [--page-size 200] [--out bench.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.manifest import parse_section  # noqa: E402
from extract.sources.hubspot import HubSpotSource  # noqa: E402
from extract.window import Window  # noqa: E402
from tests.fakes.hubspot import FakeHubSpot  # noqa: E402

DAY = datetime(2024, 3, 1, tzinfo=UTC)
PROPERTIES = ["email", "firstname", "lastname", "lifecyclestage"]
# HubSpot's documented CRM search limit per token (developers.hubspot.com changelog, "CRM Search API rate limit").
SEARCH_REQUESTS_PER_SECOND = 5


def seed(fake: FakeHubSpot, records: int) -> None:
    burst = records // 5
    spread = records - burst
    step = timedelta(days=1) / max(spread, 1)
    rows = [
        (DAY + step * i, {"email": f"user{i}@example.com", "firstname": "Ada", "lastname": "Lovelace",
                          "lifecyclestage": "lead"}, None, None)
        for i in range(spread)
    ]  # fmt: skip
    burst_at = DAY + timedelta(hours=9, milliseconds=1)
    rows += [
        (burst_at, {"email": f"bulk{i}@example.com", "lifecyclestage": "subscriber"}, None, None) for i in range(burst)
    ]
    fake.add_many("contacts", rows)


def drop_caches(fake: FakeHubSpot) -> None:
    fake.store("contacts").version += 1


def measure_source_read(fake: FakeHubSpot, manifest: dict[str, Any]) -> dict[str, Any]:
    os.environ["SOURCES__HUBSPOT__ACCESS_TOKEN"] = fake.token
    os.environ["SOURCES__HUBSPOT__BASE_URL"] = fake.base_url
    section = parse_section("hubspot", "bench", manifest, HubSpotSource.rules)
    source = HubSpotSource(section)
    source.open(section.tables)
    window = Window(DAY, DAY + timedelta(days=1))
    drop_caches(fake)
    fake.requests.clear()
    started = time.perf_counter()
    rows = sum(batch.num_rows for batch in source.read(section.tables[0], window, Counter()))
    elapsed = time.perf_counter() - started
    pages = fake.calls("search") + fake.calls("list")
    return {"rows": rows, "pages": pages, "seconds": elapsed, "extra": source.report_extra()["hubspot"]}


def measure_raw(fake: FakeHubSpot) -> dict[str, Any]:
    searches = [r for r in fake.requests if r.route == "search"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {fake.token}"
    drop_caches(fake)
    fake.record_requests = False
    started = time.perf_counter()
    size = 0
    for request in searches:
        response = session.post(fake.base_url + request.path, json=request.body, timeout=60)
        response.raise_for_status()
        size += len(response.content)
    elapsed = time.perf_counter() - started
    fake.record_requests = True
    return {"pages": len(searches), "seconds": elapsed, "bytes": size}


def measure_cli(fake: FakeHubSpot, manifest_path: Path, workdir: Path) -> dict[str, Any]:
    report = workdir / "report.json"
    env = {**os.environ, "DESTINATION__DUCKDB__CREDENTIALS": str(workdir / "bench.duckdb"),
           "DLT_DATA_DIR": str(workdir / "dlt"), "SOURCES__HUBSPOT__ACCESS_TOKEN": fake.token,
           "SOURCES__HUBSPOT__BASE_URL": fake.base_url}  # fmt: skip
    drop_caches(fake)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "extract", "--source", "hubspot", "--since", "2024-03-01", "--until", "2024-03-02",
         "--config", str(manifest_path), "--report", str(report), "--log-format", "json"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    content = json.loads(report.read_text())
    return {
        "rows": sum(t["rows_loaded"] for t in content["tables"].values()),
        "pages": content["extra"]["hubspot"]["api_calls"],
        "seconds": elapsed,
        "extra": content["extra"]["hubspot"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    args = parser.parse_args(argv)

    manifest = {"hubspot": {"page_size": args.page_size, "objects": {"contacts": {"properties": PROPERTIES}}}}
    with FakeHubSpot() as fake, tempfile.TemporaryDirectory(prefix="bench-hubspot-") as tmp:
        workdir = Path(tmp)
        manifest_path = workdir / "manifest.yaml"
        manifest_path.write_text(yaml.safe_dump(manifest))
        seed(fake, args.records)
        source = measure_source_read(fake, manifest)
        raw = measure_raw(fake)
        cli = measure_cli(fake, manifest_path, workdir)

    results = {"records": args.records, "page_size": args.page_size, "source_read": source, "raw_requests": raw,
               "cli": cli}  # fmt: skip
    print(f"{'case':<16}{'pages':>8}{'seconds':>10}{'pages/s':>10}{'records/s':>12}")
    for name, case, rows in (
        ("raw requests", raw, args.records),
        ("source read", source, source["rows"]),
        ("cli end-to-end", cli, cli["rows"]),
    ):
        print(f"{name:<16}{case['pages']:>8}{case['seconds']:>10.2f}{case['pages'] / case['seconds']:>10.1f}"
              f"{rows / case['seconds']:>12.0f}")  # fmt: skip
    parsing_s = max(source["seconds"] - raw["seconds"], 1e-9)
    capacity = source["rows"] / parsing_s
    ceiling = SEARCH_REQUESTS_PER_SECOND * args.page_size
    results["parsing_records_per_s"] = capacity
    print(
        f"decode + typing alone: {parsing_s:.2f}s = {capacity:,.0f} records/s; HubSpot's search limit "
        f"({SEARCH_REQUESTS_PER_SECOND} requests/s x {args.page_size}) allows {ceiling:,} records/s, "
        f"so parsing is {capacity / ceiling:,.0f}x faster than the API can deliver"
    )
    print(f"API calls spent by the CLI run: {cli['pages']}; rows loaded: {cli['rows']}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str))
    return 0 if source["rows"] == args.records == cli["rows"] else 1


if __name__ == "__main__":
    sys.exit(main())
