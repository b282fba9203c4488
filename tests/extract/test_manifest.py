"""Manifest validation: strict keys, one-line errors naming the file and the key."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from extract.errors import UsageError
from extract.manifest import parse_section, read_manifest_file
from extract.sources.mysql import MySQLSource

RULES = MySQLSource.rules


def _parse(content, label="m.yaml"):
    return parse_section("mysql", label, content, RULES)


def test_packaged_manifest_is_valid():
    label, content = read_manifest_file(None)
    manifest = parse_section("mysql", label, content, RULES)
    names = [t.name for t in manifest.tables]
    assert names == ["customers", "orders", "order_items", "events"]
    assert manifest.tables[2].primary_key == ("order_id", "line_no")
    assert manifest.tables[3].write_disposition == "window-replace"
    assert manifest.tables[1].write_disposition == "merge"
    assert manifest.tables[1].cluster == ("id",)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"mysql": {"tables": {"orders": {"cursr": "updated_at"}}}},
         "m.yaml: mysql.tables.orders: unknown key 'cursr' (allowed: cluster, cursor, partition, primary_key)"),
        ({"mysql": {"tables": {"orders": {"primary_key": "id"}}}},
         "m.yaml: mysql.tables.orders: missing 'cursor' (the column that places a row in a window)"),
        ({"mysql": {"tablez": {}}}, "m.yaml: mysql: unknown key 'tablez' (allowed: batch_rows, tables, timezone)"),
        ({"mysql": {"tables": {}}}, "m.yaml: mysql.tables: must be a non-empty mapping"),
        ({"hubspot": {}}, "m.yaml: no 'mysql' section (sections: hubspot)"),
        ({"mysql": {"tables": {"orders": {"cursor": "u", "primary_key": [1]}}}},
         "m.yaml: mysql.tables.orders.primary_key: must be a column name or a non-empty list of column names"),
        ({"mysql": {"tables": {"orders": {"cursor": "u", "cluster": ["a", "b", "c", "d", "e"]}}}},
         "m.yaml: mysql.tables.orders.cluster: BigQuery clusters on at most 4 columns, got 5"),
        ({"mysql": {"tables": {"orders": "updated_at"}}},
         "m.yaml: mysql.tables.orders: must be a mapping such as {cursor: updated_at, primary_key: id}"),
    ],
)  # fmt: skip
def test_invalid_manifests_name_the_file_and_key(content, message):
    with pytest.raises(UsageError) as caught:
        _parse(content)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_invalid_yaml_is_a_usage_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("mysql:\n  tables: [unclosed\n")
    with pytest.raises(UsageError, match=r"bad.yaml: invalid YAML at line \d+"):
        read_manifest_file(path)


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="cannot read the manifest"):
        read_manifest_file(tmp_path / "absent.yaml")


def test_select_keeps_manifest_order_and_rejects_unknown_tables():
    manifest = _parse({"mysql": {"tables": {"a": {"cursor": "u"}, "b": {"cursor": "u"}, "c": {"cursor": "u"}}}})
    assert [t.name for t in manifest.select(["c", "a"])] == ["a", "c"]
    with pytest.raises(UsageError, match=r"unknown table\(s\) zz in --tables \(manifest has: a, b, c\)"):
        manifest.select(["a", "zz"])


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


@given(extra=keys)
def test_any_unknown_table_key_is_rejected_with_its_name(extra):
    content = {"mysql": {"tables": {"t": {"cursor": "u", extra: 1}}}}
    if extra in {"cursor", "primary_key", "partition", "cluster"}:
        return
    with pytest.raises(UsageError, match=f"unknown key '{extra}'"):
        _parse(content)


@given(tables=st.dictionaries(keys, st.fixed_dictionaries({"cursor": keys}), min_size=1, max_size=5))
def test_valid_manifests_round_trip_through_yaml(tables):
    content = yaml.safe_load(yaml.safe_dump({"mysql": {"tables": tables}}, sort_keys=False))
    manifest = _parse(content)
    assert [t.name for t in manifest.tables] == list(tables)
    assert all(t.cursor == tables[t.name]["cursor"] for t in manifest.tables)
