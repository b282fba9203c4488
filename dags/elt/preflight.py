"""Run-time checks before any pod starts: the window and the required Airflow Variables.

`window_macro` is the DAG's `elt_window` template macro; `check_run` is the body of the `preflight`
task that every pod waits for. A problem fails the run once, clearly, and without retries (retrying
cannot fix a bad window or a missing Variable) instead of failing every pod.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from elt.compat import AirflowFailException
from elt.window import Window, WindowError, resolve_window

log = logging.getLogger(__name__)


def window_macro(
    params: Mapping[str, Any] | None,
    data_interval_start: datetime | None,
    data_interval_end: datetime | None,
) -> Window:
    """Template macro `elt_window(params, data_interval_start, data_interval_end)`.

    Args:
        params: The run's params.
        data_interval_start: The run's data interval start (None on an Airflow 3 run without one).
        data_interval_end: The run's data interval end.

    Returns:
        The validated window; templates use `.since`, `.until` and `.dbt_vars(...)`.

    Raises:
        AirflowFailException: The window is missing, not UTC or empty (no retry).
    """
    try:
        return resolve_window(params, data_interval_start, data_interval_end)
    except WindowError as exc:
        raise AirflowFailException(f"elt window: {exc}") from exc


def check_run(context: Mapping[str, Any], required_variables: Sequence[str]) -> dict[str, str]:
    """Body of the `preflight` task: validate the window and the Variables the pods' templates need.

    Args:
        context: The task's Airflow context (`params`, `data_interval_start`, `data_interval_end`, `var`).
        required_variables: Variables without a default (config.yaml `variables:` set to null).

    Returns:
        The window as a dict (pushed to XCom, visible in the UI).

    Raises:
        AirflowFailException: The window is unusable or a required Variable is empty (no retry).
    """
    window = window_macro(context.get("params"), context.get("data_interval_start"), context.get("data_interval_end"))
    values = context["var"]["value"]
    missing = [name for name in required_variables if not (values.get(name, "") or "").strip()]
    if missing:
        envs = ", ".join(f"AIRFLOW_VAR_{name.upper()}" for name in missing)
        raise AirflowFailException(
            f"elt preflight: Airflow Variables not set: {', '.join(missing)} "
            f"(Terraform sets them on the Composer environment as {envs})"
        )
    log.info(json.dumps({"event": "elt_window", **window.as_dict()}))
    return window.as_dict()
