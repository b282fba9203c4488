"""`dbt parse` for every target, offline, and the source switch (var enabled_sources)."""

from __future__ import annotations

import pytest
from conftest import BIGQUERY_OFFLINE_ENV, DbtRunner

MARTS = {"dim_customers", "fct_orders", "fct_customer_activity_daily", "fct_feature_usage_daily",
         "fct_sales_pipeline", "fct_retention_cohorts"}  # fmt: skip


def _models(manifest: dict) -> set[str]:
    return {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}


@pytest.mark.parametrize("target", ["local", "dev", "prod"])
def test_parse_every_target(run_dbt: DbtRunner, tmp_path, target: str) -> None:
    result = run_dbt("parse", "--target", target, duckdb_path=tmp_path / "w.duckdb", env=BIGQUERY_OFFLINE_ENV)
    manifest = result.manifest()
    assert _models(manifest) >= MARTS
    adapter = "duckdb" if target == "local" else "bigquery"
    assert manifest["metadata"]["adapter_type"] == adapter
    unit_tests = manifest["unit_tests"]
    assert len(unit_tests) >= 7


def test_mysql_only_disables_other_sources_but_keeps_marts(run_dbt: DbtRunner, tmp_path) -> None:
    result = run_dbt("parse", "--vars", "{enabled_sources: [mysql]}", duckdb_path=tmp_path / "w.duckdb")
    manifest = result.manifest()
    models = _models(manifest)
    assert models >= MARTS
    assert not any(m.startswith(("stg_hubspot", "stg_salesforce", "stg_mongodb")) for m in models)
    assert {s["source_name"] for s in manifest["sources"].values()} == {"mysql"}
    # Unit tests feeding a disabled source's models are disabled with them.
    assert all("hubspot" not in str(u["given"]) for u in manifest["unit_tests"].values())


def test_bad_window_is_a_one_line_compile_error(run_dbt: DbtRunner, tmp_path) -> None:
    result = run_dbt(
        "parse", "--vars", "{since: '2024-03-02', until: '2024-03-01'}", duckdb_path=tmp_path / "w.duckdb", check=False
    )
    assert result.returncode != 0
    assert "window is empty" in result.output
    result = run_dbt("parse", "--vars", "{since: '2024-03-02'}", duckdb_path=tmp_path / "w.duckdb", check=False)
    assert "pass both or neither" in result.output
