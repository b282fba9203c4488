"""Failure and retry alerts: one structured log line per event, plus an email when one is configured.

The log line (`"event": "elt_task_failed"`) is what Cloud Monitoring's log-based alert policy (Terraform)
matches; the email to the Variable `elt_alert_email` is a second, optional path (Composer needs SendGrid or
SMTP configured for it). A callback never raises: an alert that fails to send must not hide the failure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("elt.alerts")

ALERT_EMAIL_VARIABLE = "elt_alert_email"


def failure_event(context: Mapping[str, Any], event: str) -> dict[str, Any]:
    """Build the structured record of a failed or retrying task from its Airflow context.

    Args:
        context: The task's Airflow context.
        event: `elt_task_failed` or `elt_task_retrying`.

    Returns:
        A JSON-serialisable dict: DAG, task, run, try, window, the error's first line and the log URL.
    """
    ti = context.get("ti") or context.get("task_instance")
    exception = context.get("exception")
    error = str(exception).strip().splitlines()[0] if exception else None
    interval = (context.get("data_interval_start"), context.get("data_interval_end"))
    params = context.get("params") or {}
    return {
        "event": event,
        "dag_id": getattr(ti, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "run_id": context.get("run_id"),
        "try_number": getattr(ti, "try_number", None),
        "max_tries": getattr(ti, "max_tries", None),
        "data_interval": [d.isoformat() if d else None for d in interval],
        "params_window": [params.get("since"), params.get("until")],
        "error_type": type(exception).__name__ if exception else None,
        "error": error,
        "log_url": getattr(ti, "log_url", None),
    }


def notify_failure(context: Mapping[str, Any]) -> None:
    """`on_failure_callback`: log the structured failure line and email `elt_alert_email` if set.

    Args:
        context: The task's Airflow context.
    """
    record = failure_event(context, "elt_task_failed")
    log.error(json.dumps(record, default=str))
    recipient = _alert_email(context)
    if not recipient:
        return
    subject = f"[elt] {record['dag_id']}.{record['task_id']} failed ({record['run_id']})"
    body = (
        f"<p>{record['error_type']}: {record['error']}</p>"
        f"<p>Window {record['data_interval']} params {record['params_window']}; try {record['try_number']}.</p>"
        f'<p><a href="{record["log_url"]}">Task log</a>. Triage: see the DAG\'s docs (docs/dags.md).</p>'
    )
    try:
        from airflow.utils.email import send_email  # same path on Airflow 2.10 and 3.x

        send_email(to=[recipient], subject=subject, html_content=body)
    except Exception as exc:  # noqa: BLE001 - any mail failure is logged, never masks the task failure
        log.warning(json.dumps({"event": "elt_alert_email_failed", "to": recipient, "error": str(exc)}))


def notify_retry(context: Mapping[str, Any]) -> None:
    """`on_retry_callback`: log a structured line so repeated transient failures are visible.

    Args:
        context: The task's Airflow context.
    """
    log.warning(json.dumps(failure_event(context, "elt_task_retrying"), default=str))


def _alert_email(context: Mapping[str, Any]) -> str:
    # Read at run time through the context's Variable accessor: parsing stays free of Variable reads.
    try:
        return (context["var"]["value"].get(ALERT_EMAIL_VARIABLE, "") or "").strip()
    except Exception as exc:  # noqa: BLE001 - a missing Variable backend must not break the alert line
        log.warning(json.dumps({"event": "elt_alert_email_unknown", "error": str(exc)}))
        return ""
