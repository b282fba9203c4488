"""Command line: `python -m extract.powerbi refresh --workspace-id W --dataset-id D [...]`.

Exit codes (extract/errors.py): 0 the refresh completed; 1 it failed or was cancelled (the service's
error in one line), or an unexpected error; 2 bad arguments or configuration (including a rejected
client secret or token, missing workspace access, a Disabled refresh); 75 transient (network,
throttling or 5xx beyond the retry budget, or the timeout passed while the refresh still ran).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from extract.errors import ExitCode, ExtractError
from extract.powerbi.auth import MsalTokenProvider
from extract.powerbi.body import COMMIT_MODES, REFRESH_TYPES, EnhancedOptions, build_refresh_body
from extract.powerbi.client import PowerBIClient, RetryPolicy
from extract.powerbi.config import PowerBIConfig
from extract.powerbi.durations import parse_duration
from extract.powerbi.log import RunLog
from extract.powerbi.refresh import DatasetRefresher, RefreshError, RefreshTimeoutError

PROG = "python -m extract.powerbi"
FINISHED_EVENT = "powerbi_refresh_finished"
DEFAULT_TIMEOUT = "1h"
DEFAULT_POLL_INTERVAL = "30s"


class _UsageExit(Exception):
    """argparse wanted to exit with a usage error; carries the one-line message."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become one line and exit code 2, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        raise _UsageExit(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command."""
    parser = _Parser(prog=PROG, description="Refresh a Power BI dataset and wait for the result.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    refresh = commands.add_parser(
        "refresh",
        help="start (or join) a dataset refresh and wait until it ends",
        description=(
            "Start a refresh of a dataset, or wait for the one already running, and poll until it is "
            "Completed, Failed, Disabled or Cancelled. Credentials come from POWERBI_TENANT_ID, "
            "POWERBI_CLIENT_ID and POWERBI_CLIENT_SECRET. Exit codes: 0 completed, 1 failed, "
            "2 usage/configuration, 75 transient (retry)."
        ),
    )
    refresh.add_argument(
        "--workspace-id",
        required=True,
        type=_guid("--workspace-id"),
        metavar="ID",
        help="workspace (group) id",
    )
    refresh.add_argument(
        "--dataset-id",
        required=True,
        type=_guid("--dataset-id"),
        metavar="ID",
        help="dataset (semantic model) id",
    )
    refresh.add_argument(
        "--timeout",
        default=DEFAULT_TIMEOUT,
        metavar="DURATION",
        type=_duration("--timeout", positive=True),
        help=f"give up waiting after this long, e.g. 45m or 2h (default {DEFAULT_TIMEOUT}); exit 75",
    )
    refresh.add_argument(
        "--poll-interval",
        default=DEFAULT_POLL_INTERVAL,
        metavar="DURATION",
        type=_duration("--poll-interval", positive=True),
        help=f"delay between status checks (default {DEFAULT_POLL_INTERVAL})",
    )
    refresh.add_argument("--verbose", action="store_true", help="debug lines, and a traceback on errors")
    enhanced = refresh.add_argument_group(
        "enhanced refresh",
        "Any of these (or --enhanced-body) makes it an enhanced refresh; flags override the file.",
    )
    enhanced.add_argument("--enhanced-body", type=Path, metavar="FILE", help="JSON file with the enhanced-refresh body")
    enhanced.add_argument("--type", dest="refresh_type", choices=REFRESH_TYPES, help="processing type")
    enhanced.add_argument("--commit-mode", choices=COMMIT_MODES, help="commit mode")
    enhanced.add_argument("--max-parallelism", type=_int_at_least(1), metavar="N", help="maximum parallel threads")
    enhanced.add_argument("--retry-count", type=_int_at_least(0), metavar="N", help="service-side retries")
    enhanced.add_argument(
        "--objects", type=_names, metavar="T[:P],...", help="tables or Table:Partition pairs to refresh"
    )
    enhanced.add_argument(
        "--apply-refresh-policy", choices=("true", "false"), help="apply the incremental-refresh policy"
    )
    enhanced.add_argument("--effective-date", metavar="DATE", help="incremental-refresh effective date (ISO)")
    enhanced.add_argument(
        "--service-timeout",
        metavar="HH:MM:SS",
        help="per-attempt timeout inside Power BI (enhanced `timeout`)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    stderr: TextIO | None = None,
    retry: RetryPolicy | None = None,
) -> int:
    """Run the command and return its exit code.

    Args:
        argv: Arguments without the program name; `sys.argv[1:]` by default.
        sleep: Waits between polls and retries (tests inject a fake).
        clock: Monotonic seconds for the timeout and durations (tests inject a fake).
        stderr: Where log lines go; `sys.stderr` by default.
        retry: Retry policy of API calls.

    Returns:
        The process exit code (see the module docstring).
    """
    stream = stderr if stderr is not None else sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except _UsageExit as exc:
        stream.write(f"{exc}\n")
        return int(ExitCode.USAGE)
    except SystemExit as exc:  # --help exits 0 through argparse
        return int(exc.code or 0)
    log = RunLog(
        stream,
        verbose=args.verbose,
        context={"workspace_id": args.workspace_id, "dataset_id": args.dataset_id},
    )
    started = clock()
    status = "Error"
    try:
        config = PowerBIConfig.from_env(os.environ)
        log.add_secret(config.client_secret)
        log.debug("powerbi_config", f"configuration {config!r}")
        body = build_refresh_body(args.enhanced_body, _enhanced_options(args))
        client = PowerBIClient(config.api_url, MsalTokenProvider(config), retry=retry, sleep=sleep, log=log)
        refresher = DatasetRefresher(client, args.workspace_id, args.dataset_id, log=log, sleep=sleep, clock=clock)
        outcome = refresher.run(body, timeout_s=args.timeout, poll_interval_s=args.poll_interval)
    except ExtractError as exc:
        if isinstance(exc, RefreshError | RefreshTimeoutError):
            status = exc.status
        return _finish_with_error(log, exc, exc.exit_code, status, clock() - started)
    except Exception as exc:  # noqa: BLE001 - last resort: one line and exit 1, never a traceback
        message = f"Power BI refresh failed unexpectedly: {type(exc).__name__}: {exc}"
        return _finish_with_error(log, exc, ExitCode.FAILURE, status, clock() - started, message)
    duration = clock() - started
    joined = " (joined the refresh already running)" if outcome.joined_existing else ""
    log.info(
        FINISHED_EVENT,
        f"Power BI refresh {outcome.request_id or ''} of dataset {args.dataset_id} completed{joined}",
        status=outcome.status,
        request_id=outcome.request_id,
        joined_existing=outcome.joined_existing,
        polls=outcome.polls,
        duration_s=round(duration, 3),
        exit_code=int(ExitCode.OK),
    )
    return int(ExitCode.OK)


