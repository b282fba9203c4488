"""MySQL / MariaDB source: the tables of one database, read for a half-open UTC window.

Resources: one per manifest entry under `mysql.tables` (packaged default: customers, orders,
order_items, events).

Cursors: each table's `cursor` column, a DATETIME, TIMESTAMP or DATE. The window applies as
`cursor >= since AND cursor < until`, so a row exactly at `since` is loaded and one exactly at
`until` is not. Naive DATETIME values (and the window bounds compared with them) are read in the
source's `timezone` (manifest key `mysql.timezone` or env `SOURCES__MYSQL__TIMEZONE`, default UTC).
TIMESTAMP values are read as epoch seconds, so the server's session time zone never shifts them.

Write dispositions: tables with a `primary_key` merge on it (a row updated into a later window ends
up once, with its latest values); tables without one get a window replace (the window's rows are
deleted, then the extracted rows inserted, in one transaction).

Reading: connectorx streams the result set into Arrow record batches (bounded memory); the column
rules that keep every value exact live in `columns.py`. The batches are final (`arrow_native`): on
DuckDB they stream straight into the target table (`extract.duckdb_direct`), elsewhere through dlt. Metadata, counts and connection checks use
PyMySQL. Credentials: `SOURCES__MYSQL__CREDENTIALS` as `mysql+pymysql://user:pass@host:port/db`,
or the same key in `.dlt/secrets.toml`.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dlt
import pyarrow as pa
import pyarrow.compute as pc
import pymysql

from extract.errors import ExtractError, TransientError, UsageError
from extract.log import register_secret, register_url_secrets
from extract.manifest import ManifestRules, TableSpec
from extract.sources.base import Batch, Source
from extract.sources.mysql.columns import ColumnInfo, SelectedColumn, check_timezone, quote, select_column
from extract.sources.mysql.errors import TRANSIENT_MESSAGES, classify_mysql_error
from extract.window import Window

CURSOR_TYPES = ("datetime", "timestamp", "date")
# Rows per Arrow batch: memory grows with it (connectorx prefetches a few), throughput barely does.
DEFAULT_BATCH_ROWS = 10_000
# The binary protocol: the text one decodes faster alone but slows the whole run (it competes for the CPU).
PROTOCOL = "binary"


def _credentials_url() -> str:
    try:
        value = dlt.secrets.get("sources.mysql.credentials")
    except Exception:  # noqa: BLE001 - a malformed secrets.toml must still give a one-line error
        value = None
    if isinstance(value, dict):
        user, password = value.get("username", ""), value.get("password", "")
        host, port, database = value.get("host", "127.0.0.1"), value.get("port", 3306), value.get("database", "")
        return f"mysql+pymysql://{user}:{password}@{host}:{port}/{database}"
    if not value:
        raise UsageError(
            "mysql: no credentials: set SOURCES__MYSQL__CREDENTIALS=mysql+pymysql://USER:PASSWORD@HOST:PORT/DB "
            "(or [sources.mysql] credentials in .dlt/secrets.toml)"
        )
    return str(value)


class MySQLSource(Source):
    """Reads MySQL/MariaDB tables for a window (see the module docstring)."""

    name: ClassVar[str] = "mysql"
    arrow_native: ClassVar[bool] = True
    rules: ClassVar[ManifestRules] = ManifestRules(
        entities_key="tables", source_keys=frozenset({"timezone", "batch_rows"})
    )

    def __init__(self, manifest: Any) -> None:
        super().__init__(manifest)
        url = _credentials_url()
        register_url_secrets(url)
        parts = urlsplit(url)
        if not parts.scheme.startswith(("mysql", "mariadb")) or not parts.hostname or not parts.path.strip("/"):
            raise UsageError(
                "mysql: SOURCES__MYSQL__CREDENTIALS must look like mysql+pymysql://USER:PASSWORD@HOST:PORT/DB"
            )
        self._user = unquote(parts.username or "")
        self._password = unquote(parts.password or "")
        register_secret(self._password)
        self._host = parts.hostname
        self._port = parts.port or 3306
        self.database = unquote(parts.path.strip("/"))
        self._query = dict(parse_qsl(parts.query))
        netloc = parts.netloc.rpartition("@")[2]
        auth = f"{parts.username or ''}:{parts.password or ''}@" if parts.username else ""
        self._connectorx_url = f"mysql://{auth}{netloc}/{parts.path.strip('/')}"
        tz = str(dlt.config.get("sources.mysql.timezone") or manifest.settings.get("timezone") or "UTC")
        try:
            self.timezone = check_timezone(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"{manifest.path}: mysql.timezone: unknown time zone {tz!r} (use an IANA name)") from None
        self.batch_rows = int(manifest.settings.get("batch_rows", DEFAULT_BATCH_ROWS))
        self._conn: pymysql.Connection | None = None
        self._columns: dict[str, list[ColumnInfo]] = {}
        self._unique_keys: dict[str, list[frozenset[str]]] = {}

    # -- connection and metadata -------------------------------------------------------------------

    def _connect(self) -> pymysql.Connection:
        if self._conn is None:
            self._conn = pymysql.connect(
                host=self._host,
                port=self._port,
                user=self._user,
                password=self._password,
                database=self.database,
                charset="utf8mb4",
                connect_timeout=int(self._query.get("connect_timeout", 15)),
                autocommit=True,
            )
        return self._conn

    def _fetch(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._connect().cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def open(self, tables: tuple[TableSpec, ...]) -> None:
        """Connect, then check every table, cursor, key and partition column against the database."""
        names = [t.name for t in tables]
        placeholders = ", ".join(["%s"] * len(names))
        rows = self._fetch(
            "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE "
            f"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN ({placeholders}) "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION",
            (self.database, *names),
        )
        json_columns = self._json_check_columns(names)
        columns: dict[str, list[ColumnInfo]] = {}
        for table, column, data_type, column_type, precision, scale, nullable in rows:
            columns.setdefault(table, []).append(
                ColumnInfo(
                    column, data_type, column_type, precision, scale, nullable == "YES", (table, column) in json_columns
                )
            )
        prefix = f"{self.manifest.path}: mysql.tables"
        for spec in tables:
            if spec.name not in columns:
                raise UsageError(f"{prefix}.{spec.name}: table not found in database {self.database!r}")
            by_name = {c.name: c for c in columns[spec.name]}
            cursor = by_name.get(spec.cursor)
            if cursor is None:
                raise UsageError(f"{prefix}.{spec.name}.cursor: column {spec.cursor!r} not found in {spec.name}")
            if cursor.data_type.lower() not in CURSOR_TYPES:
                raise UsageError(
                    f"{prefix}.{spec.name}.cursor: column {spec.cursor!r} is {cursor.data_type.upper()}; "
                    "a cursor must be DATETIME, TIMESTAMP or DATE"
                )
            for key in (*spec.primary_key, *([spec.partition] if spec.partition else []), *spec.cluster):
                if key not in by_name:
                    raise UsageError(f"{prefix}.{spec.name}: column {key!r} not found in {spec.name}")
        self._columns = columns
        self._unique_keys = self._unique_key_sets(names)

    def _unique_key_sets(self, tables: list[str]) -> dict[str, list[frozenset[str]]]:
        """Column sets of each table's PRIMARY KEY and UNIQUE indexes."""
        placeholders = ", ".join(["%s"] * len(tables))
        rows = self._fetch(
            "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
            f"WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN ({placeholders}) AND NON_UNIQUE = 0",
            (self.database, *tables),
        )
        indexes: dict[tuple[str, str], set[str]] = {}
        for table, index, column in rows:
            indexes.setdefault((table, index), set()).add(column)
        unique: dict[str, list[frozenset[str]]] = {}
        for (table, _), columns in indexes.items():
            unique.setdefault(table, []).append(frozenset(columns))
        return unique

    def key_is_unique(self, table: TableSpec) -> bool:
        """True when the manifest's primary key covers a PRIMARY KEY or UNIQUE index of the table."""
        key = set(table.primary_key)
        return bool(key) and any(index <= key for index in self._unique_keys.get(table.name, []))

    def _json_check_columns(self, tables: list[str]) -> set[tuple[str, str]]:
        """MariaDB's JSON is LONGTEXT with a `json_valid(col)` check; find those columns."""
        try:
            rows = self._fetch(
                "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                "WHERE CONSTRAINT_SCHEMA = %s",
                (self.database,),
            )
        except pymysql.err.MySQLError:
            return set()  # MySQL < 8.0.16 has no CHECK_CONSTRAINTS, and no json_valid checks either
        found = set()
        for table, clause in rows:
            text = str(clause).strip()
            if table in tables and text.lower().startswith("json_valid(") and text.endswith(")"):
                found.add((table, text[len("json_valid(") : -1].strip("`")))
        return found

    # -- window predicates -------------------------------------------------------------------------

    def _cursor_info(self, table: TableSpec) -> ColumnInfo:
        return next(c for c in self._columns[table.name] if c.name == table.cursor)

    def _bound(self, cursor: ColumnInfo, instant: datetime) -> str:
        kind = cursor.data_type.lower()
        if kind == "timestamp":
            return f"FROM_UNIXTIME({instant.timestamp():.6f})"
        local = instant.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)
        if kind == "date":
            # A DATE stands for its local midnight: the first date whose midnight is >= the instant.
            return f"'{self._first_date_at_or_after(instant).isoformat()}'"
        return f"'{local.isoformat(sep=' ', timespec='microseconds')}'"

    def window_predicate(self, table: TableSpec, window: Window) -> str:
        """SQL predicate selecting `[since, until)` on the table's cursor (uses the cursor's index)."""
        cursor = self._cursor_info(table)
        column = quote(cursor.name)
        return f"{column} >= {self._bound(cursor, window.since)} AND {column} < {self._bound(cursor, window.until)}"

    def describe_window(self, table: TableSpec, window: Window) -> str:
        """The SQL predicate, as sent to the server."""
        return self.window_predicate(table, window)

    def _from(self, table: TableSpec) -> str:
        return f"{quote(self.database)}.{quote(table.name)}"

    # -- reading -----------------------------------------------------------------------------------

    def count(self, table: TableSpec, window: Window) -> int:
        """Count the window's rows with the same predicate that `read` uses."""
        rows = self._fetch(f"SELECT COUNT(*) FROM {self._from(table)} WHERE {self.window_predicate(table, window)}")
        return int(rows[0][0])

    def selected_columns(self, table: TableSpec) -> list[SelectedColumn]:
        """How each column of `table` is read (see `columns.py`)."""
        return [select_column(c, self.timezone) for c in self._columns[table.name]]

    def read_query(self, table: TableSpec, window: Window) -> tuple[str, list[SelectedColumn]]:
        """The SELECT that streams the window, and the per-column plan it follows."""
        selected = self.selected_columns(table)
        items = [f"{s.expression} AS {quote(s.name)}" for s in selected]
        items += [f"{s.anomaly_flag} AS `__anomaly_{i}`" for i, s in enumerate(selected) if s.anomaly_flag]
        sql = f"SELECT {', '.join(items)} FROM {self._from(table)} WHERE {self.window_predicate(table, window)}"
        return sql, selected

    def read(self, table: TableSpec, window: Window, anomalies: Counter[str]) -> Iterator[Batch]:
        """Stream the window as Arrow tables of at most `batch_rows` rows."""
        import connectorx

        sql, selected = self.read_query(table, window)
        flags = {f"__anomaly_{i}": s.anomaly_key for i, s in enumerate(selected) if s.anomaly_flag}
        try:
            reader = connectorx.read_sql(
                self._connectorx_url, sql, return_type="arrow_stream", batch_size=self.batch_rows, protocol=PROTOCOL
            )
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                yield self._convert(pa.Table.from_batches([batch]), selected, flags, anomalies)
        except BaseException as exc:
            if type(exc).__name__ == "PanicException":
                # connectorx panics in Rust (a PanicException is a BaseException) both when the server goes away
                # mid-stream and on a value it cannot decode: the first is transient, the second is not.
                text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "panic"
                where = f"mysql {self._host}:{self._port}/{self.database}: {table.name} {window}"
                if any(m in text.lower() for m in (*TRANSIENT_MESSAGES, "disconnected", "connection")):
                    raise TransientError(
                        f"{where}: the connection broke mid-read ({text}); a retry may succeed"
                    ) from None
                raise ExtractError(f"{where}: connectorx could not decode a value: {text}") from None
            raise

    @staticmethod
    def _convert(
        data: pa.Table, selected: list[SelectedColumn], flags: dict[str, str | None], anomalies: Counter[str]
    ) -> pa.Table:
        for flag, key in flags.items():
            hits = pc.sum(pc.cast(data.column(flag), pa.int64())).as_py() or 0
            if hits and key:
                anomalies[key] += hits
        columns, names = [], []
        for spec in selected:
            column = data.column(spec.name)
            if spec.anomalies_are_nulls and column.null_count and spec.anomaly_key:
                anomalies[spec.anomaly_key] += column.null_count
            columns.append(spec.convert(column) if spec.convert else column)
            names.append(spec.name)
        return pa.Table.from_arrays(columns, names=names)

    def column_hints(self, table: TableSpec) -> dict[str, dict[str, Any]]:
        """JSON columns load as JSON (the Arrow column is a string)."""
        return {c.name: dict(c.dlt_hint) for c in self.selected_columns(table) if c.dlt_hint}

    def replace_bounds(self, table: TableSpec, window: Window) -> tuple[date | datetime, date | datetime]:
        """DATE cursors load as dates: the same first-midnight-at-or-after rule as the read predicate."""
        if self._cursor_info(table).data_type.lower() != "date":
            return window.since, window.until
        return self._first_date_at_or_after(window.since), self._first_date_at_or_after(window.until)

    def _first_date_at_or_after(self, instant: datetime) -> date:
        local = instant.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)
        return local.date() if local.time() == time(0) else local.date() + timedelta(days=1)

    def classify(self, exc: BaseException) -> ExtractError | None:
        """Map PyMySQL and connectorx errors to transient (75) or configuration (2) errors."""
        return classify_mysql_error(exc, self._host, self._port, self.database)

    def close(self) -> None:
        """Close the metadata connection."""
        if self._conn is not None:
            with contextlib.suppress(pymysql.err.Error):
                self._conn.close()
            self._conn = None
