"""Classify MySQL driver failures: transient (exit 75) versus configuration (exit 2)."""

from __future__ import annotations

import pymysql

from extract.errors import ExtractError, TransientError, UsageError

# Client/server error codes that a retry can fix.
TRANSIENT_CODES = {
    1040,  # too many connections
    1053,  # server shutdown in progress
    1205,  # lock wait timeout
    1213,  # deadlock
    1317,  # query interrupted
    1927,  # connection killed
    2002,  # can't connect through socket
    2003,  # can't connect to server
    2006,  # server has gone away
    2013,  # lost connection during query
    2055,  # lost connection (system error)
}
CONFIG_CODES = {1044: "access denied to the database", 1045: "access denied (check user and password)",
                1049: "unknown database"}  # fmt: skip
TRANSIENT_MESSAGES = (
    "connection refused",
    "connection reset",
    "timed out",
    "timeout",
    "broken pipe",
    "gone away",
    "lost connection",
    "lock wait",
    "deadlock",
    "too many connections",
    "shutdown in progress",
    "unexpected eof",
    "connection was killed",
    "connectionclosed",
    "io error",
    "error reading",
)


def classify_mysql_error(exc: BaseException, host: str, port: int, database: str) -> ExtractError | None:
    """Return an `ExtractError` for a known driver failure, or None to let the caller treat it as a bug."""
    where = f"mysql {host}:{port}/{database}"
    if isinstance(exc, pymysql.err.MySQLError) and exc.args and isinstance(exc.args[0], int):
        code, message = exc.args[0], str(exc.args[1]) if len(exc.args) > 1 else ""
        if code in TRANSIENT_CODES:
            return TransientError(f"{where}: {message} (MySQL error {code}); a retry may succeed")
        if code in CONFIG_CODES:
            return UsageError(f"{where}: {CONFIG_CODES[code]} (MySQL error {code}); check SOURCES__MYSQL__CREDENTIALS")
        return None
    text = str(exc).lower()
    if "access denied" in text:
        return UsageError(f"{where}: access denied (check user and password in SOURCES__MYSQL__CREDENTIALS)")
    if isinstance(exc, OSError | RuntimeError) and any(m in text for m in TRANSIENT_MESSAGES):
        first_line = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return TransientError(f"{where}: {first_line}; a retry may succeed")
    return None
