"""Apply a loaded window from the staging dataset to the target table, atomically and idempotently.

dlt loads each window's rows into `<dataset>_staging.<table>` (write disposition `replace`). This
module then moves them into `<dataset>.<table>` in one transaction per chunk:

- **merge** (tables with a primary key): delete the target rows whose key is staged, then insert the
  staged rows, keeping the latest version per key. On BigQuery the delete is restricted to the day
  partitions of the staged rows when the table's `partition` column is declared immutable, so a merge
  never scans the whole table (the known cost of dlt's delete-insert, dlt-hub/dlt issue 2039).
- **window replace** (append-only tables): delete the target rows whose cursor lies in the window,
  then insert the staged rows. The cursor is the partition column, so only the window's partitions
  are touched.

Why not dlt's own merge: its delete-insert cannot restrict the target scan to the window's partitions,
and it has no window-replace disposition. Both need the window, which only this layer knows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from extract.manifest import TableSpec
from extract.window import Window

# Above this many distinct staged partitions a merge restricts the target to their [min, max] range instead.
MAX_PARTITION_LITERALS = 1000


@dataclass(frozen=True)
class Column:
    """A column of a destination table: its (normalised) name and its SQL type as the destination prints it."""

    name: str
    sql_type: str


@dataclass(frozen=True)
class TablePlan:
    """Everything the SQL generator needs about one table of one chunk.

    Args:
        spec: The manifest entry (cursor, keys, partition).
        table: Normalised destination table name.
        cursor: Normalised cursor column name.
        primary_key: Normalised primary-key column names.
        partition: Normalised partition column (None: partition by cursor on append-only tables, or none).
        cluster: Normalised clustering columns.
        staged_columns: Columns of the staging table.
        target_columns: Columns of the target table (empty when it does not exist yet).
        staged_rows: Rows in the staging table for this chunk (0: nothing to insert).
        partition_days: Distinct UTC days of `partition` among the staged rows (merge restriction).
        unique_key: The source guarantees one staged row per key, so the insert needs no dedupe.
        replace_bounds: The window as bounds on the loaded cursor (dates for a DATE cursor); default the window.
    """

    spec: TableSpec
    table: str
    cursor: str
    primary_key: tuple[str, ...]
    partition: str | None
    cluster: tuple[str, ...]
    staged_columns: tuple[Column, ...]
    target_columns: tuple[Column, ...]
    staged_rows: int
    partition_days: tuple[date, ...] = ()
    unique_key: bool = False
    replace_bounds: tuple[date | datetime, date | datetime] | None = None


class Dialect(ABC):
    """The SQL differences between destinations, kept to the few statements this module needs."""

    @abstractmethod
    def quote(self, identifier: str) -> str:
        """Quote one identifier."""

    @abstractmethod
    def qualify(self, dataset: str, table: str) -> str:
        """Fully qualified table name."""

    @abstractmethod
    def create_table_like(self, target: str, staging: str, plan: TablePlan) -> str:
        """Create the target table, empty, with the staging table's columns (partitioned where supported)."""

    @abstractmethod
    def timestamp_literal(self, value: datetime) -> str:
        """A UTC timestamp literal."""

    def date_literal(self, value: date) -> str:
        """A DATE literal."""
        return f"DATE '{value.isoformat()}'"

    def string_literal(self, text: str) -> str:
        """A string literal (BigQuery escapes quotes and backslashes with a backslash)."""
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def literal(self, value: date | datetime) -> str:
        """A TIMESTAMP literal for an instant, a DATE literal for a date."""
        return self.timestamp_literal(value) if isinstance(value, datetime) else self.date_literal(value)

    def day_of(self, column: str) -> str:
        """The UTC day of a timestamp or date column."""
        return f"CAST({column} AS DATE)"


class DuckDBDialect(Dialect):
    """DuckDB: schemas stand for datasets; no partitions; the caller wraps a chunk in one transaction."""

    def quote(self, identifier: str) -> str:  # noqa: D102
        return '"' + identifier.replace('"', '""') + '"'

    def qualify(self, dataset: str, table: str) -> str:  # noqa: D102
        return f"{self.quote(dataset)}.{self.quote(table)}"

    def create_table_like(self, target: str, staging: str, plan: TablePlan) -> str:  # noqa: D102
        return f"CREATE TABLE IF NOT EXISTS {target} AS SELECT * FROM {staging} LIMIT 0"

    def timestamp_literal(self, value: datetime) -> str:  # noqa: D102
        return f"TIMESTAMPTZ '{value.isoformat()}'"

    def string_literal(self, text: str) -> str:
        """DuckDB strings double a quote and take backslashes literally."""
        return "'" + text.replace("'", "''") + "'"


