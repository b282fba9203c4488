"""Load and render the DAG under Airflow 2.10 + cncf-kubernetes 10.10 (Composer 2); print a JSON report.

Runs inside `.venv-airflow2` (scripts/airflow2-venv.sh), which cannot share uv.lock with Airflow 3:

    .venv-airflow2/bin/python tests/dags/airflow2_check.py SINCE UNTIL REPORT.json

`test_airflow2.py` runs it in a subprocess and compares the report with the same data computed under
Airflow 3, so both majors are held to one set of expectations. Exit 0 with the report written to
REPORT.json (Airflow 2 logs to stdout, so stdout cannot carry it); exit 1 with the import errors on stderr
when the DagBag does not load cleanly.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    """Write the report for the window `argv[1:3]` (ISO-8601) to the path `argv[3]`."""
    if len(argv) != 4:
        print("usage: airflow2_check.py SINCE UNTIL REPORT.json", file=sys.stderr)
        return 2
    since, until = (datetime.fromisoformat(a) for a in argv[1:3])
    # An isolated, throw-away AIRFLOW_HOME: parsing and rendering need no metadata database.
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow2-home-"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    sys.path.insert(0, str(REPO))

    from tests.dags.render import load_dagbag
    from tests.dags.report import dag_report

    bag = load_dagbag()
    if bag.import_errors:
        print(json.dumps({"import_errors": bag.import_errors}), file=sys.stderr)
        return 1
    report = dag_report(since, until)
    Path(argv[3]).write_text(json.dumps(report, sort_keys=True, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
