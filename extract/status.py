"""`python -m extract status`: which windows of a source are missing or failed, from the run ledger.

    python -m extract status --source mysql --since 2024-03-01 --until 2024-04-01 [--chunk 1d]

For each sub-window (default one day) and each manifest table it checks that successful ledger rows
cover the sub-window entirely. It prints one line per sub-window that is not fully loaded, then a
summary, and exits 0 when every window is loaded, 1 when some are missing or failed, 2 on bad usage.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from extract.destination import DESTINATIONS, Destination, configure_dlt_environment, pipelines_dir
from extract.ledger import LEDGER_TABLE, select_statement
from extract.manifest import parse_section, read_manifest_file
from extract.registry import SOURCES, load_source_class
from extract.window import Window, format_instant, parse_duration


@dataclass
class WindowStatus:
    """The state of one sub-window: tables fully loaded, tables missing, tables whose last attempt failed."""

    window: Window
    loaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every table is loaded."""
        return not self.missing and not self.failed


def _covered(window: Window, intervals: list[tuple[datetime, datetime]]) -> bool:
    """Whether the union of `intervals` covers `[since, until)` of `window`."""
    cursor = window.since
    for since, until in sorted(intervals):
        if since > cursor:
            return False
        cursor = max(cursor, until)
        if cursor >= window.until:
            return True
    return cursor >= window.until


def window_statuses(rows: list[tuple[object, ...]], tables: list[str], windows: list[Window]) -> list[WindowStatus]:
    """Fold ledger rows (table, since, until, status, ..., finished_at, error) into one status per window."""
    success: dict[str, list[tuple[datetime, datetime]]] = {t: [] for t in tables}
    failures: dict[str, list[tuple[datetime, datetime, datetime]]] = {t: [] for t in tables}
    for table, since, until, status, _, _, finished_at, _ in rows:
        if table not in success:
            continue
        if status == "success":
            success[table].append((since, until))
        else:
            failures[table].append((since, until, finished_at))
    result = []
    for window in windows:
        state = WindowStatus(window)
        for table in tables:
            if _covered(window, success[table]):
                state.loaded.append(table)
            elif any(s < window.until and u > window.since for s, u, _ in failures[table]):
                state.failed.append(table)
            else:
                state.missing.append(table)
        result.append(state)
    return result


def main(argv: list[str]) -> int:
    """Run the status command; returns its exit code (0 complete, 1 gaps, 2 usage)."""
    from extract.cli import _Parser

    parser = _Parser(prog="python -m extract status", description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, choices=sorted(SOURCES))
    parser.add_argument("--since", required=True, help="ISO 8601 (no offset = UTC)")
    parser.add_argument("--until", required=True, help="ISO 8601 (no offset = UTC)")
    parser.add_argument("--destination", default="duckdb", choices=DESTINATIONS)
    parser.add_argument("--dataset", help="default raw_<source>")
    parser.add_argument("--config", help="manifest replacing the packaged one")
    parser.add_argument("--tables", help="comma-separated subset of the manifest's tables")
    parser.add_argument("--chunk", default="1d", help="granularity of the check (default 1d)")
    args = parser.parse_args(argv)
    window = Window.parse(args.since, args.until)
    step: timedelta = parse_duration(args.chunk)
    configure_dlt_environment()
    label, content = read_manifest_file(args.config)
    manifest = parse_section(args.source, label, content, load_source_class(args.source).rules)
    tables = [t.name for t in manifest.select(args.tables.split(",") if args.tables else None)]
    dataset = args.dataset or f"raw_{args.source}"
    with pipelines_dir() as workdir:
        destination = Destination(args.destination, dataset, f"extract_status_{args.source}", workdir)
        try:
            exists = destination.columns(dataset, LEDGER_TABLE)
            rows = (
                destination.query(
                    select_statement(destination.dialect, dataset, args.source, window.since, window.until)
                )
                if exists
                else []
            )
        finally:
            destination.close()
    statuses = window_statuses(rows, tables, window.split(step))
    gaps = [s for s in statuses if not s.ok]
    for state in gaps:
        parts = [f"missing: {', '.join(state.missing)}" if state.missing else "",
                 f"failed: {', '.join(state.failed)}" if state.failed else ""]  # fmt: skip
        print(f"{state.window}  {'  '.join(p for p in parts if p)}")
    loaded = len(statuses) - len(gaps)
    sys.stderr.write(
        f"{args.source} -> {args.destination}:{dataset} [{format_instant(window.since)}, {format_instant(window.until)}): "
        f"{loaded} of {len(statuses)} windows loaded, {len(gaps)} missing or failed\n"
    )
    return 0 if not gaps else 1
