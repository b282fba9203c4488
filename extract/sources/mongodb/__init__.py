"""MongoDB source: the collections of one database, read for a half-open UTC window.

Resources: one per manifest entry under `mongodb.collections` (packaged default: app_events, users).
The destination table has the collection's name (dlt snake_case).

Cursors: each collection's `cursor` field, a top-level BSON date (e.g. `updatedAt`, loaded as the
column `updated_at`, the name the core derives from the manifest for its window replace). The window
is the query `{cursor: {$gte: since, $lt: until}}`, sorted by `(cursor, _id)`, so a document exactly at
`since` is loaded, one exactly at `until` is not, and documents sharing a cursor value are all read.
The query hints an index that starts with the cursor (a warning is logged when there is none), runs
with `maxTimeMS` (`mongodb.max_time_ms`) and is streamed with `batchSize` (`mongodb.batch_size`);
`read` yields Arrow tables of at most `batch_size` documents, so memory stays bounded.

Write dispositions: collections with a `primary_key` (normally `_id`) merge on it, so a document updated
into a later window ends up once with its latest values; collections without one are append-only and
get a window replace (the window's rows are deleted, then the window's documents inserted).

Types and nested documents: see `convert.py` (ObjectId -> string, Decimal128 -> exact decimal, dates ->
UTC timestamps, UUID -> canonical string, binary -> bytes; sub-documents and arrays as JSON columns, or
`flatten`ed into `parent__child` columns; a field whose type changes is coerced and counted as
`type_conflict:<field>`).

Credentials: `SOURCES__MONGODB__CONNECTION_URL` (`mongodb://user:pass@host:port/db?...` or
`mongodb+srv://...`; its password is redacted everywhere) and `SOURCES__MONGODB__DATABASE` (else the
manifest's `database`, else the URL's default database), or the same keys in `.dlt/secrets.toml`.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dlt
from dlt.common.normalizers.naming.snake_case import NamingConvention
from pymongo.errors import PyMongoError

from extract.errors import ExtractError, UsageError
from extract.log import log, register_secret, register_url_secrets
from extract.manifest import ManifestRules, SourceManifest, TableSpec
from extract.sources.base import Batch, Source
from extract.sources.mongodb import client as client_factory
from extract.sources.mongodb.convert import NESTED_POLICIES, DocumentConverter, json_columns_of, to_wall_clock
from extract.sources.mongodb.errors import classify_mongodb_error
from extract.window import Window

DEFAULTS: dict[str, int] = {
    "batch_size": 10_000,  # documents per server batch and per loaded Arrow batch
    "max_time_ms": 600_000,  # server-side limit of one window query (and of each count)
    "sample_size": 1_000,  # recent documents read at open to find JSON columns
    "server_selection_timeout_ms": 15_000,
}
URL_SCHEMES = ("mongodb://", "mongodb+srv://")
_NAMING = NamingConvention()


def _secret(key: str) -> str | None:
    try:
        value = dlt.secrets.get(f"sources.mongodb.{key}")
    except Exception:  # noqa: BLE001 - a malformed secrets.toml must still give a one-line error
        return None
    return str(value) if value else None


def _positive_int(settings: Mapping[str, Any], key: str, where: str, minimum: int = 1) -> int:
    value = settings.get(key, DEFAULTS[key])
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{where}.{key}: must be an integer >= {minimum}, got {value!r}")
    return value


class MongoDBSource(Source):
    """Reads MongoDB collections for a window (see the module docstring)."""

    name: ClassVar[str] = "mongodb"
    rules: ClassVar[ManifestRules] = ManifestRules(
        entities_key="collections",
        source_keys=frozenset(
            {
                "database",
                "max_time_ms",
                "batch_size",
                "nested",
                "timezone",
                "sample_size",
                "server_selection_timeout_ms",
            }
        ),
        entity_keys=frozenset({"nested"}),
    )

    def __init__(self, manifest: SourceManifest) -> None:
        super().__init__(manifest)
        where = f"{manifest.path}: mongodb"
        url = _secret("connection_url")
        if not url:
            raise UsageError(
                "mongodb: no connection URL: set SOURCES__MONGODB__CONNECTION_URL=mongodb://USER:PASSWORD@HOST:PORT/DB "
                "(or [sources.mongodb] connection_url in .dlt/secrets.toml)"
            )
        register_url_secrets(url)
        register_secret(url)
        if not url.startswith(URL_SCHEMES):
            raise UsageError("mongodb: SOURCES__MONGODB__CONNECTION_URL must start with mongodb:// or mongodb+srv://")
        self._url = url
        parts = urlsplit(url)
        self._hosts = parts.netloc.rpartition("@")[2] or "localhost"
        settings = manifest.settings
        database = _secret("database") or settings.get("database") or unquote(parts.path.strip("/"))
        if not isinstance(database, str) or not database:
            raise UsageError(
                f"{where}: no database: set SOURCES__MONGODB__DATABASE, mongodb.database, or a /DB in the URL"
            )
        self.database = database
        self.batch_size = _positive_int(settings, "batch_size", where)
        self.max_time_ms = _positive_int(settings, "max_time_ms", where)
        self.sample_size = _positive_int(settings, "sample_size", where, minimum=0)
        self.server_selection_timeout_ms = _positive_int(settings, "server_selection_timeout_ms", where)
        self.nested = self._nested(settings.get("nested", "json"), f"{where}.nested")
        zone_name = settings.get("timezone", "UTC")
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"{where}.timezone: unknown time zone {zone_name!r} (use an IANA name)") from None
        # BSON dates are UTC; another zone says the application stored wall-clock times (see docs).
        self.zone = None if zone.key in ("UTC", "Etc/UTC") else zone
        self._client: Any = None
        self._db: Any = None
        self._hints: dict[str, str | None] = {}
        self._converters: dict[str, DocumentConverter] = {}

    @staticmethod
    def _nested(value: Any, where: str) -> str:
        if value not in NESTED_POLICIES:
            raise UsageError(f"{where}: must be one of {', '.join(NESTED_POLICIES)}, got {value!r}")
        return str(value)

    @property
    def where(self) -> str:
        """`mongodb <hosts>/<database>`, the start of every error message (no credentials)."""
        return f"mongodb {self._hosts}/{self.database}"

    def nested_policy(self, table: TableSpec) -> str:
        """The nested policy of `table`: its own `nested` key, else the source's."""
        if "nested" in table.options:
            where = f"{self.manifest.path}: mongodb.collections.{table.name}.nested"
            return self._nested(table.options["nested"], where)
        return self.nested

    # -- connection and checks ---------------------------------------------------------------------

    def open(self, tables: tuple[TableSpec, ...]) -> None:
        """Connect, then check every collection and cursor; find each cursor's index and JSON columns."""
        try:
            self._client = client_factory.create_client(
                self._url, server_selection_timeout_ms=self.server_selection_timeout_ms
            )
        except PyMongoError as exc:
            raise classify_mongodb_error(exc, self.where) or UsageError(
                f"{self.where}: cannot build a client from SOURCES__MONGODB__CONNECTION_URL ({type(exc).__name__})"
            ) from None
        self._db = self._client[self.database]
        existing = set(self._db.list_collection_names())
        for spec in tables:
            self._check(spec, existing)

    def _check(self, spec: TableSpec, existing: set[str]) -> None:
        where = f"{self.manifest.path}: mongodb.collections.{spec.name}"
        nested = self.nested_policy(spec)
        if spec.name not in existing:
            raise UsageError(f"{where}: collection not found in database {self.database!r}")
        cursor = spec.cursor
        if (
            "." in cursor
            or cursor.startswith("$")
            or _NAMING.normalize_path(cursor) != _NAMING.normalize_identifier(cursor)
        ):
            raise UsageError(
                f"{where}.cursor: {cursor!r} must be a top-level field whose name survives dlt's snake_case "
                "unchanged as a column name (no dots, no '__')"
            )
        for key in spec.primary_key:
            if "." in key:
                raise UsageError(f"{where}.primary_key: {key!r} must be a top-level field")
        collection = self._db[spec.name]
        self._hints[spec.name] = self._cursor_index(collection, spec)
        sample = self._sample(collection, spec)
        if sample:
            value = sample[0].get(cursor)
            if not isinstance(value, datetime):
                raise UsageError(
                    f"{where}.cursor: field {cursor!r} holds {type(value).__name__} values; "
                    "a cursor must be a BSON date"
                )
        elif collection.find_one({}, projection={"_id": 1}) is not None:
            raise UsageError(f"{where}.cursor: no document of {spec.name} has the field {cursor!r}")
        self._converters[spec.name] = DocumentConverter(
            nested, json_columns=json_columns_of(sample, nested), cursor=cursor, zone=self.zone
        )

    def _cursor_index(self, collection: Any, spec: TableSpec) -> str | None:
        """The name of the best index for the window query: `(cursor, _id)`, else any starting with the cursor."""
        starting: list[tuple[int, str]] = []
        for name, info in collection.index_information().items():
            keys = [field for field, _ in info.get("key", [])]
            if keys and keys[0] == spec.cursor and not info.get("sparse") and "partialFilterExpression" not in info:
                starting.append((0 if keys[:2] == [spec.cursor, "_id"] else 1, name))
        if starting:
            return min(starting)[1]
        log(
            "mongodb_no_cursor_index",
            f"mongodb.{spec.name}: no index starts with {spec.cursor!r}, so each window scans the collection; "
            f"create one: db.{spec.name}.createIndex({{{spec.cursor}: 1, _id: 1}})",
            severity="WARNING",
            source=self.name,
            table=spec.name,
        )
        return None

    def _sample(self, collection: Any, spec: TableSpec) -> list[dict[str, Any]]:
        """The most recent documents by cursor: they show which fields hold sub-documents or arrays."""
        limit = max(self.sample_size, 1)
        query = collection.find({spec.cursor: {"$exists": True}}).sort(spec.cursor, -1).limit(limit)
        query = query.max_time_ms(self.max_time_ms)
        if self._hints.get(spec.name):
            query = query.hint(self._hints[spec.name])
        try:
            return list(query)
        finally:
            query.close()

    # -- the window --------------------------------------------------------------------------------

    def window_filter(self, table: TableSpec, window: Window) -> dict[str, Any]:
        """The query document selecting `[since, until)` on the cursor."""
        since, until = window.since, window.until
        if self.zone is not None:
            since, until = to_wall_clock(since, self.zone), to_wall_clock(until, self.zone)
        return {table.cursor: {"$gte": since, "$lt": until}}

    def sort(self, table: TableSpec) -> list[tuple[str, int]]:
        """Cursor order, `_id` breaking ties so pages and reruns see documents in one stable order."""
        return [(table.cursor, 1)] if table.cursor == "_id" else [(table.cursor, 1), ("_id", 1)]

    def describe_window(self, table: TableSpec, window: Window) -> str:
        """The query in mongo shell syntax, as sent to the server."""
        bounds = self.window_filter(table, window)[table.cursor]
        since = bounds["$gte"].isoformat().replace("+00:00", "Z")
        until = bounds["$lt"].isoformat().replace("+00:00", "Z")
        hint = self._hints.get(table.name)
        text = (
            f'db.{table.name}.find({{{table.cursor}: {{$gte: ISODate("{since}"), $lt: ISODate("{until}")}}}})'
            f".sort({{{', '.join(f'{k}: {d}' for k, d in self.sort(table))}}})"
        )
        return text + (f'.hint("{hint}")' if hint else "")

    def count(self, table: TableSpec, window: Window) -> int:
        """Count the window's documents with the same filter that `read` uses."""
        options: dict[str, Any] = {"maxTimeMS": self.max_time_ms}
        if self._hints.get(table.name):
            options["hint"] = self._hints[table.name]
        return int(self._db[table.name].count_documents(self.window_filter(table, window), **options))

    def read(self, table: TableSpec, window: Window, anomalies: Counter[str]) -> Iterator[Batch]:
        """Stream the window as Arrow tables of at most `batch_size` documents."""
        converter = self._converters[table.name]
        query = (
            self._db[table.name]
            .find(self.window_filter(table, window))
            .sort(self.sort(table))
            .batch_size(self.batch_size)
            .max_time_ms(self.max_time_ms)
        )
        if self._hints.get(table.name):
            query = query.hint(self._hints[table.name])
        documents: list[dict[str, Any]] = []
        try:
            for document in query:
                documents.append(document)
                if len(documents) >= self.batch_size:
                    yield converter.convert(documents, anomalies)
                    documents = []
            if documents:
                yield converter.convert(documents, anomalies)
        finally:
            query.close()

    # -- hints for the core ------------------------------------------------------------------------

    def column_hints(self, table: TableSpec) -> dict[str, dict[str, Any]]:
        """Sub-document and array columns load as JSON (their Arrow column is JSON text)."""
        converter = self._converters.get(table.name)
        if converter is None:
            return {}
        # The core normalises hint keys as identifiers, which turns `device__tags` into `device_tags` (a second,
        # empty column); until it uses dlt's `normalize_path`, flattened arrays load as JSON text (VARCHAR).
        return {
            name: {"data_type": "json"}
            for name in sorted(converter.json_columns)
            if _NAMING.normalize_identifier(name) == _NAMING.normalize_path(name)
        }

    def key_is_unique(self, table: TableSpec) -> bool:
        """`_id` is unique in a collection, and a document has one cursor value, so one chunk stages it once."""
        return table.primary_key == ("_id",)

    def classify(self, exc: BaseException) -> ExtractError | None:
        """Map pymongo errors to transient (75) or configuration (2) errors."""
        return classify_mongodb_error(exc, self.where)

    def report_extra(self) -> dict[str, Any]:
        """Which index each collection's window query used (None: a collection scan)."""
        return {"mongodb": {"database": self.database, "index_hints": dict(self._hints)}} if self._hints else {}

    def close(self) -> None:
        """Close the client."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
