"""Window semantics of the MongoDB source through the CLI (mongomock -> DuckDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from demo.mongo_seed import seed
from extract.manifest import parse_section, read_manifest_file
from extract.sources.mongodb import MongoDBSource
from extract.window import Window

T0 = datetime(2024, 3, 1, tzinfo=UTC)
T1 = datetime(2024, 3, 2, tzinfo=UTC)
USERS = {"users": {"cursor": "updatedAt", "primary_key": "_id"}}
EVENTS = {"events": {"cursor": "updatedAt"}}


def _events(mongo, docs):
    mongo["app"]["events"].insert_many(docs)
    mongo["app"]["events"].create_index([("updatedAt", 1), ("_id", 1)])


def test_boundaries_since_included_until_excluded(mongo, manifest, run, warehouse):
    _events(
        mongo,
        [
            {"_id": ObjectId(), "name": "before", "updatedAt": T0 - timedelta(milliseconds=1)},
            {"_id": ObjectId(), "name": "at_since", "updatedAt": T0},
            {"_id": ObjectId(), "name": "inside", "updatedAt": T0 + timedelta(hours=5)},
            {"_id": ObjectId(), "name": "last_ms", "updatedAt": T1 - timedelta(milliseconds=1)},
            {"_id": ObjectId(), "name": "at_until", "updatedAt": T1},
        ],
    )
    result = run("--since", "2024-03-01", "--until", "2024-03-02", config=manifest(EVENTS))
    assert result.code == 0, result.err
    names = {r[0] for r in warehouse("SELECT name FROM raw_mongodb.events")}
    assert names == {"at_since", "inside", "last_ms"}
    # The cursor arrives under the name the core derives from the manifest, as a UTC timestamp.
    assert warehouse("SELECT min(updated_at) FROM raw_mongodb.events")[0][0] == T0


def test_ties_on_the_cursor_across_pages_are_all_loaded(mongo, manifest, run, warehouse):
    tie = T0 + timedelta(hours=1)
    ids = [ObjectId() for _ in range(23)]
    _events(mongo, [{"_id": i, "n": n, "updatedAt": tie} for n, i in enumerate(ids)])
    result = run("--since", "2024-03-01", "--until", "2024-03-02", config=manifest(EVENTS, batch_size=5))
    assert result.code == 0, result.err
    loaded = {r[0] for r in warehouse("SELECT _id FROM raw_mongodb.events")}
    assert loaded == {str(i) for i in ids}


def test_rerun_is_idempotent(mongo, manifest, run, warehouse):
    summary = seed(mongo, "app", customers=10, days=3, events_per_day=30)
    config = manifest(
        {"app_events": {"cursor": "updatedAt"}, "users": {"cursor": "updatedAt", "primary_key": "_id"}},
        nested="flatten",
    )
    window = ("--since", summary.first_day.isoformat(), "--until", "2024-03-10")
    snapshot = "SELECT * EXCLUDE (_extracted_at) FROM raw_mongodb.{} ORDER BY _id"
    assert run(*window, config=config).code == 0
    first = {t: warehouse(snapshot.format(t)) for t in ("app_events", "users")}
    assert run(*window, config=config).code == 0
    second = {t: warehouse(snapshot.format(t)) for t in ("app_events", "users")}
    assert first == second
    assert len(first["app_events"]) == mongo["app"]["app_events"].count_documents({})


def test_update_into_a_later_window_ends_up_once_with_latest_values(mongo, manifest, run, warehouse):
    users = mongo["app"]["users"]
    key = ObjectId()
    users.insert_one({"_id": key, "plan": "free", "updatedAt": T0 + timedelta(hours=3)})
    config = manifest(USERS)
    assert run("--since", "2024-03-01", "--until", "2024-03-02", config=config).code == 0
    users.update_one({"_id": key}, {"$set": {"plan": "pro", "updatedAt": T1 + timedelta(hours=2)}})
    assert run("--since", "2024-03-02", "--until", "2024-03-03", config=config).code == 0
    assert warehouse("SELECT _id, plan FROM raw_mongodb.users") == [(str(key), "pro")]


def test_chunks_load_the_same_rows_as_one_window(mongo, manifest, run, warehouse, env, tmp_path, monkeypatch):
    seed(mongo, "app", customers=10, days=3, events_per_day=25)
    config = manifest({"app_events": {"cursor": "updatedAt"}, "users": {"cursor": "updatedAt", "primary_key": "_id"}})
    query = "SELECT * EXCLUDE (_extracted_at) FROM raw_mongodb.{} ORDER BY _id"
    assert run("--since", "2024-02-26", "--until", "2024-03-01", config=config).code == 0
    whole = {t: warehouse(query.format(t)) for t in ("app_events", "users")}
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(tmp_path / "chunked.duckdb"))
    result = run("--since", "2024-02-26", "--until", "2024-03-01", "--chunk", "1d", config=config)
    assert result.code == 0, result.err
    assert [c["status"] for c in result.report["chunks"]] == ["committed"] * 4
    import duckdb

    with duckdb.connect(str(tmp_path / "chunked.duckdb"), read_only=True) as con:
        chunked = {t: con.execute(query.format(t)).fetchall() for t in ("app_events", "users")}
    assert chunked == whole


def test_dry_run_counts_with_the_read_filter_and_loads_nothing(mongo, manifest, run, env):
    _events(mongo, [{"_id": ObjectId(), "updatedAt": T0 + timedelta(minutes=m)} for m in range(0, 3000, 60)])
    result = run("--since", "2024-03-01", "--until", "2024-03-02", "--dry-run", config=manifest(EVENTS))
    assert result.code == 0, result.err
    expected = mongo["app"]["events"].count_documents({"updatedAt": {"$gte": T0, "$lt": T1}})
    assert result.report["status"] == "dry-run"
    assert result.report["tables"]["events"]["rows_in_source"] == expected
    plans = [e for e in result.events if e.get("event") == "plan"]
    assert 'ISODate("2024-03-01T00:00:00Z")' in plans[0]["message"]
    assert not env.exists()


def test_report_and_log_lines(mongo, manifest, run):
    _events(mongo, [{"_id": ObjectId(), "updatedAt": T0 + timedelta(hours=h)} for h in range(6)])
    result = run("--since", "2024-03-01", "--until", "2024-03-02", config=manifest(EVENTS))
    assert result.code == 0, result.err
    report = result.report
    assert report["status"] == "success"
    assert report["tables"]["events"]["rows_loaded"] == 6
    assert report["tables"]["events"]["write_disposition"] == "window-replace"
    assert report["extra"]["mongodb"]["index_hints"] == {"events": "updatedAt_1__id_1"}
    finished = result.events[-1]
    assert finished["event"] == "run_finished"
    assert (finished["source"], finished["status"], finished["rows"]) == ("mongodb", "success", 6)


def test_missing_cursor_index_warns_and_still_loads(mongo, manifest, run):
    mongo["app"]["events"].insert_many([{"_id": ObjectId(), "updatedAt": T0}])
    result = run("--since", "2024-03-01", "--until", "2024-03-02", config=manifest(EVENTS))
    assert result.code == 0, result.err
    warnings = [e for e in result.events if e.get("event") == "mongodb_no_cursor_index"]
    assert warnings
    assert warnings[0]["severity"] == "WARNING"
    assert result.report["extra"]["mongodb"]["index_hints"] == {"events": None}


def test_read_yields_batches_of_at_most_batch_size(mongo, env, manifest, collect_read):
    _events(mongo, [{"_id": ObjectId(), "updatedAt": T0 + timedelta(seconds=s)} for s in range(0, 2500)])
    batches, _ = collect_read(manifest(EVENTS, batch_size=1000), "events", "2024-03-01", "2024-03-02")
    assert [b.num_rows for b in batches] == [1000, 1000, 500]


def test_wall_clock_timezone_shifts_window_and_values(mongo, env, manifest, collect_read):
    # An application that stored Berlin wall-clock times as BSON dates: 01:00 "UTC" meant 00:00 UTC.
    _events(
        mongo,
        [
            {"_id": ObjectId(), "updatedAt": datetime(2024, 3, 1, 0, 30, tzinfo=UTC)},  # 2024-02-29T23:30Z
            {"_id": ObjectId(), "updatedAt": datetime(2024, 3, 1, 1, 0, tzinfo=UTC)},  # 2024-03-01T00:00Z
        ],
    )
    batches, _ = collect_read(manifest(EVENTS, timezone="Europe/Berlin"), "events", "2024-03-01", "2024-03-02")
    assert batches[0].column("updatedAt").to_pylist() == [T0]


def test_module_docstring_lists_resources_cursors_and_dispositions():
    import extract.sources.mongodb as module

    doc = module.__doc__ or ""
    assert "Resources:" in doc
    assert "Cursors:" in doc
    assert "Write dispositions:" in doc


def test_describe_window_is_the_shell_query(mongo, env, manifest):
    mongo["app"]["users"].insert_one({"_id": ObjectId(), "updatedAt": T0})
    mongo["app"]["users"].create_index([("updatedAt", 1)])
    label, content = read_manifest_file(manifest(USERS))
    section = parse_section("mongodb", label, content, MongoDBSource.rules)
    source = MongoDBSource(section)
    source.open(section.tables)
    text = source.describe_window(section.tables[0], Window(T0, T1))
    assert text == (
        'db.users.find({updatedAt: {$gte: ISODate("2024-03-01T00:00:00Z"), $lt: ISODate("2024-03-02T00:00:00Z")}})'
        '.sort({updatedAt: 1, _id: 1}).hint("updatedAt_1")'
    )
