"""The BigQuery side, without network: the SQL that applies a chunk, and the dlt pipeline settings.

An integration test runs against real BigQuery when GOOGLE_CLOUD_PROJECT and credentials are present.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime

import pytest

from extract.apply import BigQueryDialect, Column, DuckDBDialect, TablePlan, table_statements
from extract.destination import Destination
from extract.manifest import TableSpec
from extract.window import Window

WINDOW = Window(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC))
COLUMNS = (Column("id", "INT64"), Column("created_at", "TIMESTAMP"), Column("updated_at", "TIMESTAMP"),
           Column("payload", "JSON"), Column("_extracted_at", "TIMESTAMP"))  # fmt: skip
BQ = BigQueryDialect("my-project")


def _plan(**overrides) -> TablePlan:
    spec = TableSpec("orders", "updated_at", ("id",), "created_at", ("id",))
    values = {
        "spec": spec, "table": "orders", "cursor": "updated_at", "primary_key": ("id",), "partition": "created_at",
        "cluster": ("id",), "staged_columns": COLUMNS, "target_columns": COLUMNS[:-1], "staged_rows": 10,
        "partition_days": (date(2024, 2, 27), date(2024, 3, 1)),
    }  # fmt: skip
    values.update(overrides)
    return TablePlan(**values)


def test_new_table_is_day_partitioned_and_clustered_by_the_primary_key():
    statements = table_statements(BQ, "raw_mysql", "raw_mysql_staging", _plan(target_columns=()), WINDOW)
    assert statements[0] == (
        "CREATE TABLE IF NOT EXISTS `my-project`.`raw_mysql`.`orders` PARTITION BY DATE(`created_at`) "
        "CLUSTER BY `id` AS SELECT * FROM `my-project`.`raw_mysql_staging`.`orders` WHERE FALSE"
    )


def test_append_only_tables_partition_on_the_cursor_and_json_is_never_clustered():
    plan = _plan(primary_key=(), partition=None, cluster=("payload",), cursor="created_at", target_columns=())
    create = table_statements(BQ, "raw_mysql", "raw_mysql_staging", plan, WINDOW)[0]
    assert "PARTITION BY DATE(`created_at`)" in create
    assert "CLUSTER BY" not in create


def test_merge_restricts_the_target_to_the_staged_partition_days():
    statements = table_statements(BQ, "raw_mysql", "raw_mysql_staging", _plan(), WINDOW)
    delete = next(s for s in statements if s.startswith("DELETE"))
    assert delete == (
        "DELETE FROM `my-project`.`raw_mysql`.`orders` AS t WHERE DATE(t.`created_at`) IN "
        "(DATE '2024-02-27', DATE '2024-03-01') AND EXISTS (SELECT 1 FROM `my-project`.`raw_mysql_staging`.`orders` "
        "AS s WHERE s.`id` = t.`id`)"
    )


def test_merge_adds_new_columns_and_inserts_latest_version_per_key():
    statements = table_statements(BQ, "raw_mysql", "raw_mysql_staging", _plan(), WINDOW)
    assert "ALTER TABLE `my-project`.`raw_mysql`.`orders` ADD COLUMN `_extracted_at` TIMESTAMP" in statements
    insert = statements[-1]
    assert insert.startswith("INSERT INTO `my-project`.`raw_mysql`.`orders` (`id`, `created_at`, `updated_at`")
    assert "QUALIFY ROW_NUMBER() OVER (PARTITION BY `id` ORDER BY `updated_at` DESC) = 1" in insert


def test_merge_skips_dedupe_when_the_source_key_is_unique():
    insert = table_statements(BQ, "raw_mysql", "raw_mysql_staging", _plan(unique_key=True), WINDOW)[-1]
    assert "QUALIFY" not in insert


def test_many_partition_days_become_one_range():
    days = tuple(date.fromordinal(date(2020, 1, 1).toordinal() + n) for n in range(1500))
    delete = next(
        s for s in table_statements(BQ, "d", "d_staging", _plan(partition_days=days), WINDOW) if "DELETE" in s
    )
    assert "DATE(t.`created_at`) BETWEEN DATE '2020-01-01' AND DATE '2024-02-08'" in delete


def test_window_replace_deletes_only_the_window():
    plan = _plan(primary_key=(), partition=None, cursor="created_at")
    delete = next(s for s in table_statements(BQ, "raw_mysql", "raw_mysql_staging", plan, WINDOW) if "DELETE" in s)
    assert delete == (
        "DELETE FROM `my-project`.`raw_mysql`.`orders` WHERE `created_at` >= TIMESTAMP '2024-03-01T00:00:00+00:00' "
        "AND `created_at` < TIMESTAMP '2024-03-02T00:00:00+00:00'"
    )


def test_window_replace_on_a_date_cursor_uses_date_bounds():
    plan = _plan(primary_key=(), partition=None, cursor="day", replace_bounds=(date(2024, 3, 1), date(2024, 3, 2)))
    delete = next(s for s in table_statements(DuckDBDialect(), "raw", "raw_staging", plan, WINDOW) if "DELETE" in s)
    assert delete.endswith("\"day\" >= DATE '2024-03-01' AND \"day\" < DATE '2024-03-02'")


def test_empty_chunk_of_a_merged_table_changes_nothing_and_of_an_append_only_table_only_deletes():
    assert table_statements(BQ, "d", "d_staging", _plan(staged_rows=0), WINDOW) == []
    replace = table_statements(BQ, "d", "d_staging", _plan(staged_rows=0, primary_key=()), WINDOW)
    assert len(replace) == 1
    assert replace[0].startswith("DELETE FROM `my-project`.`d`.`orders` WHERE `updated_at` >= ")


def test_a_chunk_is_one_transaction_rolled_back_on_error():
    script = BQ.wrap_transaction(["DELETE FROM x WHERE TRUE", "INSERT INTO x SELECT 1"])
    assert len(script) == 1
    assert re.search(r"BEGIN TRANSACTION;.*DELETE.*INSERT.*COMMIT TRANSACTION;", script[0], re.S)
    assert "EXCEPTION WHEN ERROR THEN\nROLLBACK TRANSACTION;" in script[0]


def test_bigquery_pipeline_stages_through_gcs_when_a_bucket_is_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", "gs://elt-staging/dlt")
    destination = Destination("bigquery", "raw_mysql", "extract_mysql_raw_mysql", tmp_path)
    assert destination.pipeline.destination.destination_name == "bigquery"
    assert destination.pipeline.staging is not None
    assert destination.pipeline.dataset_name == "raw_mysql_staging"
    assert destination.max_decimal_precision == 76


def test_bigquery_pipeline_loads_directly_without_a_bucket(tmp_path, monkeypatch):
    monkeypatch.delenv("DESTINATION__FILESYSTEM__BUCKET_URL", raising=False)
    destination = Destination("bigquery", "raw_mysql", "extract_mysql_raw_mysql", tmp_path)
    assert destination.pipeline.staging is None


@pytest.mark.integration
@pytest.mark.skipif(
    not (os.environ.get("GOOGLE_CLOUD_PROJECT") and os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")),
    reason="needs GOOGLE_CLOUD_PROJECT and GOOGLE_APPLICATION_CREDENTIALS (real BigQuery)",
)
def test_real_bigquery_window_load_is_idempotent(mysql_db, run_cli, manifest, monkeypatch):
    from google.cloud import bigquery

    mysql_db.execute("CREATE TABLE events (id INT, created_at DATETIME(6) NOT NULL, KEY (created_at))")
    mysql_db.execute("INSERT INTO events VALUES (%s, %s)", args=[(i, f"2024-03-01 0{i}:00") for i in range(5)])
    dataset = f"it_extract_{os.getpid()}"
    monkeypatch.setenv("DESTINATION__BIGQUERY__LOCATION", os.environ.get("BIGQUERY_LOCATION", "EU"))
    config = manifest({"mysql": {"tables": {"events": {"cursor": "created_at"}}}})
    args = ("--source", "mysql", "--config", str(config), "--destination", "bigquery", "--dataset", dataset,
            "--since", "2024-03-01", "--until", "2024-03-02")  # fmt: skip
    client = bigquery.Client(project=os.environ["GOOGLE_CLOUD_PROJECT"])
    try:
        assert run_cli(*args).code == 0
        assert run_cli(*args).code == 0
        rows = list(client.query(f"SELECT count(*) AS n FROM `{dataset}.events`").result())
        assert rows[0].n == 5
        table = client.get_table(f"{dataset}.events")
        assert table.time_partitioning.field == "created_at"
    finally:
        for name in (dataset, f"{dataset}_staging"):
            client.delete_dataset(name, delete_contents=True, not_found_ok=True)


def test_bigquery_impersonates_the_workload_service_account_when_asked(tmp_path, monkeypatch):
    import google.auth
    from google.auth import impersonated_credentials
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.setenv("GOOGLE_IMPERSONATE_SERVICE_ACCOUNT", "elt-extract@my-project.iam.gserviceaccount.com")
    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", "gs://elt-staging/dlt")
    monkeypatch.setattr(google.auth, "default", lambda scopes=None: (AnonymousCredentials(), "my-project"))
    destination = Destination("bigquery", "raw_mysql", "extract_mysql_raw_mysql", tmp_path)
    config = destination.pipeline.destination.config_params["credentials"]
    native = config.to_native_credentials()
    assert isinstance(native, impersonated_credentials.Credentials)
    assert native.service_account_email == "elt-extract@my-project.iam.gserviceaccount.com"
    assert config.project_id == "my-project"
    assert destination.pipeline.staging.config_params["credentials"] is config


def test_bigquery_without_credentials_is_a_one_line_config_error(mysql_db, manifest, run_cli, monkeypatch, tmp_path):
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    def no_adc(*args, **kwargs):
        raise DefaultCredentialsError("no Application Default Credentials")

    monkeypatch.setattr(google.auth, "default", no_adc)
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    mysql_db.execute("CREATE TABLE events (id INT, created_at DATETIME(6) NOT NULL, KEY (created_at))")
    mysql_db.execute("INSERT INTO events VALUES (1, '2024-03-01 10:00')")
    config = manifest({"mysql": {"tables": {"events": {"cursor": "created_at"}}}})
    result = run_cli("--source", "mysql", "--config", str(config), "--destination", "bigquery", "--since", "2024-03-01",
                     "--until", "2024-03-02")  # fmt: skip
    assert result.code == 2
    assert len(result.error_lines) == 1
    assert result.error_lines[0].startswith("error: bigquery:raw_mysql: ")
    assert "Application Default Credentials" in result.error_lines[0]
