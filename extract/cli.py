"""`python -m extract`: load one half-open UTC window from a source into BigQuery or DuckDB.

Exit codes: 0 success; 1 unexpected failure; 2 usage or configuration error; 3 data mismatch;
75 transient failure that a retry can fix (see `extract.errors`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.abc
import os
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from extract import __version__
from extract.destination import DESTINATIONS
from extract.errors import ExitCode, ExtractError, UsageError
from extract.log import log, redact, set_format
from extract.registry import SOURCES
from extract.window import Window, format_instant, parse_duration

DATASET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,1000}")
EPILOG = """\
Times: --since/--until take an ISO 8601 date (2024-03-01 = midnight UTC) or datetime.
A datetime with an offset (2024-03-01T02:00:00+02:00, ...Z) is converted to UTC; one without an
offset is taken as UTC. The window is half-open: [since, until) on each table's cursor column.

Destinations: duckdb writes to DESTINATION__DUCKDB__CREDENTIALS (a path) or ./warehouse.duckdb;
bigquery reads project, location and credentials the dlt way (env, .dlt/*.toml, or ADC).

Exit codes: 0 ok, 1 failure, 2 usage/config error, 3 data mismatch, 75 transient (retry).

Gaps: `python -m extract status --source S --since ... --until ...` lists the windows that the run
ledger (<dataset>._extract_runs) does not show as loaded.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see python -m extract --help)")


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser (the contract that the DAG and scripts depend on)."""
    parser = _Parser(
        prog="python -m extract",
        description="Extract one half-open UTC window [since, until) from a source and load it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--source", required=True, choices=sorted(SOURCES), help="source to extract")
    parser.add_argument("--since", required=True, help="window start, included (ISO 8601; no offset = UTC)")
    parser.add_argument("--until", help="window end, excluded (ISO 8601; no offset = UTC; default: now)")
    parser.add_argument("--destination", default="duckdb", choices=DESTINATIONS, help="default: duckdb")
    parser.add_argument("--config", type=Path, help="YAML manifest replacing the packaged one")
    parser.add_argument("--tables", help="comma-separated subset of the manifest's tables")
    parser.add_argument("--dataset", help="target dataset (DuckDB schema); default raw_<source>")
    parser.add_argument(
        "--chunk", help="split the window into sub-windows of this duration (1d, 6h, P1D), each committed"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan and row counts; load nothing")
    parser.add_argument(
        "--no-reconcile",
        action="store_true",
        help="skip the per-window source count (for sources where counting is too expensive)",
    )
    parser.add_argument("--report", type=Path, help="write the JSON run report to this file")
    parser.add_argument(
        "--log-format", choices=("auto", "json", "text"), default="auto", help="auto: JSON unless stderr is a TTY"
    )
    parser.add_argument("--verbose", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _status(argv: list[str], verbose: bool) -> int:
    from extract.status import main as status_main

    try:
        return status_main([a for a in argv if a != "--verbose"])
    except SystemExit as exc:
        return int(exc.code or 0)
    except ExtractError as exc:
        if verbose:
            traceback.print_exc()
        sys.stderr.write(f"error: {redact(str(exc))}\n")
        return int(exc.exit_code)


def _return_freed_memory_promptly() -> None:
    """Let Arrow's jemalloc give freed batches back to the OS at once, so RSS tracks the live batches only."""
    import pyarrow

    with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc
        pyarrow.jemalloc_set_decay_ms(0)


def keep_pandas_out() -> None:
    """Make `import pandas` fail in this process (`python -m extract` calls it first), so that nothing loads it.

    pyarrow imports pandas on its first conversion of a Python value, only to test whether the value is a
    pandas object: 43 MB of resident memory and 0.15 s in every run of an extractor that never handles
    pandas objects (pandas is installed as a dependency of google-cloud-bigquery's extras). Every library
    on the extractor's path treats pandas as optional (`try: import pandas except ImportError`).
    `EXTRACT_ALLOW_PANDAS=1` turns this off, should a library on some path ever need pandas after all.
    """
    if os.environ.get("EXTRACT_ALLOW_PANDAS", "") in ("1", "true", "yes"):
        return
    if "pandas" not in sys.modules and not any(isinstance(f, _NoPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())


class _NoPandas(importlib.abc.MetaPathFinder):
    """An import finder that refuses `pandas` (see `keep_pandas_out`)."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        """Raise `ModuleNotFoundError` for pandas; defer to the other finders for everything else."""
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(
                "pandas is kept out of the extractor (extract.cli); set EXTRACT_ALLOW_PANDAS=1 to allow it",
                name=fullname,
            )
        return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    from extract.run import Runner, RunOptions

    args_list = list(sys.argv[1:] if argv is None else argv)
    verbose = "--verbose" in args_list
    if args_list[:1] == ["status"]:
        return _status(args_list[1:], verbose)
    runner = None
    options = None
    try:
        args = build_parser().parse_args(args_list)
        set_format(args.log_format)
        if args.dataset is not None and not DATASET_NAME.fullmatch(args.dataset):
            raise UsageError(
                f"--dataset {args.dataset!r}: use letters, digits and underscores only (a BigQuery dataset name)"
            )
        tables = [t.strip() for t in args.tables.split(",") if t.strip()] if args.tables else None
        window = Window.parse(args.since, args.until, now=datetime.now(UTC))
        # The resume command must name the same end, even when --until defaulted to "now".
        argv = args_list if args.until else [*args_list, "--until", format_instant(window.until)]
        options = RunOptions(
            source=args.source,
            window=window,
            destination=args.destination,
            dataset=args.dataset,
            config=args.config,
            tables=tables,
            chunk=parse_duration(args.chunk) if args.chunk else None,
            dry_run=args.dry_run,
            reconcile=not args.no_reconcile,
            report=args.report,
            argv=argv,
        )
        runner = Runner(options)
        report = runner.run()
        code = ExitCode.OK
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except ExtractError as exc:
        if verbose:
            traceback.print_exc()
        message = redact(str(exc))
        sys.stderr.write(f"error: {message}\n")
        code = exc.exit_code
        report = runner.report if runner is not None else None
    except Exception as exc:  # noqa: BLE001 - last resort: one line, never a traceback by default
        if verbose:
            traceback.print_exc()
        sys.stderr.write(f"error: {redact(f'{type(exc).__name__}: {exc}'.splitlines()[0])}\n")
        code = ExitCode.FAILURE
        report = runner.report if runner is not None else None
    if report is not None:
        if options is not None and options.report is not None:
            report.write(options.report)
        sys.stderr.write(report.summary() + "\n")
        log(
            "run_finished",
            f"{report.source}: {report.status}",
            severity="INFO" if code == ExitCode.OK else "ERROR",
            source=report.source,
            destination=report.destination,
            dataset=report.dataset,
            window=f"[{report.window['since']}, {report.window['until']})",
            status=report.status,
            rows=report.rows_loaded,
            duration_s=report.duration_s,
            exit_code=int(code),
        )
    return int(code)
