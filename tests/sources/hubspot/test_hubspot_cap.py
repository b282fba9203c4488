"""HubSpot's 10,000-result search cap: windows are split, nothing is truncated, nothing is read twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from extract.sources.hubspot.api import HubSpotApi
from extract.sources.hubspot.search import WindowSearch
from tests.fakes.hubspot import SEARCH_CAP, FakeHubSpot, epoch_ms
from tests.sources.hubspot.support import query, run, write_manifest

DAY = datetime(2024, 3, 1, tzinfo=UTC)
PROPS = ["email", "lastmodifieddate"]


def test_25k_records_in_a_day_with_15k_in_one_millisecond_all_arrive_exactly_once(
    fake: FakeHubSpot, hubspot_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    burst = DAY + timedelta(hours=12, milliseconds=345)
    spread = [(DAY + timedelta(seconds=8 * i), {"email": f"s{i}@example.com"}, None, None) for i in range(10_000)]
    same_ms = [(burst, {"email": f"b{i}@example.com"}, None, None) for i in range(15_000)]
    ids = fake.add_many("contacts", spread + same_ms)
    fake.record_requests = True

    result = run(tmp_path, capsys, write_manifest(tmp_path / "m.yaml", page_size=200), "2024-03-01", "2024-03-02")

    assert result.code == 0, result.output
    loaded = Counter(row[0] for row in query(hubspot_env, "SELECT id FROM raw_hubspot.contacts"))
    assert set(loaded) == {str(i) for i in ids}
    assert max(loaded.values()) == 1
    slices = result.report["extra"]["hubspot"]["search_slices"]["contacts"]
    assert slices["splits"] > 0
    assert slices["id_keyset_slices"] == 1
    offsets = [int(r.body.get("after") or 0) + int(r.body["limit"]) for r in fake.requests if r.route == "search"]
    assert max(offsets) <= SEARCH_CAP
    assert result.report["tables"]["contacts"]["rows_loaded"] == len(ids)


def _reader(fake: FakeHubSpot, cap: int, page_size: int = 3, api: Any = None) -> WindowSearch:
    client = api or HubSpotApi(fake.token, fake.base_url, max_retries=0)
    return WindowSearch(client, "contacts", "lastmodifieddate", PROPS, page_size, cap=cap)


def _read_ids(reader: WindowSearch, lo: int, hi: int) -> Counter[str]:
    return Counter(str(r["id"]) for page in reader.pages(lo, hi) for r in page)


def test_ties_on_the_split_boundary_are_neither_dropped_nor_duplicated(fake: FakeHubSpot) -> None:
    lo, hi = epoch_ms(DAY), epoch_ms(DAY) + 1_000
    middle = lo + (hi - lo) // 2  # where the first split cuts
    rows = [(DAY + timedelta(milliseconds=middle - lo), {}, None, None)] * 4
    rows += [(DAY + timedelta(milliseconds=middle - lo - 1), {}, None, None)] * 4
    rows += [(DAY + timedelta(milliseconds=ms), {}, None, None) for ms in (0, 1, 250, 999)]
    rows += [(DAY + timedelta(milliseconds=1_000), {}, None, None)]  # at `hi`: outside
    ids = fake.add_many("contacts", rows)
    reader = _reader(fake, cap=5)

    read = _read_ids(reader, lo, hi)

    assert set(read) == {str(i) for i in ids[:-1]}
    assert max(read.values()) == 1
    assert reader.stats.splits >= 1


def test_one_millisecond_over_the_cap_is_read_by_id(fake: FakeHubSpot) -> None:
    ids = fake.add_many("contacts", [(DAY, {}, None, None)] * 17)
    reader = _reader(fake, cap=5, page_size=4)

    read = _read_ids(reader, epoch_ms(DAY), epoch_ms(DAY) + 1)

    assert read == Counter({str(i): 1 for i in ids})
    assert reader.stats.id_keyset_slices == 1
    by_id = [r for r in fake.requests if r.route == "search" and r.body["sorts"][0]["propertyName"] == "hs_object_id"]
    assert all("after" not in r.body for r in by_id)  # keyset paging never uses the capped offset


class _MovesARecordAfterTheFirstPage:
    """An API wrapper that, after the first page, modifies an already-read record out of the window.

    With plain offset paging every later offset then shifts by one and a record is skipped.
    """

    def __init__(self, fake: FakeHubSpot, api: HubSpotApi, moved: int) -> None:
        self.fake, self.api, self.moved, self.calls = fake, api, moved, 0

    def search(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.api.search(object_type, body)
        self.calls += 1
        if self.calls == 1:
            self.fake.update("contacts", self.moved, DAY + timedelta(days=5))
        return answer


def test_a_record_leaving_the_slice_mid_read_does_not_hide_another(fake: FakeHubSpot) -> None:
    ids = fake.add_many("contacts", [(DAY + timedelta(seconds=i), {}, None, None) for i in range(10)])
    api = _MovesARecordAfterTheFirstPage(fake, HubSpotApi(fake.token, fake.base_url, max_retries=0), moved=ids[0])
    reader = _reader(fake, cap=100, page_size=3, api=api)

    read = _read_ids(reader, epoch_ms(DAY), epoch_ms(DAY + timedelta(days=1)))

    assert set(read) == {str(i) for i in ids}  # the moved one was read before it moved; none was skipped
    assert max(read.values()) == 1
    assert reader.stats.rereads == 1
