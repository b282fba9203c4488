"""Manifest validation against describe (exit 2 naming the key), explicit field lists and custom objects."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extract.sources.salesforce.fields import FieldInfo, default_fields
from tests.fakes.salesforce import STANDARD_OBJECTS, FakeSalesforce, FieldDef
from tests.sources.salesforce.support import DAY, captured, rows, run, seed_small_org, write_manifest


@pytest.mark.parametrize(
    ("objects", "settings", "expected"),
    [
        ({"Invoice__c": {}}, {}, "salesforce.objects.Invoice__c: no such sObject"),
        ({"Account": {"fields": ["Id", "Nope"]}}, {}, "salesforce.objects.Account.fields: no field 'Nope'"),
        (
            {"Account": {"fields": ["BillingAddress"]}},
            {},
            "'BillingAddress' is a compound field (list its components: BillingStreet",
        ),
        ({"Contact": {"fields": ["Name"]}}, {}, "'Name' is a compound field (list its components: LastName, FirstName"),
        ({"Opportunity": {"cursor": "CloseDate"}}, {}, "Opportunity.cursor: field 'CloseDate' is date"),
        ({"Account": {}}, {"bulk_threshold_rows": -1}, "salesforce.bulk_threshold_rows: must be an integer >= 1"),
        ({"Account": {}}, {"api_version": "v60"}, "salesforce.api_version"),
    ],
)
def test_bad_manifest_exits_2_naming_the_key(
    sf_env: FakeSalesforce, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    objects: dict[str, Any], settings: dict[str, Any], expected: str,
) -> None:  # fmt: skip
    manifest = write_manifest(tmp_path / "m.yaml", objects, **settings)
    with captured(capsys) as out:
        code = run(manifest, "2024-03-01", "2024-03-02")

    assert code == 2
    assert expected in out["stderr"]
    assert str(manifest) in out["stderr"]


def test_explicit_field_list_adds_id_cursor_and_is_deleted(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    seed_small_org(sf_env)
    fields = ["Id", "Name", "Amount", "StageName", "CloseDate", "SystemModstamp"]
    assert (
        run(write_manifest(tmp_path / "m.yaml", {"Opportunity": {"fields": fields}}), "2024-03-01", "2024-03-02") == 0
    )

    columns = [r[0] for r in rows(db, "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                      "'raw_salesforce' AND table_name = 'opportunity' ORDER BY ordinal_position")]  # fmt: skip
    assert [c for c in columns if not c.startswith("_")] == [
        "id", "name", "amount", "stage_name", "close_date", "system_modstamp", "is_deleted"
    ]  # fmt: skip


def test_custom_object_with_a_location_and_another_cursor(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    sf_env.define_object(
        "Store__c",
        [FieldDef("Id", "id"), FieldDef("IsDeleted", "boolean"), FieldDef("Name", "string"),
         FieldDef("Revenue__c", "currency", 16, 2), FieldDef("Share__c", "percent", 5, 2),
         FieldDef("Location__Latitude__s", "double", 18, 15, "Location__c"),
         FieldDef("Location__Longitude__s", "double", 18, 15, "Location__c"), FieldDef("Location__c", "location"),
         FieldDef("LastModifiedDate", "datetime"), FieldDef("SystemModstamp", "datetime")],
    )  # fmt: skip
    inside = sf_env.put("Store__c", Name="Lyon", Revenue__c=Decimal("0.10"), Share__c=Decimal("12.34"),
                        Location__Latitude__s=Decimal("45.764043000000000"), SystemModstamp=DAY + timedelta(days=5),
                        LastModifiedDate=DAY)  # fmt: skip
    sf_env.put("Store__c", Name="Nice", SystemModstamp=DAY, LastModifiedDate=DAY + timedelta(days=1))

    manifest = write_manifest(tmp_path / "m.yaml", {"Store__c": {"cursor": "LastModifiedDate"}})
    assert run(manifest, "2024-03-01", "2024-03-02") == 0

    assert rows(db, "SELECT id, revenue_c, share_c, location_latitude_s FROM raw_salesforce.store_c") == [
        (inside, Decimal("0.10"), Decimal("12.34"), Decimal("45.764043000000000"))
    ]
    columns = {r[0] for r in rows(db, "SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'store_c'")}  # fmt: skip
    assert "location_c" not in columns


def test_default_fields_skip_compound_parents_and_their_types() -> None:
    fields = [FieldInfo(f.name, f.type, f.precision, f.scale, f.compound) for f in STANDARD_OBJECTS["Contact"]]
    names = [f.name for f in default_fields(fields)]
    assert "Name" not in names
    assert "MailingAddress" not in names
    assert {"FirstName", "LastName", "MailingCity", "MailingLatitude", "Email"} <= set(names)
