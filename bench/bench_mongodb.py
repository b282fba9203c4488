"""Benchmark: MongoDB -> DuckDB with `python -m extract --source mongodb`, against a raw pymongo cursor loop.

With `MONGODB_URI` set (a real server, e.g. `mongodb://127.0.0.1:27017`): seeds N app events
(`demo/mongo_seed.py` shape: nested device, arrays, Decimal128, UUID) into a throwaway database, then
measures, each in its own process so peak RSS is per-path:
1. a raw pymongo loop over the window (`for doc in find(window).sort(updatedAt, _id)`), the driver floor;
2. `python -m extract --source mongodb` into a fresh DuckDB file over the same window.
Prints documents/s and peak RSS (sampled from /proc every 20 ms, children included).

Without a server: mongomock is not a fair timer (it copies and filters documents in Python, far slower
than a server), so only the conversion path is measured, in-process, clearly labelled:
1. baseline `list(cursor)` over mongomock;
2. the source's BSON -> Arrow conversion alone (`DocumentConverter.convert`, batches of 10k), per nested policy;
3. the source's `read()` (mongomock cursor + conversion).

Not a test: it prints, it never fails on a number.

    uv run --no-sync python bench/bench_mongodb.py --docs 200000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import run_sampled  # noqa: E402
from demo.mongo_seed import build_events  # noqa: E402

FIRST_DAY = date(2024, 1, 1)
DAYS = 4
BATCH = 10_000


@dataclass
class Measure:
    """One measured path."""

    name: str
    docs: int
    seconds: float
    peak_rss_mb: float | None = None

    def line(self) -> str:
        """One aligned line of the result table."""
        rss = f"{self.peak_rss_mb:8.0f} MB" if self.peak_rss_mb is not None else "       -   "
        return f"  {self.name:<46} {self.docs:>9} docs {self.seconds:8.2f} s {self.docs / self.seconds:>10,.0f} docs/s {rss}"


def run_measured(name: str, docs: int, args: list[str], env: dict[str, str]) -> Measure:
    """Run `args` as a child process, timing it and sampling its peak RSS."""
    run = run_sampled(args, env)
    if run.returncode != 0:
        raise SystemExit(f"{name} failed (exit {run.returncode}): {run.stderr.strip().splitlines()[-1:]}")
    return Measure(name, docs, run.seconds, run.peak_rss_mb)


def _events(n: int) -> list[dict[str, Any]]:
    import random

    per_day = max(1, n // DAYS)
    return build_events(random.Random(11), 1000, FIRST_DAY, DAYS, per_day)[:n]


def raw_loop(uri: str, database: str, since: str, until: str) -> None:
    """Child process: the driver floor, a pymongo cursor loop that only counts."""
    import pymongo

    with pymongo.MongoClient(uri, tz_aware=True, uuidRepresentation="standard") as client:
        window = {"updatedAt": {"$gte": datetime.fromisoformat(since), "$lt": datetime.fromisoformat(until)}}
        cursor = client[database]["app_events"].find(window).sort([("updatedAt", 1), ("_id", 1)]).batch_size(BATCH)
        count = sum(1 for _ in cursor)
    print(count)


def bench_server(uri: str, n: int) -> None:
    """Seed a throwaway database on the real server and measure both paths over the whole seeded window."""
    import pymongo

    database = f"bench_extract_{uuid.uuid4().hex[:8]}"
    since = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
    until = since + timedelta(days=DAYS + 2)
    with pymongo.MongoClient(uri, uuidRepresentation="standard") as client:
        collection = client[database]["app_events"]
        events = _events(n)
        for start in range(0, len(events), BATCH):
            collection.insert_many(events[start : start + BATCH], ordered=False)
        collection.create_index([("updatedAt", 1), ("_id", 1)])
        in_window = collection.count_documents({"updatedAt": {"$gte": since, "$lt": until}})
        try:
            with tempfile.TemporaryDirectory(prefix="bench-mongodb-") as tmp:
                manifest = Path(tmp) / "manifest.yaml"
                manifest.write_text(
                    "mongodb:\n  nested: flatten\n  collections:\n    app_events: {cursor: updatedAt}\n",
                    encoding="utf-8",
                )
                env = {
                    **os.environ,
                    "SOURCES__MONGODB__CONNECTION_URL": uri,
                    "SOURCES__MONGODB__DATABASE": database,
                    "DESTINATION__DUCKDB__CREDENTIALS": str(Path(tmp) / "bench.duckdb"),
                }
                print(f"MongoDB server at MONGODB_URI: {in_window} documents in the window")
                results = [
                    run_measured(
                        "raw pymongo cursor loop",
                        in_window,
                        [sys.executable, __file__, "--raw-loop", uri, database, since.isoformat(), until.isoformat()],
                        env,
                    ),
                    run_measured(
                        "python -m extract --source mongodb",
                        in_window,
                        [
                            sys.executable,
                            "-m",
                            "extract",
                            "--source",
                            "mongodb",
                            "--since",
                            since.isoformat(),
                            "--until",
                            until.isoformat(),
                            "--config",
                            str(manifest),
                        ],
                        env,
                    ),
                ]
        finally:
            client.drop_database(database)
    for result in results:
        print(result.line())
    print(
        f"  extract / raw pymongo: {results[1].docs / results[1].seconds / (results[0].docs / results[0].seconds):.2f}x"
    )


def bench_conversion(n: int) -> None:
    """No server: time only the conversion path on mongomock, labelled as such."""
    import mongomock

    from extract.manifest import parse_section
    from extract.sources.mongodb import MongoDBSource
    from extract.sources.mongodb import client as client_module
    from extract.sources.mongodb.convert import DocumentConverter, json_columns_of
    from extract.window import Window

    print("No MONGODB_URI: mongomock is not a fair timer (a Python in-memory store, far slower than a server).")
    print("Measuring the CONVERSION path only (in-process, no load, no RSS): these are not end-to-end numbers.")
    client = mongomock.MongoClient(tz_aware=True)
    collection = client["bench"]["app_events"]
    events = _events(n)
    collection.insert_many(events)
    collection.create_index([("updatedAt", 1), ("_id", 1)])
    since = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
    window = Window(since, since + timedelta(days=DAYS + 2))
    results: list[Measure] = []

    started = time.perf_counter()
    documents = list(collection.find({"updatedAt": {"$gte": window.since, "$lt": window.until}}))
    results.append(Measure("baseline: list(mongomock cursor)", len(documents), time.perf_counter() - started))

    for policy in ("json", "flatten"):
        converter = DocumentConverter(policy, json_columns_of(documents[:1000], policy), cursor="updatedAt")
        anomalies: Counter[str] = Counter()
        started = time.perf_counter()
        for start in range(0, len(documents), BATCH):
            converter.convert(documents[start : start + BATCH], anomalies)
        results.append(
            Measure(f"convert only: BSON -> Arrow, nested={policy}", len(documents), time.perf_counter() - started)
        )

    client_module.create_client = lambda url, **_: client  # type: ignore[assignment]
    os.environ.setdefault("SOURCES__MONGODB__CONNECTION_URL", "mongodb://127.0.0.1:27017/bench")
    section = parse_section(
        "mongodb",
        "<bench>",
        {"mongodb": {"database": "bench", "nested": "flatten", "collections": {"app_events": {"cursor": "updatedAt"}}}},
        MongoDBSource.rules,
    )
    source = MongoDBSource(section)
    source.open(section.tables)
    started = time.perf_counter()
    rows = sum(batch.num_rows for batch in source.read(section.tables[0], window, Counter()))
    results.append(Measure("source read(): mongomock cursor + convert", rows, time.perf_counter() - started))
    source.close()
    for result in results:
        print(result.line())


def main() -> None:
    """Parse arguments and run the benchmark that fits the environment."""
    if len(sys.argv) > 1 and sys.argv[1] == "--raw-loop":
        raw_loop(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000, help="documents to seed (default 200000)")
    args = parser.parse_args()
    uri = os.environ.get("MONGODB_URI")
    if uri:
        bench_server(uri, args.docs)
    else:
        bench_conversion(args.docs)


if __name__ == "__main__":
    main()