def _finish_with_error(
    log: RunLog,
    exc: BaseException,
    code: ExitCode,
    status: str,
    duration: float,
    message: str | None = None,
) -> int:
    text = " ".join((message or str(exc)).split())
    if log.verbose:
        log.stream.write(log.redact("".join(traceback.format_exception(exc))))
    log.error("powerbi_refresh_error", text, status=status, exit_code=int(code))
    log.emit(
        "ERROR",
        FINISHED_EVENT,
        f"Power BI refresh of dataset {log.context.get('dataset_id')} ended with exit {int(code)} ({status})",
        status=status,
        error=text,
        duration_s=round(duration, 3),
        exit_code=int(code),
    )
    return int(code)


def _enhanced_options(args: argparse.Namespace) -> EnhancedOptions:
    return EnhancedOptions(
        type=args.refresh_type,
        commit_mode=args.commit_mode,
        max_parallelism=args.max_parallelism,
        retry_count=args.retry_count,
        objects=args.objects,
        apply_refresh_policy=None if args.apply_refresh_policy is None else args.apply_refresh_policy == "true",
        effective_date=args.effective_date,
        service_timeout=args.service_timeout,
    )


def _guid(flag: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            return str(uuid.UUID(text.strip()))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} {text!r} is not a GUID such as 0e1f…-…") from None

    return parse


def _duration(flag: str, *, positive: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{flag}: {exc}") from None
        if positive and seconds <= 0:
            raise argparse.ArgumentTypeError(f"{flag} must be longer than 0")
        return seconds

    return parse


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}")
        return value

    return parse


def _names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise argparse.ArgumentTypeError("give at least one Table or Table:Partition")
    return names
