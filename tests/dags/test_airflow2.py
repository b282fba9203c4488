"""Airflow 2.10 (Composer 2): the same DAG loads and renders the same pods as on Airflow 3.

Airflow 2 cannot live in uv.lock beside Airflow 3, so it runs in `.venv-airflow2`
(`scripts/airflow2-venv.sh`, about 20 s with a warm uv cache, 45 s cold). In CI the venv must exist: the
test fails when `CI=true` and it is missing; locally it skips with the command to create it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.dags.render import REPO, SINCE, UNTIL
from tests.dags.report import dag_report

VENV = Path(os.environ.get("AIRFLOW2_VENV", REPO / ".venv-airflow2"))
PYTHON = VENV / "bin" / "python"
CHECK = Path(__file__).with_name("airflow2_check.py")


@pytest.fixture(scope="module")
def airflow2_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not PYTHON.exists():
        message = f"{VENV} is missing: run scripts/airflow2-venv.sh first"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("airflow2") / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__", "VIRTUAL_ENV"))}
    done = subprocess.run(
        [str(PYTHON), str(CHECK), SINCE.isoformat(), UNTIL.isoformat(), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 0, f"airflow2_check.py failed:\n{done.stderr[-3000:]}\n{done.stdout[-3000:]}"
    return json.loads(out.read_text(encoding="utf-8"))


def test_airflow2_venv_has_the_composer2_versions(airflow2_report: dict, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import airflow, airflow.providers.cncf.kubernetes as k; print(airflow.__version__, k.__version__)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AIRFLOW_HOME": str(tmp_path)},
    )
    airflow_version, provider_version = done.stdout.split()[-2:]
    assert airflow_version.startswith("2.10.")
    assert provider_version.startswith("10.10.")


def test_airflow2_renders_the_same_dag_as_airflow3(airflow2_report: dict) -> None:
    airflow3_report = json.loads(json.dumps(dag_report(SINCE, UNTIL), sort_keys=True, default=str))
    assert airflow2_report == airflow3_report


def test_airflow2_pods_carry_the_exact_window(airflow2_report: dict) -> None:
    args = airflow2_report["pods"]["extract_mysql"]["args"]
    assert args[args.index("--since") + 1] == SINCE.isoformat()
    assert args[args.index("--until") + 1] == UNTIL.isoformat()
    assert airflow2_report["first_intervals"][0] == [
        airflow2_report["start_date"],
        airflow2_report["first_intervals"][1][0],
    ]
