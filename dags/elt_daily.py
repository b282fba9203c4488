"""elt_daily: extract every source into BigQuery, build dbt for the same window, refresh Power BI.

preflight -> extract_<source> (one pod per source, in parallel) -> dbt_build -> powerbi_refresh

Shape, sources, resources and secrets come from `elt/config.yaml`; deployment values (images, project,
Power BI ids) are Airflow Variables rendered at run time. Parsing this file reads nothing but that YAML.
See docs/dags.md.
"""

from __future__ import annotations

from elt.callbacks import notify_failure, notify_retry
from elt.compat import DAG, CronDataIntervalTimetable, Param, task
from elt.config import load_config
from elt.pod import REPORT_PATH, SINCE, UNTIL, build_pod_task, image_template, var_template
from elt.preflight import check_run, window_macro

CONFIG = load_config()

DOC_MD = f"""
# elt_daily

Loads the half-open UTC window `[data_interval_start, data_interval_end)` (or `params.since`/`params.until`
on a manual run) from {", ".join(CONFIG.sources)} into BigQuery `raw_<source>`, then runs `dbt build
--target {CONFIG.dbt_target}` for the same window, then refreshes the Power BI dataset.
A failed source stops dbt and Power BI: **no partial day is published**.

## Triage
1. Open the failed task's log. Its last line from the pod is the extractor's `run_finished` JSON
   (source, status, rows, duration_s); a line `elt_pod_failed` gives the exit code and the retry decision.
2. Exit code → action:
   - **75** transient (network, timeout, rate limit): retried automatically with backoff. If retries ran
     out, check the source's health, then *Clear* the task.
   - **2** usage/config (bad window, unknown table, missing secret): fix config or the Kubernetes
     Secret (`elt-<source>`), then *Clear*. Not retried.
   - **3** data mismatch (source and BigQuery counts disagree): investigate before re-running. Not retried.
   - **1** unexpected failure: read the traceback in the log; fix, then *Clear*. Not retried.
   - **OOMKilled**: raise `sources.<source>.resources.memory` in `dags/elt/config.yaml`.
   - no exit code (pod never started): the log shows pod events (image pull, quota). Check the Variables
     `elt_image_registry`/`elt_image_tag`, then *Clear*.
3. `preflight` failed: the window or a Variable is wrong; its message says which. Re-trigger correctly.
4. Re-running is safe: each load replaces exactly its window. Clearing `extract_<source>` with
   *Downstream* re-runs dbt and the Power BI refresh for that day.

Backfill: `airflow backfill create --dag-id {CONFIG.dag.dag_id} --from-date … --to-date …` (Airflow 3),
`airflow dags backfill -s … -e … {CONFIG.dag.dag_id}` (Airflow 2), or trigger with params
`{{"since": "2024-03-01T00:00:00Z", "until": "2024-03-08T00:00:00Z"}}`. Details: docs/dags.md.
"""

with DAG(
    dag_id=CONFIG.dag.dag_id,
    description="Extract all sources -> dbt build -> Power BI refresh, for one UTC window",
    # Explicit data-interval timetable: Airflow 3's plain cron schedule would give start == end (empty window).
    schedule=CronDataIntervalTimetable(CONFIG.dag.schedule, timezone="UTC"),
    start_date=CONFIG.dag.start_date,
    catchup=False,
    max_active_runs=CONFIG.dag.max_active_runs,
    max_active_tasks=CONFIG.dag.max_active_tasks,
    tags=list(CONFIG.dag.tags),
    doc_md=DOC_MD,
    default_args={
        "owner": CONFIG.dag.owner,
        "on_failure_callback": notify_failure,
        "on_retry_callback": notify_retry,
    },
    params={
        "since": Param(
            None,
            type=["null", "string"],
            description="Manual window start, ISO-8601 UTC (e.g. 2024-03-01T00:00:00Z). Set with until.",
        ),
        "until": Param(
            None,
            type=["null", "string"],
            description="Manual window end (exclusive), ISO-8601 UTC. Set with since.",
        ),
    },
    user_defined_macros={"elt_window": window_macro},
) as dag:

    @task(task_id="preflight", retries=0, doc_md="Validates the window and the required Variables.")
    def preflight(**context: object) -> dict[str, str]:
        """Fail the run once, clearly and without retry, when its window or settings are unusable."""
        return check_run(context, CONFIG.required_variables)

    checked = preflight()

    bigquery_env = {
        "DESTINATION__BIGQUERY__LOCATION": var_template("elt_bq_location", CONFIG.variables["elt_bq_location"]),
        "DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID": var_template(
            "elt_gcp_project", CONFIG.variables["elt_gcp_project"]
        ),
    }
    extracts = [
        build_pod_task(
            CONFIG,
            task_id=f"extract_{source}",
            image=image_template(CONFIG, "extract"),
            spec=spec,
            arguments=[
                "--source",
                source,
                "--since",
                SINCE,
                "--until",
                UNTIL,
                "--destination",
                "bigquery",
                "--report",
                REPORT_PATH,
            ],
            env={
                **bigquery_env,
                "GOOGLE_IMPERSONATE_SERVICE_ACCOUNT": var_template(
                    "elt_extract_service_account", CONFIG.variables["elt_extract_service_account"]
                ),
                "DESTINATION__FILESYSTEM__BUCKET_URL": "gs://"
                + var_template("elt_staging_bucket", CONFIG.variables["elt_staging_bucket"]),
            },
            labels={"elt-role": "extract", "elt-source": source},
            doc_md=f"Extracts `{source}` for the run's window into BigQuery `raw_{source}`.",
        )
        for source, spec in CONFIG.sources.items()
    ]

    enabled_sources = repr(list(CONFIG.sources))
    dbt_build = build_pod_task(
        CONFIG,
        task_id="dbt_build",
        image=image_template(CONFIG, "dbt"),
        spec=CONFIG.dbt,
        arguments=[
            "build",
            "--target",
            CONFIG.dbt_target,
            "--vars",
            "{{ elt_window(params, data_interval_start, data_interval_end)"
            f".dbt_vars(enabled_sources={enabled_sources}) }}}}",
        ],
        env={
            "DBT_BIGQUERY_PROJECT": bigquery_env["DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID"],
            "DBT_BIGQUERY_LOCATION": bigquery_env["DESTINATION__BIGQUERY__LOCATION"],
            "DBT_IMPERSONATE_SERVICE_ACCOUNT": var_template(
                "elt_dbt_service_account", CONFIG.variables["elt_dbt_service_account"]
            ),
        },
        labels={"elt-role": "dbt"},
        doc_md="Runs `dbt build` for the run's window (runs only when every source loaded).",
    )

    powerbi_refresh = build_pod_task(
        CONFIG,
        task_id="powerbi_refresh",
        image=image_template(CONFIG, "extract"),
        spec=CONFIG.powerbi,
        cmds=["python", "-m", "extract.powerbi"],
        arguments=[
            "refresh",
            "--workspace-id",
            var_template("elt_powerbi_workspace_id", CONFIG.variables["elt_powerbi_workspace_id"]),
            "--dataset-id",
            var_template("elt_powerbi_dataset_id", CONFIG.variables["elt_powerbi_dataset_id"]),
        ],
        labels={"elt-role": "powerbi"},
        doc_md="Refreshes the Power BI dataset once dbt has published the window.",
    )

    checked >> extracts >> dbt_build >> powerbi_refresh
