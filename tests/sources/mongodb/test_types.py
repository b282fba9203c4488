"""Type fidelity: BSON values land in DuckDB exactly, nested documents follow the policy, conflicts never fail."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
from bson import Binary, Decimal128, ObjectId
from bson.datetime_ms import DatetimeMS
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.sources.mongodb.convert import DocumentConverter, to_json

T0 = datetime(2024, 3, 1, tzinfo=UTC)
WINDOW = ("--since", "2024-03-01", "--until", "2024-03-02")
EVENTS = {"events": {"cursor": "updatedAt"}}
DECIMALS = ["12345678901234567890.123456789", "-0.000000000001", "0", "1E+3", "19.99"]


def _insert(mongo, docs):
    collection = mongo["app"]["events"]
    collection.insert_many(docs)
    collection.create_index([("updatedAt", 1), ("_id", 1)])
    return collection


def _at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_scalars_are_exact(mongo, manifest, run, warehouse, columns):
    uid = uuid.uuid4()
    oid = ObjectId()
    _insert(
        mongo,
        [
            {
                "_id": oid,
                "updatedAt": _at(1),
                "occurredAt": datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC),
                "price": Decimal128(text),
                "requestId": Binary.from_uuid(uid),
                "payload": Binary(b"\x00\xffbinary\x01", 0),
                "count": 2**62,
                "ratio": 0.1,
                "active": True,
            }
            for text in DECIMALS[:1]
        ]
        + [{"_id": ObjectId(), "updatedAt": _at(2 + i), "price": Decimal128(t)} for i, t in enumerate(DECIMALS[1:])],
    )
    result = run(*WINDOW, config=manifest(EVENTS))
    assert result.code == 0, result.err
    types = columns("raw_mongodb", "events")
    assert types["price"].startswith("DECIMAL(38,")
    assert types["occurred_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["payload"] == "BLOB"
    prices = [r[0] for r in warehouse("SELECT price FROM raw_mongodb.events ORDER BY updated_at")]
    assert prices == [Decimal128(t).to_decimal() for t in DECIMALS]
    row = warehouse(
        "SELECT _id, occurred_at, request_id, payload, count, ratio, active FROM raw_mongodb.events "
        f"WHERE _id = '{oid}'"
    )[0]
    assert row == (str(oid), datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC), str(uid), b"\x00\xffbinary\x01",
                   2**62, 0.1, True)  # fmt: skip
    assert result.report["tables"]["events"]["anomalies"] == {}


def test_nested_json_policy_keeps_documents_queryable(mongo, manifest, run, warehouse, columns):
    oid = ObjectId()
    device = {"os": "ios", "screen": {"w": 1170, "h": 2532}, "price": Decimal128("0.10"), "seen": T0, "ref": oid}
    _insert(mongo, [{"_id": ObjectId(), "updatedAt": _at(1), "device": device, "tags": ["a", {"b": 1}]}])
    result = run(*WINDOW, config=manifest(EVENTS))
    assert result.code == 0, result.err
    types = columns("raw_mongodb", "events")
    assert (types["device"], types["tags"]) == ("JSON", "JSON")
    os_, width, price, ref = warehouse(
        "SELECT device->>'$.os', CAST(device->'$.screen.w' AS INTEGER), device->>'$.price', device->>'$.ref' "
        "FROM raw_mongodb.events"
    )[0]
    assert (os_, width, price, ref) == ("ios", 1170, "0.10", str(oid))
    tags = warehouse("SELECT tags FROM raw_mongodb.events")[0][0]
    assert json.loads(tags) == ["a", {"b": 1}]


def test_nested_flatten_policy_makes_parent_child_columns(mongo, manifest, run, warehouse, columns):
    doc = {"_id": ObjectId(), "updatedAt": _at(1), "device": {"os": "ios", "app": {"version": "3.2"}}, "tags": ["x"]}
    _insert(mongo, [doc])
    result = run(*WINDOW, config=manifest(EVENTS, nested="flatten"))
    assert result.code == 0, result.err
    types = columns("raw_mongodb", "events")
    assert {"device__os", "device__app__version"} <= set(types)
    assert types["tags"] == "JSON"
    assert warehouse("SELECT device__os, device__app__version, tags FROM raw_mongodb.events") == [
        ("ios", "3.2", '["x"]')
    ]


def test_flattened_array_inside_a_sub_document_is_json_text_without_a_stray_column(
    mongo, manifest, run, warehouse, columns
):
    _insert(mongo, [{"_id": ObjectId(), "updatedAt": _at(1), "device": {"os": "ios", "tags": ["a", "b"]}}])
    result = run(*WINDOW, config=manifest(EVENTS, nested="flatten"))
    assert result.code == 0, result.err
    types = columns("raw_mongodb", "events")
    assert "device_tags" not in types
    assert json.loads(warehouse("SELECT device__tags FROM raw_mongodb.events")[0][0]) == ["a", "b"]
    assert warehouse("SELECT json_extract_string(device__tags, '$[1]') FROM raw_mongodb.events") == [("b",)]
    assert result.report["tables"]["events"]["anomalies"] == {}


def test_per_collection_nested_overrides_the_source_policy(mongo, manifest, run, columns):
    _insert(mongo, [{"_id": ObjectId(), "updatedAt": _at(1), "device": {"os": "ios"}}])
    config = manifest({"events": {"cursor": "updatedAt", "nested": "flatten"}}, nested="json")
    assert run(*WINDOW, config=config).code == 0
    assert "device__os" in columns("raw_mongodb", "events")


def test_type_conflict_in_one_batch_becomes_a_string_column(mongo, manifest, run, warehouse, columns):
    _insert(
        mongo,
        [
            {"_id": ObjectId(), "updatedAt": _at(1), "score": 7},
            {"_id": ObjectId(), "updatedAt": _at(2), "score": "high"},
            {"_id": ObjectId(), "updatedAt": _at(3), "score": 7.5},
        ],
    )
    result = run(*WINDOW, config=manifest(EVENTS))
    assert result.code == 0, result.err
    assert columns("raw_mongodb", "events")["score"] == "VARCHAR"
    assert [r[0] for r in warehouse("SELECT score FROM raw_mongodb.events ORDER BY updated_at")] == ["7", "high", "7.5"]
    assert result.report["tables"]["events"]["anomalies"] == {"type_conflict:score": 2}


def test_type_conflict_across_batches_keeps_the_value_in_a_variant_column(mongo, manifest, run, warehouse):
    docs = [{"_id": ObjectId(), "updatedAt": _at(i), "score": i} for i in range(4)]
    docs.append({"_id": ObjectId(), "updatedAt": _at(10), "score": "n/a"})
    _insert(mongo, docs)
    result = run(*WINDOW, config=manifest(EVENTS, batch_size=2))
    assert result.code == 0, result.err
    rows = warehouse("SELECT score, score__v_text FROM raw_mongodb.events ORDER BY updated_at")
    assert rows == [(0, None), (1, None), (2, None), (3, None), (None, "n/a")]
    assert result.report["tables"]["events"]["anomalies"] == {"type_conflict:score": 1}


def test_int_and_double_widen_to_double_without_anomaly(mongo, manifest, run, warehouse, columns):
    _insert(
        mongo, [{"_id": ObjectId(), "updatedAt": _at(1), "v": 1}, {"_id": ObjectId(), "updatedAt": _at(2), "v": 1.5}]
    )
    result = run(*WINDOW, config=manifest(EVENTS))
    assert result.code == 0, result.err
    assert columns("raw_mongodb", "events")["v"] == "DOUBLE"
    assert result.report["tables"]["events"]["anomalies"] == {}


def test_decimal_wider_than_the_column_is_kept_exactly_as_text(mongo, manifest, run, warehouse):
    _insert(
        mongo,
        [
            {"_id": ObjectId(), "updatedAt": _at(1), "amount": Decimal128("1.50")},
            {"_id": ObjectId(), "updatedAt": _at(2), "amount": Decimal128("0.123456789012345")},
        ],
    )
    result = run(*WINDOW, config=manifest(EVENTS, batch_size=1))
    assert result.code == 0, result.err
    rows = warehouse("SELECT amount, amount__v_text FROM raw_mongodb.events ORDER BY updated_at")
    assert rows == [(Decimal("1.50"), None), (None, "0.123456789012345")]
    assert result.report["tables"]["events"]["anomalies"] == {"decimal_overflow:amount": 1}


def test_converter_out_of_range_dates_are_nulled_and_counted():
    converter = DocumentConverter("json", cursor="updatedAt")
    anomalies: Counter[str] = Counter()
    table = converter.convert(
        [{"_id": 1, "updatedAt": T0, "born": DatetimeMS(-(10**15))}, {"_id": 2, "updatedAt": T0, "born": T0}],
        anomalies,
    )
    assert table.column("born").to_pylist() == [None, T0]
    assert anomalies == Counter({"date_out_of_range:born": 1})


def test_converter_json_text_of_bson_values():
    uid = uuid.uuid4()
    text = to_json({"d": Decimal128("1.10"), "t": T0, "u": uid, "b": b"\x01", "n": float("nan"), "l": [1, None]})
    assert json.loads(text) == {"d": "1.10", "t": "2024-03-01T00:00:00Z", "u": str(uid), "b": "AQ==", "n": None,
                                "l": [1, None]}  # fmt: skip


def test_converter_types_are_stable_across_batches():
    converter = DocumentConverter("json", cursor="updatedAt")
    anomalies: Counter[str] = Counter()
    first = converter.convert([{"_id": ObjectId(), "updatedAt": T0, "v": 1, "d": Decimal128("2.5")}], anomalies)
    second = converter.convert([{"_id": ObjectId(), "updatedAt": T0, "v": 2.5, "d": 3}], anomalies)
    assert first.schema.field("v").type == pa.int64()
    assert second.schema.field("d").type == first.schema.field("d").type
    assert second.column("d").to_pylist() == [Decimal(3)]
    assert second.column("v__v_text").to_pylist() == ["2.5"]
    assert anomalies == Counter({"type_conflict:v": 1})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
            lambda d: len(d.as_tuple().digits) <= 34 and -60 < d.as_tuple().exponent < 60
        ),
        min_size=1,
        max_size=20,
    )
)
def test_decimal128_values_are_never_rounded(values):
    converter = DocumentConverter("json")
    anomalies: Counter[str] = Counter()
    documents = [{"_id": i, "x": Decimal128(v)} for i, v in enumerate(values)]
    table = converter.convert(documents, anomalies)
    main = table.column("x").to_pylist()
    variants = table.column("x__v_text").to_pylist() if "x__v_text" in table.column_names else [None] * len(values)
    for original, number, text in zip(values, main, variants, strict=True):
        loaded = text if text is not None else number  # a text column, or the variant column, holds the rest
        assert Decimal(loaded) == Decimal128(original).to_decimal()
