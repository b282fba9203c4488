"""Airflow for the DAG tests: a throw-away AIRFLOW_HOME, no examples, no metadata database needed."""

from __future__ import annotations

import os
import tempfile

import pytest

# Before the first `import airflow` of the session: Airflow reads its home and config at import time.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")


@pytest.fixture(scope="session")
def dag():
    from tests.dags.render import get_dag

    return get_dag()


@pytest.fixture(scope="session")
def config():
    from tests.dags.render import get_dag

    get_dag()  # puts dags/ on sys.path, as Composer does
    from elt.config import load_config

    return load_config()
