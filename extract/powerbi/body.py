"""The body of `POST .../refreshes`: a standard refresh, or an enhanced refresh from a file and flags.

Power BI starts an *enhanced* refresh when the body holds anything other than `notifyOption`; then
`notifyOption` must be absent. A standard refresh by a service principal must use `NoNotification`
(mail notifications do not apply to service principals).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extract.errors import UsageError

STANDARD_BODY: dict[str, Any] = {"notifyOption": "NoNotification"}

# Documented values of the enhanced-refresh request body; Power BI compares them case-insensitively.
REFRESH_TYPES = ("full", "clearValues", "calculate", "dataOnly", "automatic", "defragment")
COMMIT_MODES = ("transactional", "partialBatch")
_SERVICE_TIMEOUT = re.compile(r"^([0-1]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$")
_KNOWN_KEYS = frozenset(
    {
        "type",
        "commitMode",
        "maxParallelism",
        "retryCount",
        "objects",
        "applyRefreshPolicy",
        "effectiveDate",
        "timeout",
    }
)


@dataclass(frozen=True)
class EnhancedOptions:
    """Enhanced-refresh settings given as command-line flags; `None` means "not given".

    Attributes:
        type: Processing type, e.g. `full` or `dataOnly`.
        commit_mode: `transactional` or `partialBatch`.
        max_parallelism: Maximum parallel processing threads.
        retry_count: Service-side retries before the refresh fails.
        objects: `Table` or `Table:Partition` names to refresh.
        apply_refresh_policy: Whether to apply the incremental-refresh policy.
        effective_date: Overrides "today" for the incremental-refresh policy (ISO date).
        service_timeout: Per-attempt timeout inside Power BI, `HH:MM:SS`.
    """

    type: str | None = None
    commit_mode: str | None = None
    max_parallelism: int | None = None
    retry_count: int | None = None
    objects: tuple[str, ...] | None = None
    apply_refresh_policy: bool | None = None
    effective_date: str | None = None
    service_timeout: str | None = None

    def as_body(self) -> dict[str, Any]:
        """The flags as request-body keys (only those given)."""
        body: dict[str, Any] = {}
        if self.type is not None:
            body["type"] = self.type
        if self.commit_mode is not None:
            body["commitMode"] = self.commit_mode
        if self.max_parallelism is not None:
            body["maxParallelism"] = self.max_parallelism
        if self.retry_count is not None:
            body["retryCount"] = self.retry_count
        if self.objects is not None:
            body["objects"] = [_object_ref(name) for name in self.objects]
        if self.apply_refresh_policy is not None:
            body["applyRefreshPolicy"] = self.apply_refresh_policy
        if self.effective_date is not None:
            body["effectiveDate"] = self.effective_date
        if self.service_timeout is not None:
            body["timeout"] = self.service_timeout
        return body


def build_refresh_body(body_file: Path | None, options: EnhancedOptions) -> dict[str, Any]:
    """Build and validate the refresh request body.

    Args:
        body_file: A JSON file holding an enhanced-refresh body, or None.
        options: Flags; they override keys of the file.

    Returns:
        The standard body when neither a file nor flags are given, else the enhanced body.

    Raises:
        UsageError: The file is unreadable or not a JSON object, or a value is invalid.
    """
    body: dict[str, Any] = _read_body_file(body_file) if body_file is not None else {}
    body.update(options.as_body())
    if not body:
        return dict(STANDARD_BODY)
    if set(body) == {"notifyOption"}:
        return body  # An explicit standard-refresh body, e.g. a different notifyOption.
    if "notifyOption" in body:
        raise UsageError("enhanced refresh body must not contain notifyOption (Power BI rejects it); remove it")
    _validate_enhanced(body)
    return body


def _read_body_file(path: Path) -> dict[str, Any]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--enhanced-body {path}: cannot read ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(f"--enhanced-body {path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(payload, dict):
        raise UsageError(f"--enhanced-body {path}: expected a JSON object, got {type(payload).__name__}")
    return payload


def _validate_enhanced(body: dict[str, Any]) -> None:
    unknown = sorted(set(body) - _KNOWN_KEYS)
    if unknown:
        raise UsageError(
            f"enhanced refresh body has unknown keys {', '.join(unknown)}; allowed: {', '.join(sorted(_KNOWN_KEYS))}"
        )
    _check_choice(body, "type", REFRESH_TYPES)
    _check_choice(body, "commitMode", COMMIT_MODES)
    _check_int(body, "maxParallelism", minimum=1)
    _check_int(body, "retryCount", minimum=0)
    if "applyRefreshPolicy" in body and not isinstance(body["applyRefreshPolicy"], bool):
        raise UsageError("enhanced refresh applyRefreshPolicy must be true or false")
    if "timeout" in body and not (isinstance(body["timeout"], str) and _SERVICE_TIMEOUT.match(body["timeout"])):
        raise UsageError(f"enhanced refresh timeout {body['timeout']!r} must be HH:MM:SS, e.g. 02:00:00")
    if "objects" in body:
        objects = body["objects"]
        if not isinstance(objects, list) or not objects:
            raise UsageError("enhanced refresh objects must be a non-empty list of {table, partition}")
        for item in objects:
            if not isinstance(item, dict) or not isinstance(item.get("table"), str) or not item["table"]:
                raise UsageError(f"enhanced refresh object {item!r} needs a table name")


def _check_choice(body: dict[str, Any], key: str, choices: tuple[str, ...]) -> None:
    if key in body and str(body[key]).lower() not in {choice.lower() for choice in choices}:
        raise UsageError(f"enhanced refresh {key} {body[key]!r} must be one of {', '.join(choices)}")


def _check_int(body: dict[str, Any], key: str, *, minimum: int) -> None:
    if key in body:
        value = body[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise UsageError(f"enhanced refresh {key} must be an integer >= {minimum}, got {value!r}")


def _object_ref(name: str) -> dict[str, str]:
    table, _, partition = name.partition(":")
    if not table.strip():
        raise UsageError(f"--objects entry {name!r} needs a table name (Table or Table:Partition)")
    ref = {"table": table.strip()}
    if partition.strip():
        ref["partition"] = partition.strip()
    return ref
