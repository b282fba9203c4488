"""Classify Salesforce failures: retryable, transient (exit 75), configuration (exit 2) or other (exit 1).

Salesforce reports REST errors as `[{"message": ..., "errorCode": ...}]` with the HTTP status, SOAP login
faults as `sf:exceptionCode` (e.g. `INVALID_LOGIN`) and OAuth token errors as `{"error", "error_description"}`
(e.g. `invalid_grant`). simple-salesforce turns these into `SalesforceError` subclasses.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from extract.errors import ExtractError, TransientError, UsageError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW", "QUERY_TIMEOUT"})
CREDENTIAL_HINT = (
    "check SOURCES__SALESFORCE__USERNAME/PASSWORD/SECURITY_TOKEN, or CONSUMER_KEY/PRIVATE_KEY/USERNAME, "
    "or SESSION_ID/INSTANCE_URL"
)


def _content(exc: SalesforceError) -> Any:
    content = exc.content
    if isinstance(content, bytes | str):
        try:
            return json.loads(content)
        except ValueError:
            return content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    return content


def error_code(exc: BaseException) -> str | None:
    """The Salesforce `errorCode` (REST), `exceptionCode` (SOAP) or OAuth `error` of a failure, if any."""
    if isinstance(exc, SalesforceAuthenticationFailed):
        return None if exc.code is None else str(exc.code)
    if not isinstance(exc, SalesforceError):
        return None
    content = _content(exc)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0].get("errorCode")
    if isinstance(content, dict):
        return content.get("errorCode") or content.get("error")
    return None


def error_message(exc: BaseException) -> str:
    """The first human message of a failure, on one line."""
    if isinstance(exc, SalesforceAuthenticationFailed):
        text = exc.auth_message
    elif isinstance(exc, SalesforceError):
        content = _content(exc)
        if isinstance(content, list) and content and isinstance(content[0], dict):
            text = str(content[0].get("message", ""))
        elif isinstance(content, dict):
            text = str(content.get("message") or content.get("error_description") or "")
        else:
            text = str(content)
    else:
        text = str(exc)
    text = " ".join(text.split())
    return text[:300]


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a failure (a SOAP login fault that was not XML carries it as its code)."""
    if isinstance(exc, SalesforceAuthenticationFailed):
        return exc.code if isinstance(exc.code, int) else None
    if isinstance(exc, SalesforceError):
        return int(exc.status)
    return None


def is_retryable(exc: BaseException) -> bool:
    """Whether a retry with backoff can help: network failures, 429, 5xx and `REQUEST_LIMIT_EXCEEDED`."""
    if isinstance(exc, requests.exceptions.SSLError):
        return False  # an untrusted certificate stays untrusted
    if isinstance(exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError):
        return True
    if isinstance(exc, SalesforceError):
        return status_of(exc) in RETRY_STATUSES or error_code(exc) in RETRY_CODES
    return False


def describe_failure(exc: BaseException) -> str:
    """`503 SERVER_UNAVAILABLE: message` or the network error, for one-line messages."""
    if isinstance(exc, requests.RequestException):
        return f"network error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    parts = [str(p) for p in (status_of(exc), error_code(exc)) if p is not None]
    label = " ".join(dict.fromkeys(parts))
    message = error_message(exc)
    return f"{label}: {message}" if label and message else label or message or type(exc).__name__


def classify_salesforce_error(exc: BaseException, where: str) -> ExtractError | None:
    """Map a client failure to an `ExtractError`, or None when it is not a known Salesforce failure.

    Args:
        exc: The exception raised by simple-salesforce or requests.
        where: `salesforce <host>`, the context that starts the message.
    """
    if isinstance(exc, ExtractError):
        return exc
    if isinstance(exc, requests.exceptions.SSLError):
        return UsageError(
            f"{where}: TLS verification failed ({describe_failure(exc)}); check the URL, or trust its CA "
            "with REQUESTS_CA_BUNDLE"
        )
    if is_retryable(exc):
        return TransientError(f"{where}: {describe_failure(exc)}; a retry may succeed")
    if isinstance(exc, SalesforceAuthenticationFailed):
        return UsageError(f"{where}: Salesforce login failed ({describe_failure(exc)}); {CREDENTIAL_HINT}")
    if isinstance(exc, SalesforceExpiredSession):
        return UsageError(f"{where}: Salesforce rejected the session ({describe_failure(exc)}); {CREDENTIAL_HINT}")
    if isinstance(exc, SalesforceMalformedRequest | SalesforceResourceNotFound):
        return UsageError(f"{where}: Salesforce refused the request ({describe_failure(exc)}); check the manifest")
    if isinstance(exc, SalesforceRefusedRequest):
        return UsageError(
            f"{where}: Salesforce denied access ({describe_failure(exc)}); check the API user's permissions"
        )
    if isinstance(exc, SalesforceError):
        return ExtractError(f"{where}: Salesforce error ({describe_failure(exc)})")
    if isinstance(exc, requests.RequestException):
        return TransientError(f"{where}: {describe_failure(exc)}; a retry may succeed")
    return None
