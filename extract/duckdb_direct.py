"""Load a source's Arrow batches straight into the DuckDB target table, inside the chunk's transaction.

This is the DuckDB path of sources whose batches are exact Arrow tables (`Source.arrow_native`, the MySQL
source). dlt's path writes every batch to a parquet file, loads the files into a staging table once the
read has finished, and the apply then copies the staging table into the target: the data is written three
times and the load cannot overlap the read. Here DuckDB pulls the batches through a `RecordBatchReader`
and appends them to the target in the same pass, on the second core, while connectorx decodes the next
batches. The chunk's transaction (opened by the caller) makes it atomic, exactly like the staged apply:

- **window replace** (no primary key): delete the target rows whose cursor lies in the window, then insert
  the window's rows.
- **merge** (primary key): insert the window's rows stamped with this chunk's `_extracted_at`, a value
  strictly later than any already in the table (`chunk_stamp`), then delete the older versions of every
  key the chunk brought, and, when the source does not guarantee one row per key, all but the latest of
  the chunk's own rows per key (by cursor).

A failure or a failed reconciliation rolls the transaction back: nothing of the chunk remains.

Types follow DuckDB's Arrow mapping, which matches dlt's for these types (int -> INTEGER/BIGINT, decimal128
-> DECIMAL(p,s), timestamp[us, UTC] -> TIMESTAMP WITH TIME ZONE, date32 -> DATE, time64 -> TIME, string ->
VARCHAR, binary -> BLOB); columns hinted `{"data_type": "json"}` become JSON, as dlt makes them. A column
that appears in the source is added to the target; a column whose type changed fails the chunk (exit 1).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from extract.apply import Dialect
from extract.errors import ExtractError

EXTRACTED_AT = "_extracted_at"
# View names private to this module: the reader (and an empty table of its schema) for one statement.
_BATCHES_VIEW = "__extract_arrow_batches"
_SCHEMA_VIEW = "__extract_arrow_schema"
# The streamed append's memory budget (see `streaming_memory_limit`); the merge runs with the configured limit.
STREAMING_MEMORY_FLOOR = 32 * 2**20
STREAMING_MEMORY_PER_COLUMN = 1 * 2**20


@dataclass(frozen=True)
class DirectTable:
    """One table of one chunk, as the direct load needs it (all names normalised).

    Args:
        dataset: Target dataset (DuckDB schema).
        table: Target table.
        cursor: Cursor column.
        primary_key: Key columns; empty for a window replace.
        unique_key: The source guarantees one row per key within the window (no dedupe needed).
        replace_bounds: The window as bounds on the loaded cursor column.
        json_columns: Columns stored as JSON.
    """

    dataset: str
    table: str
    cursor: str
    primary_key: tuple[str, ...]
    unique_key: bool
    replace_bounds: tuple[date | datetime, date | datetime]
    json_columns: frozenset[str] = frozenset()


def _existing_columns(connection: Any, dataset: str, table: str) -> dict[str, str]:
    rows = connection.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [dataset, table],
    ).fetchall()
    return {str(name): str(sql_type) for name, sql_type in rows}


def chunk_stamp(connection: Any, dialect: Dialect, tables: list[tuple[str, str]], now: datetime) -> datetime:
    """The chunk's `_extracted_at`: `now`, or 1 µs after the latest value already in `tables` if that is later.

    A merge identifies the chunk's own rows by this value, so it must differ from every older row's, even
    when the clock stepped back between runs.
    """
    stamp = now
    for dataset, table in tables:
        if EXTRACTED_AT not in _existing_columns(connection, dataset, table):
            continue
        latest = connection.execute(
            f"SELECT max({dialect.quote(EXTRACTED_AT)}) FROM {dialect.qualify(dataset, table)}"
        ).fetchone()[0]
        if latest is not None and latest >= stamp:
            stamp = latest + timedelta(microseconds=1)
    return stamp


def _normalized(table: pa.Table, normalize: Callable[[str], str], where: str) -> pa.Table:
    names = [normalize(name) for name in table.column_names]
    if len(set(names)) != len(names):
        clashes = sorted({n for n in names if names.count(n) > 1})
        raise ExtractError(f"{where}: columns {clashes} collide after name normalisation; rename them in the source")
    return table.rename_columns(names)


class _Stream:
    """The source's batches as one `RecordBatchReader`, keeping the source's own exception if it fails."""

    def __init__(self, first: pa.Table, rest: Iterator[pa.Table], normalize: Callable[[str], str], where: str):
        self.schema = first.schema
        self.failure: BaseException | None = None
        self._first, self._rest, self._normalize, self._where = first, rest, normalize, where

    def _batches(self) -> Iterator[pa.RecordBatch]:
        try:
            yield from self._first.to_batches()
            for table in self._rest:
                table = _normalized(table, self._normalize, self._where)
                if table.schema != self.schema:
                    table = table.cast(self.schema)
                yield from table.to_batches()
        except BaseException as exc:  # re-raised by `load_table` with its own type (exit-code classification)
            self.failure = exc
            raise

    def reader(self) -> pa.RecordBatchReader:
        """A reader over all batches (single use)."""
        return pa.RecordBatchReader.from_batches(self.schema, self._batches())


def load_table(
    connection: Any,
    dialect: Dialect,
    plan: DirectTable,
    batches: Iterator[pa.Table],
    stamp: datetime,
    normalize: Callable[[str], str],
    where: str,
) -> int:
    """Apply one table's window to its target inside the open transaction; returns the rows inserted.

    Args:
        connection: DuckDB connection with an open transaction (UTC session).
        dialect: DuckDB dialect (quoting, literals).
        plan: The table's names and write rules.
        batches: The source's Arrow tables for the window, stamped with `stamp` in `_extracted_at`.
        stamp: This chunk's `_extracted_at` (see `chunk_stamp`).
        normalize: The destination's column naming (dlt's snake_case).
        where: `source.table window`, for error messages.

    Raises:
        The exception the source raised while being read (DuckDB would otherwise wrap it in its own).
    """
    q = dialect.quote
    target = dialect.qualify(plan.dataset, plan.table)
    existing = _existing_columns(connection, plan.dataset, plan.table)
    if existing and not plan.primary_key:
        low, high = plan.replace_bounds
        cursor = q(plan.cursor)
        connection.execute(
            f"DELETE FROM {target} WHERE {cursor} >= {dialect.literal(low)} AND {cursor} < {dialect.literal(high)}"
        )
    first = next(batches, None)
    if first is None:
        return 0
    stream = _Stream(_normalized(first, normalize, where), batches, normalize, where)
    names = stream.schema.names
    if plan.primary_key and not plan.unique_key and "rowid" in {n.lower() for n in (*names, *existing)}:
        raise ExtractError(
            f"{where}: a column named 'rowid' hides DuckDB's row id, which the merge needs to keep the latest row per "
            "key when the database does not enforce the key; add a PRIMARY KEY or UNIQUE index on the key columns"
        )
    projection = ", ".join(
        f"CAST({q(name)} AS JSON) AS {q(name)}" if name in plan.json_columns else q(name) for name in names
    )
    _ensure_target(connection, target, existing, stream.schema, projection, q, where)
    connection.register(_BATCHES_VIEW, stream.reader())
    try:
        columns = ", ".join(q(name) for name in names)
        with _memory_limit(connection, streaming_memory_limit(len(names))):
            inserted = connection.execute(
                f"INSERT INTO {target} ({columns}) SELECT {projection} FROM {_BATCHES_VIEW}"
            ).fetchone()[0]
    except BaseException:
        if stream.failure is not None:
            raise stream.failure from None
        raise
    finally:
        # After a failure the transaction is aborted and DuckDB refuses every statement: the original error counts.
        with contextlib.suppress(Exception):
            connection.unregister(_BATCHES_VIEW)
    if plan.primary_key:
        _keep_latest(connection, dialect, target, plan, stamp)
    return int(inserted)


def streaming_memory_limit(columns: int) -> int:
    """DuckDB's memory limit (bytes) while it appends a stream: one block per column, with room to spare.

    A one-pass append only needs the column segments it is filling; more memory would only cache written
    blocks, while the source is decoding the next batches in the same pod.
    """
    return max(STREAMING_MEMORY_FLOOR, columns * STREAMING_MEMORY_PER_COLUMN)


@contextmanager
def _memory_limit(connection: Any, limit: int) -> Iterator[None]:
    """Set DuckDB's memory limit for the duration of the block, then restore the configured one."""
    previous = connection.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    connection.execute(f"SET memory_limit = '{limit}B'")
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):  # an aborted transaction refuses it; the original error counts
            connection.execute(f"SET memory_limit = '{previous}'")
        raise
    connection.execute(f"SET memory_limit = '{previous}'")


