"""Which pod failures Airflow may retry: "retry only what can succeed on retry".

The extractor and the Power BI command share one exit-code contract (`extract/errors.py`; this DAG
folder does not import it because dlt is not installed in Composer):

| container outcome                                  | decision | why                                           |
|----------------------------------------------------|----------|-----------------------------------------------|
| exit code in `retries.retryable_exit_codes` (75)   | retry    | transient: network, timeout, lock, rate limit |
| exit 1, 2, 3 and any other code                    | fail now | a bug, bad config or a data mismatch: a retry |
|                                                    |          | would repeat it; an operator must look        |
| killed for memory (reason `OOMKilled`)             | fail now | the same window needs the same memory: raise  |
|                                                    |          | `resources.memory` in config.yaml             |
| killed by a signal (137, 143) for another reason   | retry    | node drain, preemption or eviction            |
| no exit code (pod never started, evicted, deleted) | retry    | infrastructure, not our code                  |

dbt is not bound by that contract: its pod lists its own transient code in config.yaml (dbt exits 2 on an
unhandled error such as a network disruption, 1 when a model or test fails).

"Retry" still means within the task's `retries` budget and its exponential backoff. Provider 10.x can
only *skip* on chosen exit codes (`skip_on_exit_code`), not limit retries to them, so `EltPodOperator`
(pod.py) applies this table when the pod has finished and raises `AirflowFailException` (no retry) for
"fail now". Airflow 3.3's `retry_policy` could express the same, but it sees only the provider's generic
exception and does not exist on Airflow 2.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

_SIGNAL_EXITS = frozenset({137, 143})  # 128 + SIGKILL, 128 + SIGTERM


@dataclass(frozen=True)
class ExitDecision:
    """Whether Airflow may retry a failed pod, and the one-line reason shown to the operator."""

    retry: bool
    reason: str


def decide_retry(exit_code: int | None, reason: str | None, retryable: Collection[int]) -> ExitDecision:
    """Apply the exit-code table above to one finished container.

    Args:
        exit_code: The base container's exit code, or None when it never terminated.
        reason: The kubelet's termination reason (e.g. `OOMKilled`, `Error`), if any.
        retryable: Exit codes that a retry can fix (config `retries.retryable_exit_codes`).

    Returns:
        The decision and its reason.
    """
    if exit_code is None:
        return ExitDecision(True, "the container reported no exit code (pod not started, evicted or deleted)")
    if exit_code in retryable:
        return ExitDecision(True, f"exit {exit_code} is transient; retrying with backoff")
    if reason == "OOMKilled":
        return ExitDecision(False, "the container ran out of memory; raise its resources.memory in config.yaml")
    if exit_code in _SIGNAL_EXITS:
        return ExitDecision(True, f"exit {exit_code} ({reason or 'signal'}): killed from outside, e.g. a node drain")
    return ExitDecision(
        False, f"exit {exit_code} is not transient (1 failure, 2 usage/config, 3 data mismatch); not retrying"
    )


def container_exit(pod: Any, container_name: str) -> tuple[int | None, str | None]:
    """Read the exit code and termination reason of one container from a `V1Pod`.

    Args:
        pod: The pod as last read from the API server (may be None).
        container_name: The container to look at (the provider's `base`).

    Returns:
        `(exit_code, reason)`, each None when the container has not terminated.
    """
    statuses = getattr(getattr(pod, "status", None), "container_statuses", None) or []
    for status in statuses:
        if status.name == container_name:
            terminated = getattr(getattr(status, "state", None), "terminated", None)
            if terminated is not None:
                return terminated.exit_code, terminated.reason
    return None, None
