"""Parse human durations such as `30s`, `90m`, `1h30m` or `250ms` into seconds."""

from __future__ import annotations

import math
import re

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(text: str) -> float:
    """Return the number of seconds that `text` spells.

    Args:
        text: A bare number of seconds (`45`, `0.5`) or unit parts such as `1h30m`, `30s`, `250ms`.

    Returns:
        The duration in seconds.

    Raises:
        ValueError: If `text` is not a duration.
    """
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValueError("empty duration")
    try:
        return _non_negative(float(cleaned), text)
    except ValueError:
        pass
    position = 0
    total = 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(cleaned):
        raise ValueError(f"{text!r} is not a duration such as 30s, 10m, 1h or 1h30m")
    return total


def _non_negative(seconds: float, text: str) -> float:
    if seconds < 0 or not math.isfinite(seconds):
        raise ValueError(f"{text!r} is not a duration such as 30s, 10m, 1h or 1h30m")
    return seconds


def format_duration(seconds: float) -> str:
    """Format seconds compactly for messages, e.g. `1h0m0s` or `42.5s`.

    Args:
        seconds: A non-negative number of seconds.

    Returns:
        A short human-readable duration.
    """
    if seconds < 60:
        return f"{seconds:g}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s"