def _ensure_target(
    connection: Any,
    target: str,
    existing: dict[str, str],
    schema: pa.Schema,
    projection: str,
    quote: Callable[[str], str],
    where: str,
) -> None:
    """Create the target with the batches' columns, or add the columns it lacks; refuse a changed type."""
    connection.register(_SCHEMA_VIEW, schema.empty_table())
    try:
        if not existing:
            connection.execute(f"CREATE TABLE {target} AS SELECT {projection} FROM {_SCHEMA_VIEW} LIMIT 0")
            return
        incoming = connection.execute(f"DESCRIBE SELECT {projection} FROM {_SCHEMA_VIEW}").fetchall()
    finally:
        with contextlib.suppress(Exception):
            connection.unregister(_SCHEMA_VIEW)
    for name, sql_type, *_ in incoming:
        if name not in existing:
            connection.execute(f"ALTER TABLE {target} ADD COLUMN {quote(name)} {sql_type}")
        elif existing[name] != sql_type:
            raise ExtractError(
                f"{where}: column {name!r} arrives as {sql_type} but {target} stores {existing[name]}; "
                "change the target column (or the source) so that they agree"
            )


def _keep_latest(connection: Any, dialect: Dialect, target: str, plan: DirectTable, stamp: datetime) -> None:
    """Delete the older versions of the chunk's keys, then (non-unique keys) the chunk's own superseded rows."""
    q = dialect.quote
    stamped = f"{q(EXTRACTED_AT)} = {dialect.timestamp_literal(stamp)}"
    key_match = " AND ".join(f"n.{q(k)} = t.{q(k)}" for k in plan.primary_key)
    connection.execute(
        f"DELETE FROM {target} AS t WHERE t.{q(EXTRACTED_AT)} IS DISTINCT FROM {dialect.timestamp_literal(stamp)} "
        f"AND EXISTS (SELECT 1 FROM {target} AS n WHERE n.{stamped} AND {key_match})"
    )
    if plan.unique_key:
        return
    keys = ", ".join(q(k) for k in plan.primary_key)
    connection.execute(
        f"DELETE FROM {target} WHERE rowid IN (SELECT rowid FROM (SELECT rowid, ROW_NUMBER() OVER "
        f"(PARTITION BY {keys} ORDER BY {q(plan.cursor)} DESC) AS version FROM {target} WHERE {stamped}) "
        "WHERE version > 1)"
    )
