"""One extract run: a source, a window cut into chunks, each chunk loaded and committed on its own."""

from __future__ import annotations

import shlex
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from extract import __version__
from extract.apply import TablePlan, table_statements
from extract.destination import Destination, configure_dlt_environment, pipelines_dir
from extract.duckdb_direct import EXTRACTED_AT, DirectTable, chunk_stamp, load_table
from extract.errors import DataMismatchError, ExitCode, ExtractError, TransientError, UsageError
from extract.ledger import LedgerRow, create_statement, git_revision, insert_statement
from extract.log import log, redact, set_progress
from extract.manifest import TableSpec, parse_section, read_manifest_file
from extract.registry import load_source_class
from extract.report import RunReport, TableReport
from extract.sources.base import Batch, Source
from extract.window import Window, format_instant


@dataclass
class RunOptions:
    """What the CLI asked for.

    Args:
        source: Registered source name.
        window: The whole window `[since, until)`.
        destination: `duckdb` or `bigquery`.
        dataset: Target dataset; `raw_<source>` when None.
        config: Manifest file replacing the packaged one.
        tables: Subset of manifest tables, in manifest order.
        chunk: Sub-window length; the whole window when None.
        dry_run: Plan and count only.
        reconcile: Count each table's window in the source and fail (exit 3) when the load differs.
        report: Where to write the JSON report.
        argv: The original arguments, used to print the resume command.
    """

    source: str
    window: Window
    destination: str = "duckdb"
    dataset: str | None = None
    config: Path | None = None
    tables: list[str] | None = None
    chunk: timedelta | None = None
    dry_run: bool = False
    reconcile: bool = True
    report: Path | None = None
    argv: list[str] = field(default_factory=list)

    @property
    def dataset_name(self) -> str:
        """The target dataset."""
        return self.dataset or f"raw_{self.source}"


def resume_command(argv: list[str], since: datetime) -> str:
    """The command that reruns `argv` from `since` (the first chunk that did not commit)."""
    args: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--since":
            skip = True
            continue
        if arg.startswith("--since="):
            continue
        args.append(arg)
    return shlex.join(["python", "-m", "extract", *args, "--since", format_instant(since)])


def _prepare(batch: Batch, extracted_at: datetime, max_decimal_precision: int) -> Batch:
    """Stamp `_extracted_at`; decimals wider than the destination holds become exact text."""
    if isinstance(batch, pa.Table):
        for index, field in enumerate(batch.schema):
            if pa.types.is_decimal(field.type) and field.type.precision > max_decimal_precision:
                batch = batch.set_column(index, field.name, batch.column(index).cast(pa.string()))
        stamp = pa.repeat(pa.scalar(extracted_at, pa.timestamp("us", tz="UTC")), batch.num_rows)
        return batch.append_column(EXTRACTED_AT, stamp)
    for row in batch:
        row[EXTRACTED_AT] = extracted_at
    return batch


@dataclass
class _ChunkTally:
    """What one chunk read, per table: rows, anomalies (e.g. zero dates nulled) and seconds spent in the source."""

    rows: Counter[str] = field(default_factory=Counter)
    anomalies: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    read_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def reader(
        self, source: Source, table: TableSpec, window: Window, extracted_at: datetime, max_decimal_precision: int
    ) -> Callable[[], Iterator[Batch]]:
        """A generator function (a dlt resource body) that reads `table`, counting into this tally."""

        def generate() -> Iterator[Batch]:
            batches = iter(source.read(table, window, self.anomalies[table.name]))
            while True:
                started = time.monotonic()
                batch = next(batches, None)
                self.read_seconds[table.name] += time.monotonic() - started
                if batch is None:
                    return
                size = batch.num_rows if isinstance(batch, pa.Table) else len(batch)
                if size:
                    self.rows[table.name] += size
                    yield _prepare(batch, extracted_at, max_decimal_precision)

        return generate


