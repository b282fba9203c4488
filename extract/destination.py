"""The destination side of a run: a dlt pipeline into the staging dataset, then `apply` into the target.

Arrow-native sources (MySQL) skip the staging dataset on DuckDB: `transaction()` hands the chunk's open
transaction to `extract.duckdb_direct`, which streams the batches straight into the target.

- `duckdb` (default): the file named by dlt's `DESTINATION__DUCKDB__CREDENTIALS`, else
  `./warehouse.duckdb`. Each dataset is a schema.
- `bigquery`: project, location and credentials the dlt way (env `DESTINATION__BIGQUERY__...`,
  `.dlt/` TOML, or Application Default Credentials / Workload Identity). Large loads stage through
  GCS when `DESTINATION__FILESYSTEM__BUCKET_URL` (`gs://bucket/path`) is set.

dlt keeps no state between runs here: each run uses a fresh pipelines directory (under `DLT_DATA_DIR`
or the system temp dir) and never restores state from the destination. The window is the only state.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from extract.apply import BigQueryDialect, Column, Dialect, DuckDBDialect
from extract.errors import TransientError

DEFAULT_DUCKDB_FILE = "warehouse.duckdb"
DESTINATIONS = ("duckdb", "bigquery")
DEFAULT_DUCKDB_MEMORY_LIMIT = "128MB"

# Set before dlt reads its configuration: no telemetry calls (no internet in pods), no state restore.
_DLT_DEFAULTS = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "RESTORE_FROM_DESTINATION": "false",
    # dlt logs retried load jobs with tracebacks at ERROR; the extractor reports every failure itself, in one
    # line, so only dlt's CRITICAL messages get through.
    "RUNTIME__LOG_LEVEL": "CRITICAL",
    # dlt imports Airflow to look for secrets when Airflow is installed (10 s per lookup on 2 cores);
    # the extractor reads its secrets from env and .dlt/ only.
    "PROVIDERS__ENABLE_AIRFLOW_SECRETS": "false",
}


def configure_dlt_environment() -> None:
    """Apply the dlt settings this extractor relies on, unless the operator set them explicitly."""
    for key, value in _DLT_DEFAULTS.items():
        os.environ.setdefault(key, value)


IMPERSONATE_ENV = "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def impersonated_credentials() -> Any | None:
    """Credentials for dlt that impersonate `GOOGLE_IMPERSONATE_SERVICE_ACCOUNT`, or None when it is unset.

    Composer 3 runs every pod as the environment's service account; the workload service account that
    holds the BigQuery and bucket roles is reached by impersonation (the environment SA has only
    `roles/iam.serviceAccountTokenCreator` on it, see terraform/modules/service_accounts). The tokens
    refresh themselves, so long runs never see an expired one.
    """
    target = os.environ.get(IMPERSONATE_ENV, "").strip()
    if not target:
        return None
    import google.auth
    from dlt.common.configuration.specs.gcp_credentials import (
        GcpDefaultCredentials,
        GcpServiceAccountCredentials,
    )
    from google.auth import impersonated_credentials as impersonation

    source, project = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    native = impersonation.Credentials(
        source_credentials=source, target_principal=target, target_scopes=[CLOUD_PLATFORM_SCOPE], lifetime=3600
    )
    credentials = GcpServiceAccountCredentials()
    # GcpServiceAccountCredentials.parse_native_representation accepts native Google credentials in its
    # default-credentials branch, then rejects them in its key-file branch; call the branch that accepts them.
    GcpDefaultCredentials.parse_native_representation(credentials, native)
    credentials.project_id = os.environ.get("DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID") or project
    return credentials


def release_freed_memory() -> None:
    """Return freed heap memory to the OS: Arrow's pool, then glibc's arenas (a no-op elsewhere)."""
    import pyarrow

    pyarrow.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def duckdb_path() -> Path:
    """The DuckDB file this run writes to."""
    configured = os.environ.get("DESTINATION__DUCKDB__CREDENTIALS")
    return Path(configured) if configured else Path.cwd() / DEFAULT_DUCKDB_FILE


@contextmanager
def pipelines_dir() -> Iterator[Path]:
    """A fresh, private dlt working directory, removed when the run ends."""
    base = os.environ.get("DLT_DATA_DIR") or None
    if base:
        Path(base).mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="extract-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class DuckDBFileLock:
    """An exclusive advisory lock on `<file>.lock`, held by one extract run for its whole duration.

    DuckDB allows one writing process at a time, but dlt opens and closes its connections step by step,
    so two runs could interleave their staging tables. The second run refuses instead (exit 75, retry).

    Args:
        path: The DuckDB file.
    """

    def __init__(self, path: Path) -> None:
        import fcntl

        self.path = path.with_name(path.name + ".lock")
        self._handle = self.path.open("a+")
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.seek(0)
            holder = self._handle.read().strip() or "another process"
            self._handle.close()
            raise TransientError(
                f"duckdb {path}: another extract run ({holder}) is writing this file; retry when it has finished"
            ) from None
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(f"pid {os.getpid()}")
        self._handle.flush()

    def release(self) -> None:
        """Unlock (closing the file releases the flock)."""
        self._handle.close()


class Destination:
    """A dlt pipeline bound to `<dataset>_staging` plus the SQL that applies chunks to `<dataset>`.

    Args:
        kind: `duckdb` or `bigquery`.
        dataset: Target dataset (DuckDB schema).
        pipeline_name: dlt pipeline name (one per source and dataset).
        workdir: dlt pipelines directory for this run.
    """

    def __init__(self, kind: str, dataset: str, pipeline_name: str, workdir: Path) -> None:
        import dlt

        self.kind = kind
        self.dataset = dataset
        self.staging_dataset = f"{dataset}_staging"
        staging = None
        self._lock: DuckDBFileLock | None = None
        if kind == "duckdb":
            path = duckdb_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = DuckDBFileLock(path)
            # A bounded memory limit keeps the whole run pod-sized; DuckDB spills to disk beyond it.
            config = {
                "memory_limit": os.environ.get("EXTRACT_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT),
                # One thread: the load is a small share of a run, and each DuckDB thread holds its own buffers.
                "threads": int(os.environ.get("EXTRACT_DUCKDB_THREADS", "1")),
                # Row order within a table carries no meaning; without it DuckDB inserts with less work.
                "preserve_insertion_order": False,
            }
            destination: Any = dlt.destinations.duckdb(credentials={"database": str(path), "global_config": config})
            self.location = str(path)
        else:
            credentials = impersonated_credentials()
            destination = (
                dlt.destinations.bigquery(credentials=credentials) if credentials else dlt.destinations.bigquery()
            )
            bucket_url = os.environ.get("DESTINATION__FILESYSTEM__BUCKET_URL")
            if bucket_url:
                staging = (
                    dlt.destinations.filesystem(bucket_url=bucket_url, credentials=credentials)
                    if credentials
                    else "filesystem"
                )
            self.location = "bigquery"
        self.pipeline = dlt.pipeline(
            pipeline_name=pipeline_name,
            pipelines_dir=str(workdir),
            destination=destination,
            staging=staging,
            dataset_name=self.staging_dataset,
        )
        self._dialect: Dialect | None = None
        from dlt.common.normalizers.naming.snake_case import NamingConvention

        # dlt's default naming convention; the pipeline's schema does not exist before its first run.
        self._naming = NamingConvention()

    def close(self) -> None:
        """Release the DuckDB file lock (if any)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def max_decimal_precision(self) -> int:
        """Widest exact DECIMAL the destination stores (DuckDB 38; BigQuery BIGNUMERIC 76)."""
        return 38 if self.kind == "duckdb" else 76

    @property
    def dialect(self) -> Dialect:
        """SQL dialect of the destination."""
        if self._dialect is None:
            if self.kind == "duckdb":
                self._dialect = DuckDBDialect()
            else:
                with self.pipeline.sql_client() as client:
                    self._dialect = BigQueryDialect(client.project_id)  # type: ignore[attr-defined]
        return self._dialect

    def normalize(self, identifier: str) -> str:
        """The table name dlt gives to a source name (`OrderItems` -> `order_items`)."""
        return self._naming.normalize_identifier(identifier)

    def normalize_column(self, identifier: str) -> str:
        """The column name dlt gives to a data key: a path, so `Revenue__c` stays `revenue__c`."""
        return self._naming.normalize_path(identifier)

    def load(self, resources: Iterable[Any]) -> None:
        """Run the dlt pipeline (extract, normalize, load) into the staging dataset.

        The steps run one by one so that the memory the extract step freed goes back to the OS before the
        destination's own buffers grow: peak RSS is then the larger of the two steps, not their sum.
        """
        self.pipeline.extract(list(resources), loader_file_format="parquet")
        release_freed_memory()
        self.pipeline.normalize()
        self.pipeline.load()

    @property
    def loads_arrow_directly(self) -> bool:
        """Whether Arrow batches can go straight into the target tables (DuckDB, see `extract.duckdb_direct`)."""
        return self.kind == "duckdb"

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A DuckDB connection in one open transaction (UTC session): committed on exit, rolled back on error."""
        d = self.dialect
        with self.pipeline.sql_client() as client:
            connection = client.native_connection
            connection.execute("SET TimeZone = 'UTC'")
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {d.quote(self.dataset)}")
            connection.execute("BEGIN TRANSACTION")
            try:
                yield connection
            except BaseException:
                with contextlib.suppress(Exception):
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def columns(self, dataset: str, table: str) -> tuple[Column, ...]:
        """Columns of `dataset.table` in the destination, empty when the table does not exist."""
        if self.kind == "duckdb":
            sql = (
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position"
            )
            args: tuple[Any, ...] = (dataset, table)
        else:
            sql = (
                f"SELECT column_name, data_type FROM `{self.dialect.project}`.`{dataset}`.INFORMATION_SCHEMA.COLUMNS "  # type: ignore[attr-defined]
                "WHERE table_name = %s ORDER BY ordinal_position"
            )
            args = (table,)
        try:
            with self.pipeline.sql_client() as client:
                rows = client.execute_sql(sql, *args) or []
        except Exception as exc:
            if self.kind == "bigquery" and "Not found" in str(exc):
                return ()
            raise
        return tuple(Column(str(name), str(sql_type)) for name, sql_type in rows)

    def count_staged(self, table: str) -> int:
        """Rows that dlt loaded into the staging table of `table` for this chunk."""
        d = self.dialect
        with self.pipeline.sql_client() as client:
            rows = client.execute_sql(f"SELECT count(*) FROM {d.qualify(self.staging_dataset, table)}") or [(0,)]
        return int(rows[0][0])

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a read query on the destination (UTC session on DuckDB)."""
        with self.pipeline.sql_client() as client:
            if self.kind == "duckdb":
                client.execute_sql("SET TimeZone = 'UTC'")
            return list(client.execute_sql(sql) or [])

    def distinct_days(self, table: str, column: str) -> tuple[date, ...]:
        """Distinct UTC days of `column` among the staged rows of `table`."""
        d = self.dialect
        sql = f"SELECT DISTINCT {d.day_of(d.quote(column))} FROM {d.qualify(self.staging_dataset, table)}"
        with self.pipeline.sql_client() as client:
            if self.kind == "duckdb":
                client.execute_sql("SET TimeZone = 'UTC'")
            rows = client.execute_sql(sql) or []
        return tuple(sorted(r[0] for r in rows if r[0] is not None))

    def execute(self, statements: list[str]) -> None:
        """Run `statements` in one transaction."""
        if not statements:
            return
        with self.pipeline.sql_client() as client:
            if self.kind == "duckdb":
                client.execute_sql("SET TimeZone = 'UTC'")
                client.execute_sql(f"CREATE SCHEMA IF NOT EXISTS {self.dialect.quote(self.dataset)}")
                with client.begin_transaction():
                    for statement in statements:
                        client.execute_sql(statement)
            else:
                location = getattr(client, "location", None) or os.environ.get("DESTINATION__BIGQUERY__LOCATION")
                options = f" OPTIONS(location='{location}')" if location else ""
                client.execute_sql(
                    f"CREATE SCHEMA IF NOT EXISTS `{self.dialect.project}`.`{self.dataset}`{options}"  # type: ignore[attr-defined]
                )
                for statement in self.dialect.wrap_transaction(statements):
                    client.execute_sql(statement)
