"""Seed the demo shop into MariaDB: customers, orders, order_items and events over several days.

The data is deterministic (a seeded RNG) and realistic enough for the marts: customers sign up
over time, place orders whose status moves forward (so rows are updated into later days), and
browse the site (events, append-only, some anonymous). Emails are mixed case and sometimes padded,
as real CRM exports are; dbt normalises them to match HubSpot and Salesforce contacts.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pymysql

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
  id BIGINT PRIMARY KEY,
  email VARCHAR(255) NOT NULL,
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  country CHAR(2),
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY idx_customers_updated_at (updated_at)
) CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS orders (
  id BIGINT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  status ENUM('placed','paid','shipped','delivered','cancelled','refunded') NOT NULL,
  currency CHAR(3) NOT NULL,
  total_amount DECIMAL(12,2) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  KEY idx_orders_updated_at (updated_at)
) CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS order_items (
  order_id BIGINT NOT NULL,
  line_no INT NOT NULL,
  product_sku VARCHAR(32) NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(12,2) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (order_id, line_no),
  KEY idx_order_items_updated_at (updated_at)
) CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS events (
  event_id CHAR(36) NOT NULL,
  customer_id BIGINT NULL,
  session_id VARCHAR(64) NOT NULL,
  event_type VARCHAR(32) NOT NULL,
  feature VARCHAR(64) NULL,
  properties JSON,
  created_at DATETIME(6) NOT NULL,
  KEY idx_events_created_at (created_at)
) CHARACTER SET utf8mb4;
"""

FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Guido",
    "Zoë",
    "José",
]
LAST_NAMES = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Rossum",
]
COUNTRIES = ["FR", "DE", "GB", "US", "ES", "IT", "NL", "BE"]
FEATURES = ["search", "wishlist", "recommendations", "reviews", "quick_checkout", "gift_cards"]
SKUS = [f"SKU-{n:04d}" for n in range(1, 121)]
STATUS_FLOW = ["placed", "paid", "shipped", "delivered"]


@dataclass(frozen=True)
class ShopSize:
    """How much to seed."""

    customers: int = 5_000
    orders: int = 40_000
    sessions: int = 60_000
    start: datetime = datetime(2024, 3, 1, tzinfo=UTC)
    days: int = 7


def customer_email(customer_id: int) -> str:
    """The canonical (normalised) email of a demo customer; HubSpot and Salesforce seeds reuse it."""
    return f"customer{customer_id}@example.com"


def _naive(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


def _rows(size: ShopSize, rng: random.Random) -> Iterator[tuple[str, tuple[Any, ...]]]:
    span = timedelta(days=size.days)
    signup_floor = size.start - timedelta(days=60)
    for cid in range(1, size.customers + 1):
        created = signup_floor + (span + timedelta(days=60)) * (cid / size.customers)
        updated = created + timedelta(hours=rng.randint(0, 72)) if rng.random() < 0.3 else created
        email = customer_email(cid)
        if cid % 5 == 0:
            email = email.upper()
        if cid % 7 == 0:
            email = f"  {email} "
        yield (
            "customers",
            (
                cid,
                email,
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                rng.choice(COUNTRIES),
                _naive(created),
                _naive(min(updated, size.start + span - timedelta(seconds=1))),
            ),
        )
    for oid in range(1, size.orders + 1):
        created = size.start + span * rng.random()
        steps = rng.randint(0, 3)
        status = STATUS_FLOW[steps]
        updated = created + timedelta(hours=rng.randint(1, 30)) * steps
        if rng.random() < 0.04:
            status = rng.choice(["cancelled", "refunded"])
            updated = created + timedelta(hours=rng.randint(1, 48))
        updated = min(updated, size.start + span - timedelta(microseconds=1))
        lines = rng.randint(1, 4)
        total = 0
        for line_no in range(1, lines + 1):
            qty = rng.randint(1, 3)
            cents = rng.randint(299, 15999)
            total += qty * cents
            yield (
                "order_items",
                (
                    oid,
                    line_no,
                    rng.choice(SKUS),
                    qty,
                    f"{cents // 100}.{cents % 100:02d}",
                    _naive(created),
                    _naive(created),
                ),
            )
        customer = rng.randint(1, size.customers)
        yield (
            "orders",
            (oid, customer, status, "EUR", f"{total // 100}.{total % 100:02d}", _naive(created), _naive(updated)),
        )
    for _sid in range(size.sessions):
        customer = rng.randint(1, size.customers) if rng.random() < 0.8 else None
        session = uuid.UUID(int=rng.getrandbits(128)).hex
        at = size.start + span * rng.random()
        for _ in range(rng.randint(1, 9)):
            at += timedelta(seconds=rng.randint(5, 300))
            kind = rng.choices(["page_view", "search", "add_to_cart", "checkout", "feature_used"], [50, 20, 12, 5, 13])[
                0
            ]
            feature = rng.choice(FEATURES) if kind == "feature_used" else None
            props = {"path": f"/p/{rng.choice(SKUS).lower()}", "referrer": rng.choice(["ads", "seo", "mail", None])}
            if at < size.start + span:
                yield (
                    "events",
                    (
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        customer,
                        session,
                        kind,
                        feature,
                        json.dumps(props),
                        _naive(at),
                    ),
                )


INSERTS = {
    "customers": "INSERT INTO customers VALUES (%s, %s, %s, %s, %s, %s, %s)",
    "orders": "INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s)",
    "order_items": "INSERT INTO order_items VALUES (%s, %s, %s, %s, %s, %s, %s)",
    "events": "INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s)",
}


def create_schema(conn: pymysql.Connection) -> None:
    """Create the shop's tables (idempotent)."""
    with conn.cursor() as cur:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                cur.execute(statement)


def insert_rows(conn: pymysql.Connection, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows into one shop table in one multi-row statement per batch."""
    with conn.cursor() as cur:
        cur.executemany(INSERTS[table], rows)


def seed_shop(conn: pymysql.Connection, size: ShopSize | None = None, seed: int = 7) -> dict[str, int]:
    """Create and fill the shop tables; returns the number of rows per table."""
    size = size or ShopSize()
    create_schema(conn)
    with conn.cursor() as cur:
        for table in INSERTS:
            cur.execute(f"TRUNCATE TABLE {table}")
    rng = random.Random(seed)
    buffers: dict[str, list[tuple[Any, ...]]] = {t: [] for t in INSERTS}
    counts = dict.fromkeys(INSERTS, 0)
    for table, row in _rows(size, rng):
        buffers[table].append(row)
        counts[table] += 1
        if len(buffers[table]) >= 5_000:
            insert_rows(conn, table, buffers[table])
            buffers[table].clear()
    for table, rows in buffers.items():
        if rows:
            insert_rows(conn, table, rows)
    return counts
