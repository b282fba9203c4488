"""Seed realistic app telemetry into MongoDB (a real server or `mongomock`) for the demo, tests and benchmarks.

Two collections, shaped like the raw contract of `raw_mongodb` (/docs/sources/mongodb.md):
- `app_events` (append-only, cursor `updatedAt`): `user_id` (= MySQL customers.id, 1..N), `session_id`,
  `type`, `feature` (set for `feature_used`), `createdAt`/`updatedAt` spread over several days, a nested
  `device` sub-document (`os`, `osVersion`, `model`, `app.version`), a `tags` array, an exact Decimal128
  `amount` on purchases and a UUID `requestId` (binary subtype 4).
- `users` (primary key `_id`, cursor `updatedAt`): `customer_id`, `email`, `plan`, `createdAt`, `updatedAt`.

Both get the `(updatedAt, _id)` index the window query hints. Usage:
- `seed(mongomock.MongoClient(tz_aware=True), "app")` from Python;
- `python -m demo.mongo_seed mongodb://127.0.0.1:27017/app` to seed a real server;
- `python -m demo.mongo_seed --mongomock -- --since 2024-02-26 --until 2024-03-07 --config m.yaml` to seed
  mongomock and load it with the extractor in the same process (the demo's path without a server).
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bson import Binary, Decimal128, ObjectId

EVENT_TYPES = ("screen_view", "screen_view", "screen_view", "login", "feature_used", "feature_used", "purchase")
FEATURES = ("wishlist", "compare", "gift_card", "reviews", "dark_mode")
PLANS = ("free", "free", "pro", "enterprise")
DEVICES = (
    {"os": "ios", "osVersion": "17.4", "model": "iPhone15,2"},
    {"os": "android", "osVersion": "14", "model": "Pixel 8"},
    {"os": "web", "osVersion": None, "model": "Firefox 124"},
)
APP_VERSIONS = ("3.2.0", "3.2.1", "3.3.0")


@dataclass(frozen=True)
class MongoSeedSummary:
    """What was seeded: database, document counts and the first/last day covered (UTC)."""

    database: str
    app_events: int
    users: int
    first_day: date
    last_day: date


def _instant(rng: random.Random, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(milliseconds=rng.randrange(86_400_000))


def _object_id(rng: random.Random, at: datetime) -> ObjectId:
    """A deterministic ObjectId whose embedded time is `at` (the seed is reproducible)."""
    return ObjectId(int(at.timestamp()).to_bytes(4, "big") + rng.randbytes(8))


def build_users(rng: random.Random, customers: int, first_day: date) -> list[dict[str, Any]]:
    """Half of the shop's customers use the app: one user document each."""
    users = []
    for customer_id in range(1, customers + 1, 2):
        created = _instant(rng, first_day + timedelta(days=rng.randrange(2)))
        users.append(
            {
                "_id": _object_id(rng, created),
                "customer_id": customer_id,
                "email": f"Customer{customer_id}@Example.com ",
                "plan": rng.choice(PLANS),
                "createdAt": created,
                "updatedAt": created + timedelta(hours=rng.randrange(0, 48)),
            }
        )
    return users


def build_events(rng: random.Random, customers: int, first_day: date, days: int, per_day: int) -> list[dict[str, Any]]:
    """`per_day` events a day for `days` days, by the app users (odd customer ids)."""
    events = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for _ in range(per_day):
            created = _instant(rng, day)
            kind = rng.choice(EVENT_TYPES)
            device = dict(rng.choice(DEVICES))
            device["app"] = {"version": rng.choice(APP_VERSIONS)}
            event: dict[str, Any] = {
                "_id": _object_id(rng, created),
                "user_id": rng.randrange(1, customers + 1, 2),
                "session_id": f"s-{rng.randrange(16**12):012x}",
                "type": kind,
                "feature": rng.choice(FEATURES) if kind == "feature_used" else None,
                "createdAt": created,
                # Most events are written once; a few are enriched later (a late update moves them on).
                "updatedAt": created if rng.random() < 0.9 else created + timedelta(hours=rng.randrange(1, 30)),
                "device": device,
                "tags": rng.sample(["beta", "ab:checkout", "push", "deep_link"], rng.randrange(0, 3)),
                "requestId": Binary.from_uuid(uuid.UUID(int=rng.getrandbits(128), version=4)),
            }
            if kind == "purchase":
                event["amount"] = Decimal128(f"{rng.randrange(99, 99_999) / 100:.2f}")
            events.append(event)
    return events


