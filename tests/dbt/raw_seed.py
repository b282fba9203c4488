"""Seed a DuckDB file with raw_<source> tables in the exact shape the extractor loads (/tmp/raw_contract.md).

Stands in for the extractor until tests can run it against a real MariaDB. The data is small but realistic:
customers who match across the shop and both CRMs by email (mixed case, padded), orders over several days in
several statuses and currencies, web and app events with sessions and features (including a reloaded duplicate
and anonymous visitors), deals and opportunities at many stages, and soft-deleted CRM records.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

ALL_SOURCES = ("mysql", "mongodb", "hubspot", "salesforce")
FIRST_DAY = date(2024, 2, 26)
DAYS = 10  # 2024-02-26 .. 2024-03-06
FEATURES = ("wishlist", "compare", "gift_card", "reviews", "dark_mode")
EXTRACTED_AT = datetime(2024, 3, 7, 2, 0, tzinfo=UTC)

DDL = {
    "raw_mysql": {
        "customers": "id BIGINT, email VARCHAR, first_name VARCHAR, last_name VARCHAR, country VARCHAR,"
        " created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ",
        "orders": "id BIGINT, customer_id BIGINT, status VARCHAR, currency VARCHAR, total_amount DECIMAL(12,2),"
        " created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ",
        "order_items": "order_id BIGINT, line_no INTEGER, product_sku VARCHAR, quantity INTEGER,"
        " unit_price DECIMAL(12,2), created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ",
        "events": "event_id VARCHAR, customer_id BIGINT, session_id VARCHAR, event_type VARCHAR, feature VARCHAR,"
        " properties JSON, created_at TIMESTAMPTZ",
    },
    "raw_mongodb": {
        "app_events": "_id VARCHAR, user_id BIGINT, session_id VARCHAR, type VARCHAR, feature VARCHAR,"
        " created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, device__os VARCHAR",
        "users": "_id VARCHAR, customer_id BIGINT, email VARCHAR, plan VARCHAR, created_at TIMESTAMPTZ,"
        " updated_at TIMESTAMPTZ",
    },
    "raw_hubspot": {
        "contacts": "id VARCHAR, email VARCHAR, firstname VARCHAR, lastname VARCHAR, lifecyclestage VARCHAR,"
        " createdate TIMESTAMPTZ, lastmodifieddate TIMESTAMPTZ, archived BOOLEAN, archived_at TIMESTAMPTZ",
        "companies": "id VARCHAR, name VARCHAR, domain VARCHAR, createdate TIMESTAMPTZ,"
        " hs_lastmodifieddate TIMESTAMPTZ, archived BOOLEAN, archived_at TIMESTAMPTZ",
        "deals": "id VARCHAR, dealname VARCHAR, amount DECIMAL(18,2), dealstage VARCHAR, pipeline VARCHAR,"
        " closedate TIMESTAMPTZ, createdate TIMESTAMPTZ, hs_lastmodifieddate TIMESTAMPTZ, archived BOOLEAN,"
        " archived_at TIMESTAMPTZ",
    },
    "raw_salesforce": {
        "account": "id VARCHAR, name VARCHAR, industry VARCHAR, created_date TIMESTAMPTZ,"
        " system_modstamp TIMESTAMPTZ, is_deleted BOOLEAN",
        "contact": "id VARCHAR, account_id VARCHAR, email VARCHAR, first_name VARCHAR, last_name VARCHAR,"
        " created_date TIMESTAMPTZ, system_modstamp TIMESTAMPTZ, is_deleted BOOLEAN",
        "opportunity": "id VARCHAR, account_id VARCHAR, name VARCHAR, amount DECIMAL(18,2), stage_name VARCHAR,"
        " probability DECIMAL(5,2), close_date DATE, is_closed BOOLEAN, is_won BOOLEAN,"
        " created_date TIMESTAMPTZ, system_modstamp TIMESTAMPTZ, is_deleted BOOLEAN",
    },
}


@dataclass(frozen=True)
class SeedSummary:
    """What was seeded: the DuckDB file, the sources present and the days covered."""

    path: Path
    sources: tuple[str, ...]
    first_day: date
    last_day: date


def _at(rng: random.Random, day: date) -> datetime:
    """A random UTC instant within `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))


def _day(i: int) -> date:
    return FIRST_DAY + timedelta(days=i)


def _insert(con: duckdb.DuckDBPyConnection, schema: str, table: str, rows: list[tuple]) -> None:
    if not rows:
        return
    cols = len(rows[0])
    con.executemany(
        f'insert into {schema}."{table}" values ({", ".join(["?"] * cols)}, ?)',
        [(*row, EXTRACTED_AT) for row in rows],
    )


def _create(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    con.execute(f"create schema if not exists {schema}")
    for table, columns in DDL[schema].items():
        con.execute(f'create or replace table {schema}."{table}" ({columns}, _extracted_at TIMESTAMPTZ)')


def seed_raw_warehouse(path: Path, sources: tuple[str, ...] = ALL_SOURCES, seed: int = 7) -> SeedSummary:
    """Create `path` (a DuckDB file) holding the raw tables of `sources`, filled with deterministic demo data.

    Args:
        path: DuckDB file to create or overwrite tables in.
        sources: which raw datasets to create; the others are absent, as before their extractor first ran.
        seed: random seed; the same seed gives the same rows.

    Returns:
        A summary of what was seeded.
    """
    rng = random.Random(seed)
    n_customers = 40
    customers = []
    for cid in range(1, n_customers + 1):
        created = _at(rng, _day(rng.randrange(3)))
        email = f"Customer{cid}@Example.com"
        if cid % 5 == 0:
            email = f"  {email.upper()} "  # padded and shouted: must still match the CRMs
        customers.append(
            (cid, email, f"First{cid}", f"Last{cid}", rng.choice(["DE", "FR", "US", "GB"]), created, created)
        )
    # The same person signed up twice in the shop: one identity, two shop records.
    customers.append((41, "customer3@example.com ", "First3", "Last3", "DE", _at(rng, _day(4)), _at(rng, _day(4))))

    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'UTC'")
        if "mysql" in sources:
            _seed_mysql(con, rng, customers)
        if "mongodb" in sources:
            _seed_mongodb(con, rng, n_customers)
        if "hubspot" in sources:
            _seed_hubspot(con, rng)
        if "salesforce" in sources:
            _seed_salesforce(con, rng)
    return SeedSummary(path=path, sources=tuple(sources), first_day=FIRST_DAY, last_day=_day(DAYS - 1))


def _seed_mysql(con: duckdb.DuckDBPyConnection, rng: random.Random, customers: list[tuple]) -> None:
    _create(con, "raw_mysql")
    _insert(con, "raw_mysql", "customers", customers)
    orders, items = [], []
    statuses = ["placed", "paid", "shipped", "delivered", "delivered", "cancelled", "refunded"]
    order_id = 0
    for i in range(DAYS):
        for _ in range(rng.randrange(8, 16)):
            order_id += 1
            created = _at(rng, _day(i))
            lines = [
                (
                    order_id,
                    n,
                    f"SKU-{rng.randrange(1, 30):03d}",
                    rng.randrange(1, 4),
                    Decimal(rng.randrange(500, 9900)) / 100,
                )
                for n in range(1, rng.randrange(2, 5))
            ]
            total = sum(q * p for _, _, _, q, p in lines)
            updated = created + timedelta(hours=rng.randrange(0, 72))
            orders.append(
                (
                    order_id,
                    rng.randrange(1, 42),
                    rng.choice(statuses),
                    rng.choice(["EUR", "EUR", "USD"]),
                    total,
                    created,
                    updated,
                )
            )
            items += [(*line, created, created) for line in lines]
    _insert(con, "raw_mysql", "orders", orders)
    _insert(con, "raw_mysql", "order_items", items)

    events = []
    types = ["page_view", "page_view", "page_view", "search", "add_to_cart", "checkout", "feature_used"]
    for i in range(DAYS):
        for _ in range(rng.randrange(10, 20)):  # sessions that day
            customer = rng.choice([None, *range(1, 42)])  # some anonymous visitors
            session = uuid.UUID(int=rng.getrandbits(128)).hex
            start = _at(rng, _day(i))
            for k in range(rng.randrange(2, 9)):
                kind = rng.choice(types)
                feature = rng.choice(FEATURES) if kind == "feature_used" else None
                events.append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        customer,
                        session,
                        kind,
                        feature,
                        '{"path": "/"}',
                        start + timedelta(minutes=k),
                    )
                )
    events.append(events[5])  # a reloaded window repeats an event: staging and marts must count it once
    # Exactly at midnight: belongs to the day that starts there.
    midnight = datetime.combine(_day(5), datetime.min.time(), tzinfo=UTC)
    events.append((str(uuid.UUID(int=rng.getrandbits(128))), 7, "boundary", "page_view", None, "{}", midnight))
    _insert(con, "raw_mysql", "events", events)


def _seed_mongodb(con: duckdb.DuckDBPyConnection, rng: random.Random, n_customers: int) -> None:
    _create(con, "raw_mongodb")
    users = []
    for cid in range(1, n_customers + 1, 2):  # half the customers use the app
        created = _at(rng, _day(rng.randrange(3)))
        users.append(
            (
                f"{cid:024x}",
                cid,
                f"customer{cid}@example.com",
                rng.choice(["free", "pro", "enterprise"]),
                created,
                created,
            )
        )
    _insert(con, "raw_mongodb", "users", users)
    events = []
    for i in range(DAYS):
        for _ in range(rng.randrange(6, 14)):
            user = rng.randrange(1, n_customers + 1, 2)
            session = f"app-{rng.getrandbits(40):010x}"
            start = _at(rng, _day(i))
            for k in range(rng.randrange(1, 6)):
                kind = rng.choice(["screen_view", "feature_used", "feature_used"])
                feature = rng.choice(FEATURES) if kind == "feature_used" else None
                at = start + timedelta(seconds=30 * k)
                events.append(
                    (
                        f"{rng.getrandbits(96):024x}",
                        user,
                        session,
                        kind,
                        feature,
                        at,
                        at,
                        rng.choice(["ios", "android"]),
                    )
                )
    _insert(con, "raw_mongodb", "app_events", events)


def _seed_hubspot(con: duckdb.DuckDBPyConnection, rng: random.Random) -> None:
    _create(con, "raw_hubspot")
    contacts = []
    for cid in range(1, 31):  # shop customers 1..30 are also CRM contacts, with their email spelled differently
        created = _at(rng, _day(0))
        email = f" customer{cid}@EXAMPLE.com" if cid % 2 else f"CUSTOMER{cid}@example.com"
        archived = cid % 10 == 0  # soft-deleted: must not match
        contacts.append(
            (
                f"hs-{cid}",
                email,
                f"First{cid}",
                f"Last{cid}",
                rng.choice(["lead", "customer", "opportunity"]),
                created,
                created + timedelta(days=1),
                archived,
                created + timedelta(days=2) if archived else None,
            )
        )
    contacts.append(
        ("hs-900", "lead.only@prospect.io", "Lead", "Only", "lead", _at(rng, _day(1)), _at(rng, _day(2)), False, None)
    )
    contacts.append(("hs-901", None, "No", "Email", "lead", _at(rng, _day(1)), _at(rng, _day(2)), False, None))
    _insert(con, "raw_hubspot", "contacts", contacts)
    _insert(
        con,
        "raw_hubspot",
        "companies",
        [
            ("co-1", "Acme", "ACME.com", _at(rng, _day(0)), _at(rng, _day(1)), False, None),
            ("co-2", "Globex", "globex.com", _at(rng, _day(0)), _at(rng, _day(3)), True, _at(rng, _day(3))),
        ],
    )
    stages = [
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    ]
    deals = []
    for d in range(1, 36):
        created = _at(rng, _day(rng.randrange(DAYS)))
        archived = d % 12 == 0
        deals.append(
            (
                f"deal-{d}",
                f"Deal {d}",
                Decimal(rng.randrange(1_000, 50_000)),
                rng.choice(stages),
                "default",
                created + timedelta(days=30),
                created,
                created + timedelta(days=1),
                archived,
                created + timedelta(days=2) if archived else None,
            )
        )
    deals.append(
        (
            "deal-99",
            "Custom stage",
            Decimal("1234.50"),
            "custom_stage_7",
            "enterprise",
            None,
            _at(rng, _day(3)),
            _at(rng, _day(3)),
            False,
            None,
        )
    )
    _insert(con, "raw_hubspot", "deals", deals)


def _seed_salesforce(con: duckdb.DuckDBPyConnection, rng: random.Random) -> None:
    _create(con, "raw_salesforce")
    accounts = [
        (
            f"001A{a:03d}",
            f"Account {a}",
            rng.choice(["Retail", "Tech", "Finance"]),
            _at(rng, _day(0)),
            _at(rng, _day(1)),
            False,
        )
        for a in range(1, 6)
    ]
    _insert(con, "raw_salesforce", "account", accounts)
    contacts = []
    for cid in range(20, 41):  # overlaps HubSpot on 20..30 and reaches shop-only customers 31..40
        created = _at(rng, _day(1))
        deleted = cid == 25
        contacts.append(
            (
                f"003C{cid:03d}",
                f"001A{cid % 5 + 1:03d}",
                f"Customer{cid}@example.COM ",
                f"First{cid}",
                f"Last{cid}",
                created,
                created,
                deleted,
            )
        )
    contacts.append(
        ("003C999", "001A001", "sf.only@partner.org", "Sf", "Only", _at(rng, _day(2)), _at(rng, _day(2)), False)
    )
    _insert(con, "raw_salesforce", "contact", contacts)
    stages = [
        ("Prospecting", 10, False, False),
        ("Qualification", 20, False, False),
        ("Needs Analysis", 30, False, False),
        ("Proposal/Price Quote", 60, False, False),
        ("Negotiation/Review", 80, False, False),
        ("Closed Won", 100, True, True),
        ("Closed Lost", 0, True, False),
    ]
    opportunities = []
    for o in range(1, 31):
        stage, probability, closed, won = rng.choice(stages)
        created = _at(rng, _day(rng.randrange(DAYS)))
        opportunities.append(
            (
                f"006O{o:03d}",
                f"001A{o % 5 + 1:03d}",
                f"Opportunity {o}",
                Decimal(rng.randrange(2_000, 80_000)),
                stage,
                Decimal(probability),
                (created + timedelta(days=45)).date(),
                closed,
                won,
                created,
                created,
                o == 13,
            )
        )
    _insert(con, "raw_salesforce", "opportunity", opportunities)
