"""Seed a local fake Salesforce org for the demo, and optionally load it with the extractor.

The org mirrors the demo shop (`demo/seed_shop.py`): accounts are the companies some shop customers
work for, contacts reuse the shop's customer emails (`customer_email`, so dbt can match identities
across sources; a few are upper-cased, as CRM exports are), and opportunities move through the sales
stages with exact amounts. Records are modified over the demo week: opportunities advance a stage into
a later day, and some contacts and opportunities are deleted (they arrive as soft deletes).

Run it (starts the fake on 127.0.0.1, seeds it, runs the extractor against it, stops):

    uv run python -m demo.salesforce_seed --workdir .demo/salesforce --since 2024-03-01 --until 2024-03-08

With `--serve`, it keeps the org running instead and writes `salesforce.env` (the variables that point
`python -m extract --source salesforce` at it) into the workdir.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from demo.seed_shop import FIRST_NAMES, LAST_NAMES, ShopSize, customer_email
from demo.stand_in import random_instant, run_stand_in

if TYPE_CHECKING:
    from tests.fakes.salesforce import FakeSalesforce

DEMO_USERNAME = "integration@demo-shop.example.com"
DEMO_PASSWORD = "demo-sf-password"  # noqa: S105 - throwaway local fake, never used outside loopback
DEMO_TOKEN = "demo-sf-token"  # noqa: S105 - same
INDUSTRIES = ["Retail", "Manufacturing", "Technology", "Healthcare", "Energy", "Finance", "Education", None]
CITIES = ["Paris", "Berlin", "London", "Madrid", "Milan", "Amsterdam", "Brussels", "New York"]
# (stage, probability %, closed, won), in the order a deal moves through them.
STAGES = [("Prospecting", 10, False, False), ("Qualification", 20, False, False),
          ("Needs Analysis", 40, False, False), ("Proposal/Price Quote", 75, False, False),
          ("Negotiation/Review", 90, False, False), ("Closed Won", 100, True, True)]  # fmt: skip
CLOSED_LOST = ("Closed Lost", 0, True, False)
DEMO_MANIFEST = """\
salesforce:
  objects:
    Account: {fields: [Id, Name, Industry, Type, BillingCity, BillingCountry, AnnualRevenue, NumberOfEmployees,
                       CreatedDate, SystemModstamp, IsDeleted]}
    Contact: {fields: [Id, AccountId, Email, FirstName, LastName, Title, CreatedDate, SystemModstamp, IsDeleted]}
    Opportunity: {fields: [Id, AccountId, Name, Amount, StageName, Probability, CloseDate, IsClosed, IsWon,
                           CreatedDate, SystemModstamp, IsDeleted]}
