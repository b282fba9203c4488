"""The demo path: seed mongomock and load it in-process; the raw tables match the dbt raw contract."""

from __future__ import annotations

from demo.mongo_seed import main as seed_main
from extract.sources.mongodb import client as client_module

RAW_CONTRACT = {
    "app_events": {"_id", "user_id", "session_id", "type", "feature", "created_at", "updated_at", "device__os"},
    "users": {"_id", "customer_id", "email", "plan", "created_at", "updated_at"},
}


def test_demo_loads_the_raw_contract(env, monkeypatch, tmp_path, columns, warehouse):
    # load_with_mongomock swaps the client factory; monkeypatch restores the real one after the test.
    monkeypatch.setattr(client_module, "create_client", client_module.create_client)
    config = tmp_path / "demo.yaml"
    config.write_text(
        "mongodb:\n  collections:\n    app_events: {cursor: updatedAt, nested: flatten}\n"
        "    users: {cursor: updatedAt, primary_key: _id, partition: createdAt}\n",
        encoding="utf-8",
    )
    code = seed_main(["--mongomock", "--days", "2", "--events-per-day", "20", "--",
                      "--since", "2024-02-26", "--until", "2024-03-01", "--config", str(config)])  # fmt: skip
    assert code == 0
    for table, expected in RAW_CONTRACT.items():
        types = columns("raw_mongodb", table)
        assert expected <= set(types), f"{table}: missing {expected - set(types)}"
        assert types["_id"] == "VARCHAR"
        assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    assert columns("raw_mongodb", "users")["customer_id"] == "BIGINT"
    assert warehouse("SELECT count(*) FROM raw_mongodb.app_events")[0][0] == 40
    plans = {r[0] for r in warehouse("SELECT DISTINCT plan FROM raw_mongodb.users")}
    assert plans <= {"free", "pro", "enterprise"}
    user_ids = warehouse("SELECT min(user_id), max(user_id) FROM raw_mongodb.app_events")[0]
    assert 1 <= user_ids[0] <= user_ids[1] <= 40
