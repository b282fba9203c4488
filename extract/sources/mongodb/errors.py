"""Classify pymongo failures: transient (exit 75) versus configuration (exit 2).

Server error codes come from MongoDB's `error_codes.yml`; the transient ones are those that a retry of
the same window can fix (network, elections, shutdowns, time limits, killed cursors).
"""

from __future__ import annotations

from pymongo import errors as pm

from extract.errors import ExtractError, TransientError, UsageError

AUTH_CODES = {
    13: "not authorized (grant the user the read role on the database)",  # Unauthorized
    18: "authentication failed (check user and password in SOURCES__MONGODB__CONNECTION_URL)",  # AuthenticationFailed
}
TRANSIENT_CODES = {
    6,  # HostUnreachable
    7,  # HostNotFound
    43,  # CursorNotFound: the server reaped the cursor
    50,  # MaxTimeMSExpired
    89,  # NetworkTimeout
    91,  # ShutdownInProgress
    189,  # PrimarySteppedDown
    262,  # ExceededTimeLimit
    9001,  # SocketException
    10107,  # NotWritablePrimary
    11600,  # InterruptedAtShutdown
    11602,  # InterruptedDueToReplStateChange
    13435,  # NotPrimaryNoSecondaryOk
    13436,  # NotPrimaryOrSecondary
}
TIME_LIMIT_CODES = {50, 262}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def classify_mongodb_error(exc: BaseException, where: str) -> ExtractError | None:
    """Return an `ExtractError` for a known pymongo failure, or None to let the caller treat it as a bug.

    Args:
        exc: The exception raised by pymongo (or a stand-in such as mongomock).
        where: `mongodb <hosts>/<database>`, without credentials, to start the message.
    """
    if isinstance(exc, pm.OperationFailure):
        code = exc.code
        if code in AUTH_CODES:
            return UsageError(f"{where}: {AUTH_CODES[code]} (MongoDB error {code})")
        if code in TIME_LIMIT_CODES:
            return TransientError(
                f"{where}: the query exceeded mongodb.max_time_ms (MongoDB error {code}); "
                "retry, use a smaller --chunk, or raise max_time_ms"
            )
        if code in TRANSIENT_CODES or exc.has_error_label("RetryableError"):
            return TransientError(f"{where}: {_first_line(exc)} (MongoDB error {code}); a retry may succeed")
        return None
    if isinstance(exc, pm.ConfigurationError):
        text = str(exc).lower()
        if "dns" in text or "resolution lifetime" in text:
            return TransientError(f"{where}: DNS lookup failed ({_first_line(exc)}); a retry may succeed")
        return UsageError(f"{where}: invalid connection settings: {_first_line(exc)}")
    # AutoReconnect covers NotPrimaryError; ConnectionFailure covers ServerSelectionTimeoutError and NetworkTimeout.
    if isinstance(exc, pm.ConnectionFailure | pm.AutoReconnect | pm.WaitQueueTimeoutError | pm.CursorNotFound):
        return TransientError(f"{where}: {_first_line(exc)}; a retry may succeed")
    if isinstance(exc, pm.PyMongoError) and getattr(exc, "timeout", False):
        return TransientError(f"{where}: {_first_line(exc)}; a retry may succeed")
    return None
