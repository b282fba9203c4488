"""Log lines for the Power BI refresh on stderr.

When stderr is not a terminal (a Composer pod, CI, a test) every line is one JSON object that Cloud
Logging understands (`severity`, `message`) plus the fields operators filter on: `event`,
`workspace_id`, `dataset_id`, `status`, `duration_s`. On a terminal the same events print as short
human lines. Every message passes through a redactor so that a secret can never reach the log, even
if a server echoed it back.

Self-contained on purpose: the lead will later fold this into shared logging helpers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

_MASK = "***"


class RunLog:
    """Writes one log line per event to a stream.

    Args:
        stream: Where to write; defaults to `sys.stderr` at call time.
        json_lines: Force JSON (True) or human (False) lines; by default JSON unless the stream is a TTY.
        verbose: Also write DEBUG events.
        secrets: Strings that must never appear in any line; they are replaced by `***`.
        context: Fields added to every JSON line (e.g. `workspace_id`, `dataset_id`).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        json_lines: bool | None = None,
        verbose: bool = False,
        secrets: Iterable[str] = (),
        context: dict[str, Any] | None = None,
    ) -> None:
        self._stream = stream
        self._json_lines = json_lines
        self.verbose = verbose
        self._secrets = [secret for secret in secrets if secret]
        self.context: dict[str, Any] = dict(context or {})

    @property
    def stream(self) -> TextIO:
        """The stream lines go to."""
        return self._stream if self._stream is not None else sys.stderr

    @property
    def json_lines(self) -> bool:
        """Whether lines are JSON (not a terminal) or human text (a terminal)."""
        if self._json_lines is not None:
            return self._json_lines
        isatty = getattr(self.stream, "isatty", None)
        return not (isatty and isatty())

    def add_secret(self, secret: str) -> None:
        """Register one more string to mask in every later line."""
        if secret:
            self._secrets.append(secret)

    def redact(self, text: str) -> str:
        """Return `text` with every registered secret replaced by `***`."""
        for secret in self._secrets:
            text = text.replace(secret, _MASK)
        return text

    def debug(self, event: str, message: str, **fields: Any) -> None:
        """Write a DEBUG line, only with `verbose`."""
        if self.verbose:
            self.emit("DEBUG", event, message, **fields)

    def info(self, event: str, message: str, **fields: Any) -> None:
        """Write an INFO line."""
        self.emit("INFO", event, message, **fields)

    def warning(self, event: str, message: str, **fields: Any) -> None:
        """Write a WARNING line."""
        self.emit("WARNING", event, message, **fields)

    def error(self, event: str, message: str, **fields: Any) -> None:
        """Write an ERROR line."""
        self.emit("ERROR", event, message, **fields)

    def emit(self, severity: str, event: str, message: str, **fields: Any) -> None:
        """Write one line.

        Args:
            severity: Cloud Logging severity (DEBUG, INFO, WARNING, ERROR).
            event: A stable machine name for the event, e.g. `powerbi_refresh_started`.
            message: One human sentence.
            **fields: Extra fields; `None` values are dropped.
        """
        record: dict[str, Any] = {
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "severity": severity,
            "message": message,
            "event": event,
            **self.context,
            **{key: value for key, value in fields.items() if value is not None},
        }
        # Redact values before serialising: JSON escaping could hide a secret from a later text search.
        record = {key: self.redact(value) if isinstance(value, str) else value for key, value in record.items()}
        if self.json_lines:
            line = json.dumps(record, default=str, ensure_ascii=False)
        else:
            line = f"{record['timestamp']} {severity:<7} {message}"
        self.stream.write(self.redact(line) + "\n")
        self.stream.flush()
