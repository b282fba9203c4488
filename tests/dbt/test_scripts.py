"""The report and loaded-sources scripts, run as the Makefile runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT, DbtResult
from raw_seed import seed_raw_warehouse

SCRIPTS = PROJECT / "scripts"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_report_writes_html_and_charts(built_warehouse: tuple[Path, DbtResult], tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse[0], warehouse)
    out = tmp_path / "reports"
    proc = _run("marts_report.py", "--duckdb", str(warehouse), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    charts = ["daily_activity.png", "sales_pipeline.png", "feature_usage.png", "retention.png"]
    for chart in charts:
        assert (out / chart).read_bytes().startswith(PNG_MAGIC)
    index = (out / "index.html").read_text()
    assert all(f'src="{chart}"' in index for chart in charts)


def test_report_without_marts_exits_2_in_one_line(tmp_path: Path) -> None:
    raw_only = tmp_path / "raw.duckdb"
    seed_raw_warehouse(raw_only, sources=("mysql",))
    proc = _run("marts_report.py", "--duckdb", str(raw_only), "--out", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "run `dbt build`" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _run("marts_report.py", "--duckdb", str(tmp_path / "missing.duckdb")).returncode == 2


def test_loaded_sources_names_what_the_extractor_loaded(tmp_path: Path) -> None:
    partial = tmp_path / "partial.duckdb"
    seed_raw_warehouse(partial, sources=("mysql", "hubspot"))
    proc = _run("loaded_sources.py", "--duckdb", str(partial))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"enabled_sources": ["mysql", "hubspot"]}
    no_mysql = tmp_path / "crm.duckdb"
    seed_raw_warehouse(no_mysql, sources=("salesforce",))
    assert _run("loaded_sources.py", "--duckdb", str(no_mysql)).returncode == 3
