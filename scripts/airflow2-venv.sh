#!/usr/bin/env bash
# Create .venv-airflow2: Airflow 2.10 (Composer 2) + cncf-kubernetes 10.10, for tests/dags/airflow2_check.py.
#
# Airflow 2 cannot share uv.lock with Airflow 3, so it gets its own venv outside the project's lock.
# Airflow's official constraints files cannot be downloaded here; the pins below are the constraints that
# matter (what resolved and passed the DAG checks when this was written), so CI does not drift.
# Usage: scripts/airflow2-venv.sh [VENV_DIR]   (default .venv-airflow2; env AIRFLOW2_VENV also works)
set -euo pipefail

cd "$(dirname "$0")/.."
venv="${1:-${AIRFLOW2_VENV:-.venv-airflow2}}"
started=$(date +%s)

# The machine's Python 3.11: `uv venv --python 3.12` would try to download one (see /work/shared/NOTES.md).
uv venv --quiet --allow-existing --python 3.11 "$venv"
uv pip install --quiet --python "$venv/bin/python" \
    'apache-airflow==2.10.5' \
    'apache-airflow-providers-cncf-kubernetes==10.10.*' \
    'pyyaml>=6' \
    'pytest>=8.3' \
    'pendulum==3.*' \
    'sqlalchemy==1.4.*' \
    'flask-appbuilder==4.5.3' \
    'connexion==2.14.*' \
    'marshmallow<4'

"$venv/bin/python" -c 'import airflow, airflow.providers.cncf.kubernetes as k
print("airflow", airflow.__version__, "cncf-kubernetes", k.__version__)'
echo "$venv ready in $(($(date +%s) - started)) s"