class BigQueryDialect(Dialect):
    """BigQuery: day-partitioned, clustered tables; one multi-statement transaction per chunk."""

    def __init__(self, project: str) -> None:
        self.project = project

    def quote(self, identifier: str) -> str:  # noqa: D102
        return "`" + identifier.replace("`", "\\`") + "`"

    def qualify(self, dataset: str, table: str) -> str:  # noqa: D102
        return f"`{self.project}`.`{dataset}`.`{table}`"

    def day_of(self, column: str) -> str:  # noqa: D102
        return f"DATE({column})"

    def create_table_like(self, target: str, staging: str, plan: TablePlan) -> str:  # noqa: D102
        types = {c.name: c.sql_type.upper() for c in plan.staged_columns}
        partition = plan.partition or (plan.cursor if not plan.primary_key else None)
        clauses = []
        if partition:
            column = self.quote(partition)
            clauses.append(f"PARTITION BY {column if types.get(partition) == 'DATE' else f'DATE({column})'}")
        clusterable = [c for c in plan.cluster if not types.get(c, "").startswith(("JSON", "FLOAT", "ARRAY", "STRUCT"))]
        if clusterable:
            clauses.append("CLUSTER BY " + ", ".join(self.quote(c) for c in clusterable[:4]))
        layout = (" " + " ".join(clauses)) if clauses else ""
        return f"CREATE TABLE IF NOT EXISTS {target}{layout} AS SELECT * FROM {staging} WHERE FALSE"

    def timestamp_literal(self, value: datetime) -> str:  # noqa: D102
        return f"TIMESTAMP '{value.isoformat()}'"

    def wrap_transaction(self, statements: Sequence[str]) -> list[str]:
        """One multi-statement script: the statements in a transaction, rolled back on any error."""
        body = ";\n".join(statements)
        return [
            f"BEGIN\nBEGIN TRANSACTION;\n{body};\nCOMMIT TRANSACTION;\n"
            "EXCEPTION WHEN ERROR THEN\nROLLBACK TRANSACTION;\nRAISE USING MESSAGE = @@error.message;\nEND"
        ]


def table_statements(
    dialect: Dialect, dataset: str, staging_dataset: str, plan: TablePlan, window: Window
) -> list[str]:
    """The statements that apply one table's staged chunk to its target (without the transaction).

    Args:
        dialect: Destination SQL dialect.
        dataset: Target dataset.
        staging_dataset: Dataset where dlt loaded the chunk.
        plan: The table's plan for this chunk.
        window: The chunk's window.
    """
    q = dialect.quote
    target = dialect.qualify(dataset, plan.table)
    staging = dialect.qualify(staging_dataset, plan.table)
    statements: list[str] = []
    if plan.staged_rows:
        statements.append(dialect.create_table_like(target, staging, plan))
        existing = {c.name for c in plan.target_columns}
        statements += [
            f"ALTER TABLE {target} ADD COLUMN {q(c.name)} {c.sql_type}"
            for c in plan.staged_columns
            if plan.target_columns and c.name not in existing
        ]
    elif not plan.target_columns:
        return []  # nothing staged and no target yet: nothing to do
    if plan.primary_key:
        if not plan.staged_rows:
            return []
        key_match = " AND ".join(f"s.{q(k)} = t.{q(k)}" for k in plan.primary_key)
        restriction = _partition_restriction(dialect, plan, "t")
        statements.append(
            f"DELETE FROM {target} AS t WHERE {restriction}EXISTS (SELECT 1 FROM {staging} AS s WHERE {key_match})"
        )
        columns = ", ".join(q(c.name) for c in plan.staged_columns)
        keys = ", ".join(q(k) for k in plan.primary_key)
        latest = (
            ""
            if plan.unique_key
            else f" WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY {q(plan.cursor)} DESC) = 1"
        )
        statements.append(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staging}{latest}")
    else:
        cursor = q(plan.cursor)
        low, high = plan.replace_bounds or (window.since, window.until)
        statements.append(
            f"DELETE FROM {target} WHERE {cursor} >= {dialect.literal(low)} AND {cursor} < {dialect.literal(high)}"
        )
        if plan.staged_rows:
            columns = ", ".join(q(c.name) for c in plan.staged_columns)
            statements.append(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staging}")
    return statements


def _partition_restriction(dialect: Dialect, plan: TablePlan, alias: str) -> str:
    if not plan.partition or not plan.partition_days:
        return ""
    day = dialect.day_of(f"{alias}.{dialect.quote(plan.partition)}")
    days = sorted(plan.partition_days)
    if len(days) > MAX_PARTITION_LITERALS:
        return f"{day} BETWEEN {dialect.date_literal(days[0])} AND {dialect.date_literal(days[-1])} AND "
    return f"{day} IN ({', '.join(dialect.date_literal(d) for d in days)}) AND "