"""


@dataclass(frozen=True)
class OrgSize:
    """How much to seed."""

    accounts: int = 200
    contacts: int = 1_200
    opportunities: int = 600
    start: datetime = ShopSize().start
    days: int = ShopSize().days
    shop_customers: int = ShopSize().customers


def _stage(index: int) -> tuple[str, Decimal, bool, bool]:
    name, probability, closed, won = STAGES[index] if index < len(STAGES) else CLOSED_LOST
    return name, Decimal(probability), closed, won


def seed_salesforce(fake: FakeSalesforce, size: OrgSize | None = None, seed: int = 11) -> dict[str, int]:
    """Fill the fake org; returns how many records of each object exist (deleted ones included)."""
    size = size or OrgSize()
    rng = random.Random(seed)
    accounts = []
    for n in range(1, size.accounts + 1):
        created = random_instant(rng, size)
        employees = rng.choice([None, rng.randint(5, 20_000)])
        accounts.append(
            fake.put(
                "Account",
                Name=f"{rng.choice(LAST_NAMES)} {rng.choice(['Labs', 'GmbH', 'SARL', 'Ltd', 'Group', 'Inc.'])} {n}",
                Industry=rng.choice(INDUSTRIES),
                Type=rng.choice(["Customer - Direct", "Customer - Channel", "Prospect"]),
                BillingCity=rng.choice(CITIES),
                BillingCountry=rng.choice(["FR", "DE", "GB", "ES", "IT", "NL", "BE", "US"]),
                AnnualRevenue=Decimal(rng.randint(1, 500) * 10_000) if rng.random() < 0.7 else None,
                NumberOfEmployees=employees,
                CreatedDate=created,
                SystemModstamp=created,
            )
        )
    contacts = []
    customers = rng.sample(range(1, size.shop_customers + 1), k=min(size.contacts, size.shop_customers))
    for n, customer in enumerate(customers, start=1):
        created = random_instant(rng, size)
        # Most contacts are shop customers (same email); the rest exist only in the CRM.
        email = customer_email(customer) if n % 10 else f"user{n}@example.com"
        contacts.append(
            fake.put(
                "Contact",
                AccountId=rng.choice(accounts),
                Email=email.upper() if n % 9 == 0 else email,
                FirstName=rng.choice(FIRST_NAMES),
                LastName=rng.choice(LAST_NAMES),
                Title=rng.choice(["Buyer", "CTO", "Office Manager", "Head of Procurement", None]),
                HasOptedOutOfEmail=rng.random() < 0.05,
                CreatedDate=created,
                SystemModstamp=created,
            )
        )
    for contact in rng.sample(contacts, k=len(contacts) // 50):
        created = fake.records["Contact"][contact]["SystemModstamp"]
        fake.delete("Contact", contact, random_instant(rng, size, created))
    for n in range(1, size.opportunities + 1):
        created = random_instant(rng, size)
        step = rng.randint(0, 3)
        name, probability, closed, won = _stage(step)
        opportunity = fake.put(
            "Opportunity",
            AccountId=rng.choice(accounts),
            Name=f"Deal {n:04d}",
            StageName=name,
            Probability=probability,
            Amount=Decimal(rng.randint(50_000, 25_000_000)) / 100,
            CloseDate=(created + timedelta(days=rng.randint(14, 120))).date(),
            IsClosed=closed,
            IsWon=won,
            Type=rng.choice(["New Business", "Existing Business"]),
            CreatedDate=created,
            SystemModstamp=created,
        )
        moved = created
        while rng.random() < 0.5 and step < len(STAGES):
            # The deal advances (or is lost) later in the week: it moves into a later window.
            step = len(STAGES) if rng.random() < 0.08 else step + 1
            moved = random_instant(rng, size, moved + timedelta(minutes=1))
            name, probability, closed, won = _stage(step)
            fake.update("Opportunity", opportunity, moved, StageName=name, Probability=probability, IsClosed=closed,
                        IsWon=won)  # fmt: skip
        if rng.random() < 0.02:
            fake.delete("Opportunity", opportunity, random_instant(rng, size, moved + timedelta(minutes=1)))
    return {name: len(fake.records[name]) for name in ("Account", "Contact", "Opportunity")}


def start_demo_org(workdir: Path, size: OrgSize | None = None) -> FakeSalesforce:
    """Start a seeded fake org serving on 127.0.0.1 (TLS, CA bundle in `workdir`)."""
    from tests.fakes.salesforce import FakeSalesforce  # the fake lives with the tests; only the demo uses it here

    workdir.mkdir(parents=True, exist_ok=True)
    fake = FakeSalesforce(workdir=workdir, username=DEMO_USERNAME, password=DEMO_PASSWORD, security_token=DEMO_TOKEN)
    seed_salesforce(fake, size)
    return fake.start()


def demo_environment(fake: FakeSalesforce) -> dict[str, str]:
    """The variables that point the extractor at the demo org."""
    return {
        "REQUESTS_CA_BUNDLE": str(fake.ca_bundle),
        "SOURCES__SALESFORCE__LOGIN_URL": fake.base_url,
        "SOURCES__SALESFORCE__USERNAME": DEMO_USERNAME,
        "SOURCES__SALESFORCE__PASSWORD": DEMO_PASSWORD,
        "SOURCES__SALESFORCE__SECURITY_TOKEN": DEMO_TOKEN,
    }


def main(argv: list[str] | None = None) -> int:
    """Start and seed the org; then run the extractor against it (default) or serve until interrupted."""
    return run_stand_in(
        argv,
        source="salesforce",
        what="fake Salesforce org",
        description=__doc__.splitlines()[0],
        start=start_demo_org,
        environment=demo_environment,
        manifest=DEMO_MANIFEST,
    )


if __name__ == "__main__":
    sys.exit(main())
