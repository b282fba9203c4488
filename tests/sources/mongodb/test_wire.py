"""Wire-level: the exact `find` and `getMore` commands the source sends, seen by a mockupdb peer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from .wire import WireServer

T0 = datetime(2024, 3, 1, tzinfo=UTC)
INDEXES = [
    {"v": 2, "key": {"_id": 1}, "name": "_id_"},
    {"v": 2, "key": {"updatedAt": 1}, "name": "updatedAt_1"},
    {"v": 2, "key": {"updatedAt": 1, "_id": 1}, "name": "updatedAt_1__id_1"},
]


def _doc(seconds: int) -> dict:
    return {"_id": ObjectId(), "updatedAt": T0 + timedelta(seconds=seconds), "n": seconds}


@pytest.fixture
def wire(env, monkeypatch) -> Iterator[WireServer]:
    server = WireServer(["events"], INDEXES).start()
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", server.url())
    yield server
    server.stop()


def test_find_command_and_get_more(wire, manifest, collect_read):
    wire.find_batches = [[_doc(1), _doc(2)], [_doc(3), _doc(4)], [_doc(5)]]
    config = manifest({"events": {"cursor": "updatedAt"}}, batch_size=2, max_time_ms=1234)
    batches, _ = collect_read(config, "events", "2024-03-01", "2024-03-02")

    finds = [c for c in wire.named("find") if "limit" not in c]
    assert len(finds) == 1
    find = finds[0]
    naive = T0.replace(tzinfo=None)  # mockupdb decodes BSON dates without a zone; they are UTC
    assert find["find"] == "events"
    assert find["filter"] == {"updatedAt": {"$gte": naive, "$lt": naive + timedelta(days=1)}}
    assert list(find["sort"].items()) == [("updatedAt", 1), ("_id", 1)]
    assert find["hint"] == "updatedAt_1__id_1"
    assert find["batchSize"] == 2
    assert find["maxTimeMS"] == 1234
    assert find["$db"] == "app"

    get_mores = wire.named("getMore")
    assert [(g["getMore"], g["collection"], g["batchSize"]) for g in get_mores] == [(4242, "events", 2)] * 2
    assert [b.num_rows for b in batches] == [2, 2, 1]
    assert [n for b in batches for n in b.column("n").to_pylist()] == [1, 2, 3, 4, 5]


def test_no_cursor_index_means_no_hint(env, monkeypatch, manifest, collect_read):
    server = WireServer(["events"]).start()
    try:
        monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", server.url())
        server.find_batches = [[_doc(1)]]
        collect_read(manifest({"events": {"cursor": "updatedAt"}}), "events", "2024-03-01", "2024-03-02")
        assert all("hint" not in c for c in server.named("find"))
    finally:
        server.stop()


def test_cli_loads_through_the_wire(wire, manifest, run, warehouse):
    wire.find_batches = [[_doc(1), _doc(2)], [_doc(3)]]
    result = run("--since", "2024-03-01", "--until", "2024-03-02", config=manifest(batch_size=2))
    assert result.code == 0, result.err
    assert warehouse("SELECT n FROM raw_mongodb.events ORDER BY n") == [(1,), (2,), (3,)]
    assert len(wire.named("getMore")) == 1


def test_count_uses_the_same_filter_and_hint(wire, manifest, run):
    wire.responders["aggregate"] = lambda r: r.ok(cursor={"id": 0, "ns": "app.events", "firstBatch": [{"n": 7}]})
    result = run("--since", "2024-03-01", "--until", "2024-03-02", "--dry-run", config=manifest(max_time_ms=999))
    assert result.code == 0, result.err
    assert result.report["tables"]["events"]["rows_in_source"] == 7
    aggregate = wire.named("aggregate")[0]
    naive = T0.replace(tzinfo=None)
    assert aggregate["pipeline"][0] == {"$match": {"updatedAt": {"$gte": naive, "$lt": naive + timedelta(days=1)}}}
    assert aggregate["hint"] == "updatedAt_1__id_1"
    assert aggregate["maxTimeMS"] == 999
