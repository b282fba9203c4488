"""One JSON-able description of the DAG, computed the same way on Airflow 2 and 3 and compared across them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.dags.render import (
    backfill_intervals,
    failure_outcome,
    get_dag,
    pod_summary,
    render_pod,
    scheduled_intervals,
)

EXIT_CASES: list[tuple[int | None, str | None]] = [
    (0, "Completed"),
    (75, "Error"),
    (1, "Error"),
    (2, "Error"),
    (3, "Error"),
    (137, "OOMKilled"),
    (143, "Error"),
    (None, None),
]
PARAMS_WINDOW = {"since": "2024-02-01T00:00:00Z", "until": "2024-02-08T00:00:00Z"}


def dag_report(since: datetime, until: datetime) -> dict[str, Any]:
    """Describe the DAG: structure, policy, every pod rendered for `[since, until)`, and the retry table."""
    dag = get_dag()
    pod_tasks = [t.task_id for t in dag.tasks if hasattr(t, "build_pod_request_obj")]
    return {
        "dag_id": dag.dag_id,
        "tags": sorted(dag.tags),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "start_date": dag.start_date.isoformat(),
        "first_intervals": [[s.isoformat(), e.isoformat()] for s, e in scheduled_intervals(dag, 2)],
        # `backfill create --from-date SINCE --to-date UNTIL` / `dags backfill -s SINCE -e UNTIL`
        "backfill_intervals": [[s.isoformat(), e.isoformat()] for s, e in backfill_intervals(since, until)],
        "upstream": {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks},
        "tasks": {
            t.task_id: {
                "owner": t.owner,
                "retries": t.retries,
                "exponential_backoff": bool(t.retry_exponential_backoff),
                "retry_delay_s": t.retry_delay.total_seconds(),
                "max_retry_delay_s": t.max_retry_delay.total_seconds() if t.max_retry_delay else None,
                "execution_timeout_s": t.execution_timeout.total_seconds() if t.execution_timeout else None,
                "on_failure_callback": _callback_names(t.on_failure_callback),
                "on_retry_callback": _callback_names(t.on_retry_callback),
            }
            for t in dag.tasks
        },
        "pods": {task_id: pod_summary(render_pod(task_id, since, until)) for task_id in pod_tasks},
        "params_window_args": pod_summary(render_pod(pod_tasks[0], since, until, params=PARAMS_WINDOW))["args"],
        "exit_outcomes": {
            f"{code}/{reason}": failure_outcome(pod_tasks[0], code, reason) for code, reason in EXIT_CASES
        },
    }


def _callback_names(callbacks: Any) -> list[str]:
    if callbacks is None:
        return []
    items = callbacks if isinstance(callbacks, list | tuple) else [callbacks]
    return sorted(f"{c.__module__}.{c.__qualname__}" for c in items)
