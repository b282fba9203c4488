"""Operator-facing output: structured log lines, a progress bar, and secret redaction.

When stderr is not a TTY (Airflow pods, CI) every line is one JSON object that Cloud Logging
understands: `severity`, `message`, `event`, plus context such as `source`, `table`, `window`,
`rows` and `duration_s`. On a TTY the same events print as short human lines.

Every line, error message and report passes through `redact`, which replaces each registered
secret (passwords, tokens, full credential URLs) with `***`.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

_SECRETS: set[str] = set()
_FORMAT: dict[str, str] = {"format": "auto"}
_PROGRESS: dict[str, Any] = {"bar": None}


def register_secret(value: str | None) -> None:
    """Remember a secret so that `redact` hides it everywhere (values shorter than 4 chars are ignored)."""
    if value and len(value) >= 4:
        _SECRETS.add(value)


def register_url_secrets(url: str | None) -> None:
    """Register the password of a URL such as `mysql+pymysql://user:pass@host/db` (raw and URL-decoded)."""
    if not url:
        return
    try:
        password = urlsplit(url).password
    except ValueError:
        return
    if password:
        register_secret(password)
        register_secret(unquote(password))


def redact(text: str) -> str:
    """Replace every registered secret in `text` with `***`."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


def set_progress(bar: Any) -> None:
    """Route log lines through an active tqdm bar (None when it closes), so the bar is never torn."""
    _PROGRESS["bar"] = bar


def set_format(fmt: str) -> None:
    """Choose `json`, `text` or `auto` (JSON unless stderr is a TTY)."""
    _FORMAT["format"] = fmt


def is_json(stream: TextIO | None = None) -> bool:
    """Whether log lines are JSON objects for the current format and stream."""
    fmt = _FORMAT["format"]
    if fmt == "auto":
        stream = stream or sys.stderr
        return not (hasattr(stream, "isatty") and stream.isatty())
    return fmt == "json"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def log(event: str, message: str, *, severity: str = "INFO", **fields: Any) -> None:
    """Write one log line for `event` to stderr.

    Args:
        event: Stable machine name of what happened (`chunk_loaded`, `run_finished`, ...).
        message: One human sentence.
        severity: Cloud Logging severity (DEBUG, INFO, NOTICE, WARNING, ERROR).
        **fields: Context: source, table, window, rows, duration_s, ...
    """
    stream = sys.stderr
    if is_json(stream):
        record = {
            "severity": severity,
            "message": message,
            "event": event,
            "time": datetime.now(UTC),
            **{k: v for k, v in fields.items() if v is not None},
        }
        line = json.dumps(record, default=_jsonable, ensure_ascii=False)
    else:
        prefix = "" if severity in ("INFO", "DEBUG", "NOTICE") else f"{severity.lower()}: "
        line = f"{prefix}{message}"
    bar = _PROGRESS["bar"]
    if bar is not None:
        bar.write(redact(line), file=stream)
        return
    stream.write(redact(line) + "\n")
    stream.flush()