def seed(
    client: Any,
    database: str = "app",
    *,
    customers: int = 40,
    first_day: date = date(2024, 2, 26),
    days: int = 10,
    events_per_day: int = 60,
    random_seed: int = 7,
) -> MongoSeedSummary:
    """Replace `app_events` and `users` in `database` with reproducible documents.

    Args:
        client: A pymongo-compatible client (`pymongo.MongoClient`, `mongomock.MongoClient`).
        database: Database to write.
        customers: Number of shop customers (ids 1..N, as seeded into MySQL by the demo).
        first_day: First UTC day with events.
        days: Number of days with events.
        events_per_day: Events per day.
        random_seed: Seed of the generator; the same arguments give the same documents.
    """
    rng = random.Random(random_seed)
    db = client[database]
    users = build_users(rng, customers, first_day)
    events = build_events(rng, customers, first_day, days, events_per_day)
    for name, documents in (("users", users), ("app_events", events)):
        db.drop_collection(name)
        if documents:
            db[name].insert_many(documents)
        db[name].create_index([("updatedAt", 1), ("_id", 1)])
    return MongoSeedSummary(database, len(events), len(users), first_day, first_day + timedelta(days=days - 1))


def load_with_mongomock(extract_args: list[str], **seed_options: Any) -> int:
    """Seed a mongomock database and run `python -m extract --source mongodb ...` in-process against it.

    mongomock lives in this process only, so the extractor cannot be a subprocess here: the source's client
    factory is swapped for one that returns the seeded mongomock client.

    Args:
        extract_args: CLI arguments after `--source mongodb` (window, --config, --report, ...).
        **seed_options: Passed to `seed` (customers, first_day, days, events_per_day).

    Returns:
        The extractor's exit code.
    """
    import os

    import mongomock

    from extract.cli import main as extract_main
    from extract.sources.mongodb import client as client_module

    client = mongomock.MongoClient(tz_aware=True)
    database = os.environ.setdefault("SOURCES__MONGODB__DATABASE", "app")
    os.environ.setdefault("SOURCES__MONGODB__CONNECTION_URL", f"mongodb://127.0.0.1:27017/{database}")
    seed(client, database, **seed_options)
    client_module.create_client = lambda url, **_: client  # type: ignore[assignment]
    return extract_main(["--source", "mongodb", *extract_args])


def main(argv: list[str] | None = None) -> int:
    """Seed a real server (`URL`), or seed mongomock and load it (`--mongomock -- EXTRACT ARGS`)."""
    parser = argparse.ArgumentParser(description="Seed app_events and users into a MongoDB database.")
    parser.add_argument("url", nargs="?", help="mongodb:// connection string of a real server")
    parser.add_argument("--mongomock", action="store_true", help="seed mongomock and run the extractor on it")
    parser.add_argument("--database", default="app")
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--events-per-day", type=int, default=60)
    argv = list(sys.argv[1:] if argv is None else argv)
    extract_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    options = {"customers": args.customers, "days": args.days, "events_per_day": args.events_per_day}
    if args.mongomock:
        return load_with_mongomock(extract_args, **options)
    if not args.url:
        parser.error("give a mongodb:// URL, or --mongomock")
    import pymongo

    with pymongo.MongoClient(args.url, uuidRepresentation="standard") as client:
        summary = seed(client, args.database, **options)
    print(f"seeded {summary.database}: {summary.app_events} app_events, {summary.users} users")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
