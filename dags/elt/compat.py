"""The few names that moved between Airflow 2.10 (Composer 2) and Airflow 3 (Composer 3).

Everything else the DAG uses has the same import path on both majors. Import these names from here so the
version split lives in one place.
"""

from __future__ import annotations

from airflow import __version__ as AIRFLOW_VERSION

AIRFLOW_V3 = int(AIRFLOW_VERSION.split(".")[0]) >= 3

if AIRFLOW_V3:
    from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

    # Airflow 3 takes a float multiplier (0 disables backoff); 2.0 doubles the delay on every try.
    EXPONENTIAL_BACKOFF: float | bool = 2.0
else:  # pragma: no cover - exercised by tests/dags/airflow2_check.py in the Airflow 2 venv
    from airflow.decorators import task  # type: ignore[no-redef]
    from airflow.exceptions import (  # type: ignore[no-redef]
        AirflowException,
        AirflowFailException,
        AirflowSkipException,
    )
    from airflow.models.dag import DAG  # type: ignore[no-redef]
    from airflow.models.param import Param  # type: ignore[no-redef]
    from airflow.timetables.interval import CronDataIntervalTimetable  # type: ignore[no-redef]

    # Airflow 2 takes a boolean and always doubles.
    EXPONENTIAL_BACKOFF = True

__all__ = [
    "AIRFLOW_V3",
    "AIRFLOW_VERSION",
    "DAG",
    "EXPONENTIAL_BACKOFF",
    "AirflowException",
    "AirflowFailException",
    "AirflowSkipException",
    "CronDataIntervalTimetable",
    "Param",
    "task",
]