class Runner:
    """Runs one `RunOptions` end to end and fills its `RunReport`."""

    def __init__(self, options: RunOptions, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.options = options
        self.now = now
        self.chunks = options.window.split(options.chunk)
        self.report = RunReport.start(
            options.source, options.destination, options.dataset_name, options.window, self.chunks
        )
        self.report.version = __version__
        self.run_id = uuid.uuid4().hex
        self.report.extra["run_id"] = self.run_id
        self.revision = git_revision()
        self.source: Source | None = None

    def run(self) -> RunReport:
        """Execute the run; raises `ExtractError` after recording the failure in the report."""
        started = time.monotonic()
        self.report.started_at = format_instant(self.now())
        try:
            tables = self._open_source()
            if self.options.dry_run:
                self._plan(tables)
                self.report.status = "dry-run"
            else:
                self._load(tables)
                self.report.status = "success"
            self.report.exit_code = int(ExitCode.OK)
        except BaseException as exc:
            error = self._as_extract_error(exc)
            self.report.status = "failed"
            self.report.exit_code = int(error.exit_code)
            self.report.error = redact(str(error))
            raise error from exc
        finally:
            if self.source is not None:
                self.report.extra.update(self.source.report_extra())
                self.source.close()
            self.report.finished_at = format_instant(self.now())
            self.report.duration_s = round(time.monotonic() - started, 3)
        return self.report

    # -- steps -------------------------------------------------------------------------------------

    def _open_source(self) -> tuple[TableSpec, ...]:
        configure_dlt_environment()
        source_cls = load_source_class(self.options.source)
        label, content = read_manifest_file(self.options.config)
        manifest = parse_section(self.options.source, label, content, source_cls.rules)
        tables = manifest.select(self.options.tables)
        self.source = source_cls(manifest)
        self.source.open(tables)
        for table in tables:
            self.report.tables[table.name] = TableReport(table.name, table.write_disposition)
        return tables

    def _plan(self, tables: tuple[TableSpec, ...]) -> None:
        assert self.source is not None
        for chunk, chunk_report in zip(self.chunks, self.report.chunks, strict=True):
            chunk_report.status = "planned"
            for table in tables:
                rows = self.source.count(table, chunk)
                chunk_report.rows += rows
                table_report = self.report.tables[table.name]
                table_report.rows_in_source = (table_report.rows_in_source or 0) + rows
                table_report.status = "planned"
                log(
                    "plan",
                    f"{self.options.source}.{table.name} {chunk}: {rows} rows "
                    f"where {self.source.describe_window(table, chunk)}",
                    source=self.options.source,
                    table=table.name,
                    window=str(chunk),
                    rows=rows,
                    write_disposition=table.write_disposition,
                )

    def _load(self, tables: tuple[TableSpec, ...]) -> None:
        assert self.source is not None
        pipeline_name = f"extract_{self.options.source}_{self.options.dataset_name}"
        progress = _progress(len(self.chunks))
        try:
            with pipelines_dir() as workdir:
                destination = Destination(self.options.destination, self.options.dataset_name, pipeline_name, workdir)
                try:
                    self._load_chunks(destination, tables, progress)
                finally:
                    destination.close()
        finally:
            if progress is not None:
                progress.close()
                set_progress(None)
        for table in tables:
            self.report.tables[table.name].status = "success"

    def _load_chunks(self, destination: Destination, tables: tuple[TableSpec, ...], progress: Any) -> None:
        for index, chunk in enumerate(self.chunks):
            chunk_report = self.report.chunks[index]
            chunk_started = time.monotonic()
            started_at = self.now()
            try:
                rows = self._load_chunk(destination, tables, chunk, started_at)
            except BaseException as exc:
                chunk_report.status = "failed"
                self.report.resume_command = resume_command(self.options.argv, chunk.since)
                self._record_failure(destination, tables, chunk, started_at, exc)
                raise
            finally:
                chunk_report.duration_s = round(time.monotonic() - chunk_started, 3)
            chunk_report.status = "committed"
            chunk_report.rows = sum(rows.values())
            if progress is not None:
                progress.update(1)
            log(
                "chunk_committed",
                f"{self.options.source} {chunk}: committed {chunk_report.rows} rows in {chunk_report.duration_s:.1f}s",
                source=self.options.source,
                window=str(chunk),
                rows=chunk_report.rows,
                duration_s=chunk_report.duration_s,
                tables=dict(rows),
            )

    def _load_chunk(
        self,
        destination: Destination,
        tables: tuple[TableSpec, ...],
        chunk: Window,
        started_at: datetime,
    ) -> Counter[str]:
        """Count (reconcile), extract and stage, check, then apply data and ledger in one transaction.

        The chunk's rows carry `_extracted_at` = `started_at`, the moment the chunk began.
        """
        import dlt

        assert self.source is not None
        if self.source.arrow_native and destination.loads_arrow_directly:
            return self._load_chunk_direct(destination, tables, chunk, started_at)
        source_counts = {t.name: self.source.count(t, chunk) for t in tables} if self.options.reconcile else {}
        tally = _ChunkTally()
        rows = tally.rows
        resources = []
        for table in tables:
            hints = {destination.normalize_column(k): dict(v) for k, v in self.source.column_hints(table).items()}
            resources.append(
                dlt.resource(
                    tally.reader(self.source, table, chunk, started_at, destination.max_decimal_precision),
                    name=destination.normalize(table.name),
                    write_disposition="replace",
                    columns=hints or None,
                )
            )
        destination.load(resources)
        staged = {
            t.name: destination.count_staged(destination.normalize(t.name)) if rows[t.name] else 0 for t in tables
        }
        if self.options.reconcile:
            self._reconcile(tables, chunk, source_counts, rows, staged)
        statements: list[str] = []
        for table in tables:
            plan = self._table_plan(destination, table, rows[table.name], chunk)
            statements += table_statements(
                destination.dialect, destination.dataset, destination.staging_dataset, plan, chunk
            )
        statements += self._ledger_statements(destination, tables, chunk, source_counts, staged, started_at)
        destination.execute(statements)
        self._record_tables(tables, source_counts, staged, tally)
        return Counter(staged)

    def _load_chunk_direct(
        self, destination: Destination, tables: tuple[TableSpec, ...], chunk: Window, started_at: datetime
    ) -> Counter[str]:
        """Count (reconcile), then stream each table into its target, check, and write the ledger: one transaction.

        See `extract.duckdb_direct`: no staging table, the load overlaps the read.
        """
        assert self.source is not None
        source_counts = {t.name: self.source.count(t, chunk) for t in tables} if self.options.reconcile else {}
        tally = _ChunkTally()
        loaded: dict[str, int] = {}
        dialect, dataset = destination.dialect, destination.dataset
        with destination.transaction() as connection:
            names = [(dataset, destination.normalize(t.name)) for t in tables]
            stamp = chunk_stamp(connection, dialect, names, started_at)
            for table in tables:
                hints = self.source.column_hints(table)
                plan = DirectTable(
                    dataset=dataset,
                    table=destination.normalize(table.name),
                    cursor=destination.normalize_column(table.cursor),
                    primary_key=tuple(destination.normalize_column(k) for k in table.primary_key),
                    unique_key=self.source.key_is_unique(table),
                    replace_bounds=self.source.replace_bounds(table, chunk),
                    json_columns=frozenset(
                        destination.normalize_column(k) for k, v in hints.items() if v.get("data_type") == "json"
                    ),
                )
                batches = tally.reader(self.source, table, chunk, stamp, destination.max_decimal_precision)()
                where = f"{self.options.source}.{table.name} {chunk}"
                loaded[table.name] = load_table(
                    connection, dialect, plan, batches, stamp, destination.normalize_column, where
                )
            if self.options.reconcile:
                self._reconcile(tables, chunk, source_counts, tally.rows, loaded)
            for statement in self._ledger_statements(destination, tables, chunk, source_counts, loaded, started_at):
                connection.execute(statement)
        self._record_tables(tables, source_counts, loaded, tally)
        return Counter(loaded)

    def _record_tables(
        self,
        tables: tuple[TableSpec, ...],
        source_counts: dict[str, int],
        loaded: dict[str, int],
        tally: _ChunkTally,
    ) -> None:
        """Add a committed chunk's figures to the report's tables."""
        for table in tables:
            report = self.report.tables[table.name]
            report.rows_loaded += loaded[table.name]
            if self.options.reconcile:
                report.rows_in_source = (report.rows_in_source or 0) + source_counts[table.name]
            report.add_anomalies(dict(tally.anomalies[table.name]))
            report.duration_s = round(report.duration_s + tally.read_seconds[table.name], 3)

    def _reconcile(
        self,
        tables: tuple[TableSpec, ...],
        chunk: Window,
        before: dict[str, int],
        read: Counter[str],
        staged: dict[str, int],
    ) -> None:
        """Fail with exit 3 when the loaded rows differ from the source's count of the same window.

        The count is taken before the read. When it differs from the load, it is taken again: a window
        whose count moved meanwhile was written to during the run (late writes, updates moving rows out),
        which is reported as `unstable`, not as a mismatch; the next run of that window reconciles it.
        """
        assert self.source is not None
        for table in tables:
            name = table.name
            if read[name] != staged[name]:
                raise DataMismatchError(
                    f"{self.options.source}.{name} {chunk}: read {read[name]} rows but {staged[name]} were loaded; "
                    "nothing was committed for this chunk; do not retry, investigate the load"
                )
            if staged[name] == before[name]:
                continue
            after = self.source.count(table, chunk)
            if after == before[name]:
                raise DataMismatchError(
                    f"{self.options.source}.{name} {chunk}: the source holds {before[name]} rows but {staged[name]} "
                    "were extracted; nothing was committed for this chunk; do not retry, investigate "
                    "(--no-reconcile loads anyway)"
                )
            self.report.tables[name].anomalies["unstable_window"] = (
                self.report.tables[name].anomalies.get("unstable_window", 0) + 1
            )
            log(
                "reconcile_unstable",
                f"{self.options.source}.{name} {chunk}: the source count moved from {before[name]} to {after} during "
                f"the run ({staged[name]} loaded); rerun this window later to reconcile it",
                severity="WARNING",
                source=self.options.source,
                table=name,
                window=str(chunk),
                rows=staged[name],
            )

    def _ledger_row(
        self,
        table: TableSpec,
        chunk: Window,
        in_source: int | None,
        loaded: int,
        status: str,
        error: str | None,
        started_at: datetime,
        finished_at: datetime,
    ) -> LedgerRow:
        return LedgerRow(
            run_id=self.run_id,
            source=self.options.source,
            table_name=table.name,
            window_since=chunk.since,
            window_until=chunk.until,
            rows_in_source=in_source,
            rows_loaded=loaded,
            status=status,
            error=error,
            started_at=started_at,
            finished_at=finished_at,
            extractor_version=__version__,
            git_revision=self.revision,
        )

    def _ledger_statements(
        self,
        destination: Destination,
        tables: tuple[TableSpec, ...],
        chunk: Window,
        source_counts: dict[str, int],
        loaded: dict[str, int],
        started_at: datetime,
        error: str | None = None,
    ) -> list[str]:
        """The statements that record the chunk in `_extract_runs`: `success`, or `failed` with `error`."""
        finished_at = self.now()
        status = "failed" if error is not None else "success"
        rows = [
            self._ledger_row(
                t, chunk, source_counts.get(t.name), loaded.get(t.name, 0), status, error, started_at, finished_at
            )
            for t in tables
        ]
        return [
            create_statement(destination.dialect, destination.kind, destination.dataset),
            insert_statement(destination.dialect, destination.dataset, rows),
        ]

    def _record_failure(
        self,
        destination: Destination,
        tables: tuple[TableSpec, ...],
        chunk: Window,
        started_at: datetime,
        exc: BaseException,
    ) -> None:
        """Best effort: mark the chunk `failed` in the ledger (the destination itself may be what failed)."""
        error = redact(str(self._as_extract_error(exc)))
        try:
            destination.execute(self._ledger_statements(destination, tables, chunk, {}, {}, started_at, error))
        except Exception as ledger_exc:  # noqa: BLE001 - never hide the original failure
            log(
                "ledger_write_failed",
                f"{self.options.source} {chunk}: could not record the failure in the ledger: {_first_line(ledger_exc)}",
                severity="WARNING",
                source=self.options.source,
                window=str(chunk),
            )

    def _table_plan(self, destination: Destination, table: TableSpec, staged_rows: int, window: Window) -> TablePlan:
        assert self.source is not None
        name = destination.normalize(table.name)
        norm = destination.normalize_column
        staged = destination.columns(destination.staging_dataset, name) if staged_rows else ()
        partition = norm(table.partition) if table.partition else None
        days = ()
        if staged_rows and table.primary_key and partition:
            days = destination.distinct_days(name, partition)
        return TablePlan(
            spec=table,
            table=name,
            cursor=norm(table.cursor),
            primary_key=tuple(norm(k) for k in table.primary_key),
            partition=partition,
            cluster=tuple(norm(c) for c in table.cluster),
            staged_columns=staged,
            target_columns=destination.columns(destination.dataset, name),
            staged_rows=staged_rows,
            partition_days=days,
            unique_key=self.source.key_is_unique(table),
            replace_bounds=self.source.replace_bounds(table, window),
        )

    # -- errors ------------------------------------------------------------------------------------

    def _as_extract_error(self, exc: BaseException) -> ExtractError:
        cause = _root_cause(exc)
        if isinstance(cause, ExtractError):
            return cause
        if isinstance(cause, KeyboardInterrupt):
            return ExtractError("interrupted", ExitCode.FAILURE)
        classified = self.source.classify(cause) if self.source is not None else None
        if classified is not None:
            return classified
        return _classify_destination(cause, self.options) or ExtractError(
            f"{self.options.source} {self.options.window}: {type(cause).__name__}: {_first_line(cause)}"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:500] if text else ""


def _root_cause(exc: BaseException) -> BaseException:
    """Unwrap dlt's PipelineStepFailed and resource wrappers to the exception that started it."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "exception", None)
        if isinstance(inner, BaseException):
            exc = inner
            continue
        if type(exc).__module__.startswith("dlt") and exc.__cause__ is not None:
            exc = exc.__cause__
            continue
        if type(exc).__module__.startswith("dlt") and exc.__context__ is not None:
            exc = exc.__context__
            continue
        break
    return exc


def _classify_destination(exc: BaseException, options: RunOptions) -> ExtractError | None:
    text = str(exc)
    lowered = text.lower()
    where = f"{options.destination}:{options.dataset_name}"
    if type(exc).__name__ == "ConfigFieldMissingException":
        hint = (
            "use Application Default Credentials (gcloud auth application-default login, or Workload Identity) "
            "or DESTINATION__BIGQUERY__CREDENTIALS__*, and DESTINATION__BIGQUERY__LOCATION"
            if options.destination == "bigquery"
            else "see the README's Destinations section"
        )
        return UsageError(f"{where}: {_first_line(exc)}; {hint}")
    if "could not set lock on file" in lowered or "conflicting lock" in lowered:
        return TransientError(
            f"{where}: the DuckDB file is locked by another process; retry when it is released ({_first_line(exc)})"
        )
    if (isinstance(exc, OSError) and exc.errno == 28) or "no space left" in lowered:
        return ExtractError(f"{where}: no space left on device while loading; free space and rerun the window")
    if type(exc).__name__ == "OutOfMemoryException":
        return ExtractError(
            f"{options.source} {options.window} -> {where}: DuckDB ran out of memory ({_first_line(exc)}); "
            "raise EXTRACT_DUCKDB_MEMORY_LIMIT (default 128MB) or load the window in smaller --chunk sizes"
        )
    transient = ("503", "502", "500 ", "429", "rate limit", "timed out", "timeout", "connection reset",
                 "connection aborted", "temporarily unavailable", "backenderror")  # fmt: skip
    if options.destination == "bigquery" and any(t in lowered for t in transient):
        return TransientError(f"{where}: {_first_line(exc)}; a retry may succeed")
    return None


def _progress(total: int) -> Any:
    if not sys.stderr.isatty() or total < 2:
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="chunk", file=sys.stderr, dynamic_ncols=True)
    set_progress(bar)
    return bar
