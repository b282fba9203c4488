"""The contract every source implements, so the CLI, chunking, loading and reporting stay source-agnostic."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, ClassVar

import pyarrow as pa

from extract.errors import ExtractError
from extract.manifest import ManifestRules, SourceManifest, TableSpec
from extract.window import Window

# What `Source.read` yields: Arrow tables (fast path, exact types) or lists of dicts (dlt infers types).
Batch = pa.Table | list[dict[str, Any]]


class Source(ABC):
    """A system that can count and read the rows of a table for one window.

    Subclasses set `name` and `rules`, read credentials the dlt way (env `SOURCES__<NAME>__...` or
    `.dlt/secrets.toml`), and must never put a secret in an exception message or a repr.

    Args:
        manifest: The validated manifest section of this source.
    """

    name: ClassVar[str]
    rules: ClassVar[ManifestRules]
    # True when `read` yields only Arrow tables whose types are final (no dlt normalisation needed): they
    # then stream straight into the DuckDB target table (`extract.duckdb_direct`) instead of through dlt's files.
    arrow_native: ClassVar[bool] = False

    def __init__(self, manifest: SourceManifest) -> None:
        self.manifest = manifest

    def __repr__(self) -> str:
        return f"{type(self).__name__}(tables={[t.name for t in self.manifest.tables]})"

    @abstractmethod
    def open(self, tables: tuple[TableSpec, ...]) -> None:
        """Connect and check that every table and cursor exists (a `UsageError` names the first that does not)."""

    @abstractmethod
    def count(self, table: TableSpec, window: Window) -> int:
        """Count the rows of `table` whose cursor lies in `window`."""

    @abstractmethod
    def read(self, table: TableSpec, window: Window, anomalies: Counter[str]) -> Iterator[Batch]:
        """Yield the rows of `table` whose cursor lies in `window`, in bounded batches.

        Values the source cannot represent faithfully (e.g. MySQL zero dates) are nulled and counted in
        `anomalies` under a key such as `zero_date:created_at`.
        """

    def describe_window(self, table: TableSpec, window: Window) -> str:
        """The window's filter as the source applies it (printed by `--dry-run`)."""
        return f"{table.cursor} >= {window.since.isoformat()} AND {table.cursor} < {window.until.isoformat()}"

    def column_hints(self, table: TableSpec) -> Mapping[str, Mapping[str, Any]]:
        """Dlt column hints for `table` (e.g. `{"payload": {"data_type": "json"}}`)."""
        return {}

    def key_is_unique(self, table: TableSpec) -> bool:
        """Whether the source guarantees one row per primary key (then staged rows need no dedupe)."""
        return False

    def replace_bounds(self, table: TableSpec, window: Window) -> tuple[date | datetime, date | datetime]:
        """The window as bounds on the loaded cursor column, for a window replace in the destination.

        UTC instants by default; a source whose cursor loads as a DATE returns the dates it selected on.
        """
        return window.since, window.until

    def classify(self, exc: BaseException) -> ExtractError | None:
        """Map a driver exception to an `ExtractError` (transient, usage, ...), or None if unknown."""
        return None

    def report_extra(self) -> dict[str, Any]:
        """Source-specific figures for the run report (e.g. API calls spent, rate-limit headroom)."""
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
