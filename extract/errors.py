"""Exit codes and the error types that map onto them.

The exit code is the contract with Airflow and with operators: it says whether a retry can help.

| code | meaning                                                     | retry? |
|------|-------------------------------------------------------------|--------|
| 0    | success                                                     | -      |
| 1    | unexpected failure (a bug, or a destination error)          | no     |
| 2    | usage or configuration error (bad date, unknown table, ...) | no     |
| 3    | data mismatch between source and destination counts        | no     |
| 75   | transient failure (network, timeout, lock wait, rate limit) | yes    |
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of every command in the `extract` package."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    MISMATCH = 3
    TRANSIENT = 75  # EX_TEMPFAIL from sysexits.h


class ExtractError(Exception):
    """An error that the CLI reports as one line and turns into an exit code.

    Args:
        message: One line for the operator: what failed, where, and what to do next.
        exit_code: The process exit code that this error maps to.
    """

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ExtractError):
    """Bad arguments or configuration: retrying cannot help (exit 2)."""

    exit_code = ExitCode.USAGE


class TransientError(ExtractError):
    """A failure that a retry can fix: network, timeout, lock wait, rate limit (exit 75)."""

    exit_code = ExitCode.TRANSIENT


class DataMismatchError(ExtractError):
    """Source and destination counts disagree for a window: do not retry (exit 3)."""

    exit_code = ExitCode.MISMATCH
