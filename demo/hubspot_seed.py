"""Seed a local fake HubSpot portal for the demo, and optionally load it with the extractor.

The portal mirrors the demo shop (`demo/seed_shop.py`): contacts reuse the shop's customer emails
(`customer_email`, `customer{N}@example.com`, so dbt can match identities across sources; some are
upper-cased, as CRM exports are), companies are the firms some customers work for, and deals move
through the default pipeline's stages with exact decimal amounts. Over the demo week records are
modified into later days (a lifecycle stage advances, a deal changes stage), a bulk import touches
many contacts in the same millisecond, and a few contacts and deals are archived (they arrive as soft
deletes).

Run it (starts the fake on 127.0.0.1, seeds it, runs the extractor against it, stops):

    uv run python -m demo.hubspot_seed --since 2024-03-01 --until 2024-03-08 -- --chunk 1d

With `--serve`, it keeps the portal running instead and writes `hubspot.env` (the variables that point
`python -m extract --source hubspot` at it) into the workdir.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from demo.seed_shop import FIRST_NAMES, LAST_NAMES, ShopSize, customer_email
from demo.stand_in import random_instant, run_stand_in

if TYPE_CHECKING:
    from tests.fakes.hubspot import FakeHubSpot

DEMO_TOKEN = "pat-na1-demo-local-portal"  # noqa: S105 - throwaway local fake, never used outside loopback
LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"]
DEAL_STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
               "contractsent", "closedwon"]  # fmt: skip
DEMO_MANIFEST = """\
hubspot:
  page_size: 200
  objects:
    contacts:  {properties: [email, firstname, lastname, lifecyclestage], cursor: lastmodifieddate}
    companies: {properties: [name, domain]}
    deals:     {properties: [dealname, amount, dealstage, pipeline, closedate]}
"""


@dataclass(frozen=True)
class PortalSize:
    """How much to seed."""

    contacts: int = 3_000
    companies: int = 150
    deals: int = 800
    bulk_import: int = 400
    start: datetime = ShopSize().start
    days: int = ShopSize().days
    shop_customers: int = ShopSize().customers


def seed_hubspot(fake: FakeHubSpot, size: PortalSize | None = None, seed: int = 13) -> dict[str, int]:
    """Fill the fake portal; returns how many records of each object exist (archived ones included)."""
    size = size or PortalSize()
    rng = random.Random(seed)
    company_ids = []
    for n in range(1, size.companies + 1):
        name = f"{rng.choice(LAST_NAMES)} {rng.choice(['Labs', 'GmbH', 'SARL', 'Ltd', 'Group'])} {n}"
        domain = f"{name.split()[0].lower()}{n}.example"
        company_ids.append(
            fake.add("companies", random_instant(rng, size), {"name": name, "domain": domain, "industry": None})
        )

    contact_ids = []
    customers = rng.sample(range(1, size.shop_customers + 1), min(size.contacts, size.shop_customers))
    for customer in customers:
        email = customer_email(customer)
        email = email.upper() if customer % 9 == 0 else email
        stage = rng.randrange(len(LIFECYCLE) - 1)
        props = {"email": email, "firstname": rng.choice(FIRST_NAMES), "lastname": rng.choice(LAST_NAMES),
                 "lifecyclestage": LIFECYCLE[stage]}  # fmt: skip
        created = random_instant(rng, size)
        contact_ids.append((fake.add("contacts", created, props), stage, created))
    for record_id, stage, created in rng.sample(contact_ids, len(contact_ids) // 4):
        fake.update("contacts", record_id, random_instant(rng, size, created + timedelta(hours=1)),
                    lifecyclestage=LIFECYCLE[stage + 1])  # fmt: skip
    # A bulk import: many contacts modified in the same millisecond (ties on the cursor).
    bulk_at = size.start + timedelta(days=2, hours=9, milliseconds=123)
    for record_id, _, _ in rng.sample(contact_ids, min(size.bulk_import, len(contact_ids))):
        fake.update("contacts", record_id, bulk_at, lifecyclestage="customer")

    deal_ids = []
    for n in range(1, size.deals + 1):
        stage = rng.randrange(len(DEAL_STAGES) - 1)
        created = random_instant(rng, size)
        amount = Decimal(rng.randint(500, 250_000)) / 100 * 10
        props = {"dealname": f"Deal {n}", "amount": f"{amount:.2f}", "dealstage": DEAL_STAGES[stage],
                 "pipeline": "default", "closedate": (created + timedelta(days=rng.randint(7, 60))).isoformat()}  # fmt: skip
        deal_ids.append((fake.add("deals", created, props), stage, created))
    for record_id, stage, created in rng.sample(deal_ids, len(deal_ids) // 3):
        moved = random_instant(rng, size, created + timedelta(hours=2))
        fake.update("deals", record_id, moved, dealstage=DEAL_STAGES[stage + 1])

    for object_type, ids in (("contacts", contact_ids), ("deals", deal_ids)):
        for record_id, _, created in rng.sample(ids, max(len(ids) // 50, 1)):
            fake.archive(object_type, record_id, random_instant(rng, size, created + timedelta(hours=3)))
    return {name: len(fake.store(name).records) for name in ("contacts", "companies", "deals")}


def start_demo_portal(size: PortalSize | None = None) -> FakeHubSpot:
    """Start a seeded fake portal serving on 127.0.0.1."""
    from tests.fakes.hubspot import FakeHubSpot  # the fake lives with the tests; only the demo uses it here

    fake = FakeHubSpot(token=DEMO_TOKEN)
    fake.record_requests = False
    seed_hubspot(fake, size)
    return fake.start()


def demo_environment(fake: FakeHubSpot) -> dict[str, str]:
    """The variables that point the extractor at the demo portal."""
    return {"SOURCES__HUBSPOT__ACCESS_TOKEN": fake.token, "SOURCES__HUBSPOT__BASE_URL": fake.base_url}


def main(argv: list[str] | None = None) -> int:
    """Start and seed the portal; then run the extractor against it (default) or serve until interrupted."""
    return run_stand_in(
        argv,
        source="hubspot",
        what="fake HubSpot portal",
        description=__doc__.splitlines()[0],
        start=lambda _workdir: start_demo_portal(),
        environment=demo_environment,
        manifest=DEMO_MANIFEST,
    )


if __name__ == "__main__":
    sys.exit(main())
