"""Offline BigQuery compile: every incremental model restricts its sources and its target to the window."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import BIGQUERY_OFFLINE_ENV, PROJECT, DbtRunner
from cost_guard import violations, window_days

INCREMENTAL = {"int_events__unioned", "fct_orders", "fct_customer_activity_daily", "fct_feature_usage_daily"}


def _compile(run_dbt: DbtRunner, since: datetime, until: datetime, project: Path = PROJECT) -> dict:
    window = json.dumps({"since": since.isoformat(), "until": until.isoformat()})
    result = run_dbt(
        "compile", "--target", "prod", "--no-populate-cache", "--select", "config.materialized:incremental",
        "--vars", window, env=BIGQUERY_OFFLINE_ENV, project=project,
    )  # fmt: skip
    return result.manifest()


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC)),  # the DAG's daily run
        (datetime(2024, 3, 1, 6, tzinfo=UTC), datetime(2024, 3, 3, 6, tzinfo=UTC)),  # widened to 3 whole days
    ],
)
def test_incremental_models_scan_and_overwrite_only_the_window(run_dbt: DbtRunner, since, until) -> None:
    manifest = _compile(run_dbt, since, until)
    compiled = {n["name"] for n in manifest["nodes"].values() if n.get("compiled_code")}
    assert compiled >= INCREMENTAL
    assert violations(manifest, since, until) == []
    fct = manifest["nodes"]["model.elt.fct_orders"]
    assert len(fct["config"]["partitions"]) == len(window_days(since, until))
    assert "`raw_mysql`.`orders` where created_at >=" in fct["compiled_code"]


def test_guard_fails_when_a_model_scans_a_whole_source(run_dbt: DbtRunner, tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    model = project / "models" / "marts" / "fct_orders.sql"
    text = model.read_text()
    assert "windowed(source('mysql', 'orders'), 'created_at')" in text
    model.write_text(text.replace("windowed(source('mysql', 'orders'), 'created_at')", "source('mysql', 'orders')"))
    since, until = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC)
    found = violations(_compile(run_dbt, since, until, project=project), since, until)
    assert len(found) == 1
    assert found[0].startswith("fct_orders: 1 of 1 reads of `cost-guard-project`.`raw_mysql`.`orders`")
