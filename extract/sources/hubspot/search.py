"""Read every record of a window through HubSpot's search API despite its 10,000-result cap.

HubSpot's search answers at most 10,000 results per query: `after + limit` beyond 10,000 is a 400.
Connectors that page one big query silently stop there. Here a window `[lo, hi)` (epoch milliseconds,
half-open, filtered `GTE lo` and `LT hi` on the last-modified property) is read like this:

1. Ask for the first page, sorted ascending on the last-modified property. Its `total` says how big the
   slice is.
2. `total` within the cap: page through it with `after`. Page limits are clamped so that `after + limit`
   never passes the cap.
3. `total` over the cap: split the slice at its middle millisecond, `[lo, mid)` and `[mid, hi)`, and read
   each half the same way. Half-open slices on the millisecond put each record in exactly one slice, so a
   tie on the timestamp at a slice boundary is neither dropped nor read twice.
4. A single millisecond still over the cap (a bulk import or workflow touching thousands of records at
   once) is read by id: filter `hs_object_id GT last_id` in that millisecond, sorted by `hs_object_id`,
   one page at a time. Ids are unique, so this keyset paging has no ties and no cap.

Offset paging can skip a record when another record leaves the slice while it is being read (every later
offset shifts by one). Each slice therefore checks the distinct ids it read against the `total` it
started with; when it read fewer, it re-reads the slice by id and keeps only the records it had missed.
Duplicates from an unstable tie order are dropped by id within the slice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

SEARCH_CAP = 10_000
ID_PROPERTY = "hs_object_id"


class SearchApi(Protocol):
    """What the reader needs from the API client."""

    def search(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """One search call."""
        ...


@dataclass
class SliceStats:
    """How a window was cut (published in the run report)."""

    slices: int = 0
    splits: int = 0
    id_keyset_slices: int = 0
    rereads: int = 0
    duplicates_dropped: int = 0


class WindowSearch:
    """Reads the records of one object type whose last-modified property lies in a window.

    Args:
        api: The API client.
        object_type: HubSpot object type (`contacts`, `deals`, `p_custom`, ...).
        cursor_property: Property the window filters and sorts on.
        properties: Properties to return.
        page_size: Results per page (at most 200).
        cap: HubSpot's result cap per query (10,000; lower only in tests).
        stats: Counters to update.
    """

    def __init__(
        self,
        api: SearchApi,
        object_type: str,
        cursor_property: str,
        properties: list[str],
        page_size: int,
        cap: int = SEARCH_CAP,
        stats: SliceStats | None = None,
    ) -> None:
        self.api = api
        self.object_type = object_type
        self.cursor = cursor_property
        self.properties = properties
        self.page_size = page_size
        self.cap = cap
        self.stats = stats or SliceStats()

    def _body(
        self, lo: int, hi: int, *, limit: int, after: str | None = None, by_id_after: int | None = None
    ) -> dict[str, Any]:
        filters = [
            {"propertyName": self.cursor, "operator": "GTE", "value": str(lo)},
            {"propertyName": self.cursor, "operator": "LT", "value": str(hi)},
        ]
        sort = self.cursor
        if by_id_after is not None:
            sort = ID_PROPERTY
            if by_id_after >= 0:
                filters.append({"propertyName": ID_PROPERTY, "operator": "GT", "value": str(by_id_after)})
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": self.properties,
            "limit": limit,
        }
        if after:
            body["after"] = after
        return body

    def count(self, lo: int, hi: int) -> int:
        """HubSpot's `total` for `[lo, hi)` (exact, also beyond the cap)."""
        return int(self.api.search(self.object_type, self._body(lo, hi, limit=1)).get("total", 0))

    def pages(self, lo: int, hi: int) -> Iterator[list[dict[str, Any]]]:
        """Yield the records of `[lo, hi)` page by page, in time order of the slices, each exactly once."""
        pending = [(lo, hi)]
        while pending:
            start, end = pending.pop()
            first = self.api.search(self.object_type, self._body(start, end, limit=self.page_size))
            total = int(first.get("total", 0))
            if total > self.cap:
                if end - start > 1:
                    middle = start + (end - start) // 2
                    pending += [(middle, end), (start, middle)]  # popped left half first: time order
                    self.stats.splits += 1
                    continue
                self.stats.slices += 1
                self.stats.id_keyset_slices += 1
                yield from self._by_id(start, end, seen=set())
                continue
            self.stats.slices += 1
            yield from self._by_offset(start, end, first, total)

    def _by_offset(self, lo: int, hi: int, first: dict[str, Any], total: int) -> Iterator[list[dict[str, Any]]]:
        seen: set[str] = set()
        answer = first
        while True:
            fresh = self._unseen(answer.get("results", []), seen, duplicates_expected=False)
            if fresh:
                yield fresh
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
            limit = min(self.page_size, self.cap - int(after))
            if limit <= 0:
                break  # the slice grew past the cap while being read: the id re-read below finishes it
            answer = self.api.search(self.object_type, self._body(lo, hi, limit=limit, after=after))
        if len(seen) < total or ((answer.get("paging") or {}).get("next")):
            self.stats.rereads += 1
            yield from self._by_id(lo, hi, seen)

    def _by_id(self, lo: int, hi: int, seen: set[str]) -> Iterator[list[dict[str, Any]]]:
        last = -1
        while True:
            answer = self.api.search(self.object_type, self._body(lo, hi, limit=self.page_size, by_id_after=last))
            results = answer.get("results", [])
            if not results:
                return
            fresh = self._unseen(results, seen, duplicates_expected=True)
            if fresh:
                yield fresh
            last = max(int(r["id"]) for r in results)
            if not (answer.get("paging") or {}).get("next"):
                return

    def _unseen(
        self, results: list[dict[str, Any]], seen: set[str], *, duplicates_expected: bool
    ) -> list[dict[str, Any]]:
        fresh = []
        for record in results:
            record_id = str(record["id"])
            if record_id in seen:
                # An id re-read skips what the offset pass already yielded; anywhere else it is a repeat.
                self.stats.duplicates_dropped += not duplicates_expected
                continue
            seen.add(record_id)
            fresh.append(record)
        return fresh
