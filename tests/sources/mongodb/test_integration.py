"""Against a real MongoDB server when `MONGODB_URI` is set (e.g. mongodb://127.0.0.1:27017); skipped otherwise."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pymongo
import pytest

from demo.mongo_seed import seed

MONGODB_URI = os.environ.get("MONGODB_URI")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not MONGODB_URI, reason="set MONGODB_URI to run against a real MongoDB server"),
]


@pytest.fixture
def real_db(env, monkeypatch) -> Iterator[pymongo.database.Database]:
    name = f"extract_it_{uuid.uuid4().hex[:8]}"
    client = pymongo.MongoClient(MONGODB_URI, uuidRepresentation="standard", tz_aware=True)
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", MONGODB_URI)
    monkeypatch.setenv("SOURCES__MONGODB__DATABASE", name)
    try:
        yield client[name]
    finally:
        client.drop_database(name)
        client.close()


def test_real_server_loads_the_window_exactly(real_db, manifest, run, warehouse):
    seed(real_db.client, real_db.name, customers=20, days=4, events_per_day=200)
    config = manifest(
        {
            "app_events": {"cursor": "updatedAt", "nested": "flatten"},
            "users": {"cursor": "updatedAt", "primary_key": "_id"},
        },
        batch_size=150,
    )
    since, until = datetime(2024, 2, 27, tzinfo=UTC), datetime(2024, 2, 29, tzinfo=UTC)
    result = run("--since", since.isoformat(), "--until", until.isoformat(), "--chunk", "1d", config=config)
    assert result.code == 0, result.err
    window = {"updatedAt": {"$gte": since, "$lt": until}}
    expected = real_db["app_events"].count_documents(window)
    assert warehouse("SELECT count(*) FROM raw_mongodb.app_events")[0][0] == expected
    purchase = real_db["app_events"].find_one({**window, "amount": {"$exists": True}})
    amount, request_id = warehouse(
        f"SELECT amount, request_id FROM raw_mongodb.app_events WHERE _id = '{purchase['_id']}'"
    )[0]
    assert amount == purchase["amount"].to_decimal()
    assert request_id == str(purchase["requestId"])
    assert result.report["extra"]["mongodb"]["index_hints"]["app_events"] == "updatedAt_1__id_1"
