"""elt_daily on Airflow 3: it loads, follows the policy, and renders pods carrying the exact window."""

from __future__ import annotations

import ast
import itertools
import json
import logging
import subprocess
import sys
from datetime import timedelta
from unittest import mock

import pytest

from tests.dags.render import (
    DAGS_DIR,
    REPO,
    SINCE,
    TEST_VARIABLES,
    UNTIL,
    airflow_variables,
    backfill_intervals,
    base_container,
    build_context,
    failure_outcome,
    load_dagbag,
    pod_summary,
    render_extract_pod,
    render_pod,
    render_task,
    scheduled_intervals,
)

POD_TASKS = [
    "extract_mysql",
    "extract_mongodb",
    "extract_hubspot",
    "extract_salesforce",
    "dbt_build",
    "powerbi_refresh",
]


def test_dagbag_imports_with_zero_errors() -> None:
    bag = load_dagbag()
    assert bag.import_errors == {}
    assert list(bag.dags) == ["elt_daily"]


def test_parsing_has_no_side_effects() -> None:
    # A fresh interpreter where any Variable read, database connection or network call raises: the DAG
    # must still parse with zero errors.
    probe = f"""
import os, socket, sys, tempfile
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp()
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
def forbidden(*a, **k):
    raise RuntimeError("side effect at parse time")
import sqlalchemy.engine.base, airflow.sdk, airflow.models.variable
airflow.sdk.Variable.get = forbidden
airflow.models.variable.Variable.get = forbidden
sqlalchemy.engine.base.Engine.connect = forbidden
socket.socket.connect = forbidden
sys.path.insert(0, {str(REPO)!r})
from tests.dags.render import load_dagbag
bag = load_dagbag()
print("RESULT", len(bag.dags), repr(bag.import_errors))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert result == ["RESULT 1 {}"], done.stderr[-2000:]


def test_dag_folder_never_imports_the_extractor_or_reads_the_clock() -> None:
    for path in DAGS_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                roots = set()
            assert not roots & {"extract", "dlt"}, f"{path} imports {roots}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in {"now", "utcnow", "today"}, f"{path}:{node.lineno} reads the clock"
                target = node.func.value
                if node.func.attr == "get" and isinstance(target, ast.Name):
                    assert target.id != "Variable", f"{path}:{node.lineno} reads a Variable"


def test_policy_tags_owner_schedule_and_alerting(dag, config) -> None:
    assert dag.tags
    assert set(dag.tags) == set(config.dag.tags)
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.start_date == config.dag.start_date
    assert dag.start_date.utcoffset() == timedelta(0)
    assert "## Triage" in dag.doc_md
    assert "no partial day is published" in dag.doc_md
    for task in dag.tasks:
        assert task.owner == config.dag.owner
        assert [c.__name__ for c in task.on_failure_callback] == ["notify_failure"], task.task_id
        assert [c.__name__ for c in task.on_retry_callback] == ["notify_retry"], task.task_id


def test_pod_tasks_retry_with_backoff_and_have_timeouts(dag, config) -> None:
    assert sorted(t.task_id for t in dag.tasks if hasattr(t, "build_pod_request_obj")) == sorted(POD_TASKS)
    for task_id in POD_TASKS:
        task = dag.get_task(task_id)
        assert task.retries == config.retries.count > 0
        assert task.retry_exponential_backoff > 1  # Airflow 3: a multiplier
        assert task.retry_delay == timedelta(seconds=config.retries.delay_seconds)
        assert task.max_retry_delay == timedelta(seconds=config.retries.max_delay_seconds)
        assert task.execution_timeout is not None
    assert dag.get_task("preflight").retries == 0


def test_schedule_yields_consecutive_full_utc_days(dag) -> None:
    intervals = scheduled_intervals(dag, 3)
    assert intervals[0][0] == dag.start_date
    for (start, end), (next_start, _) in itertools.pairwise(intervals):
        assert end - start == timedelta(days=1)
        assert end == next_start
        assert start.utcoffset() == timedelta(0)


def test_a_backfill_is_one_run_per_day_each_rendering_its_own_window() -> None:
    from_date, to_date = SINCE, SINCE + timedelta(days=6)
    intervals = backfill_intervals(from_date, to_date)
    # --to-date is inclusive of logical dates: 7 runs cover [from_date, to_date + 1 day).
    assert [start for start, _ in intervals] == [from_date + timedelta(days=n) for n in range(7)]
    assert intervals[-1][1] == to_date + timedelta(days=1)
    for start, end in intervals:
        args = base_container(render_pod("extract_mysql", start, end)).args
        assert (args[args.index("--since") + 1], args[args.index("--until") + 1]) == (
            start.isoformat(),
            end.isoformat(),
        )


def test_a_failed_source_stops_dbt_and_power_bi(dag, config) -> None:
    dbt = dag.get_task("dbt_build")
    extracts = {f"extract_{s}" for s in config.sources}
    assert dbt.upstream_task_ids == extracts
    assert dbt.trigger_rule == "all_success"
    powerbi = dag.get_task("powerbi_refresh")
    assert powerbi.upstream_task_ids == {"dbt_build"}
    assert powerbi.trigger_rule == "all_success"
    for task_id in extracts:
        assert dag.get_task(task_id).upstream_task_ids == {"preflight"}


@pytest.mark.parametrize("source", ["mysql", "mongodb", "hubspot", "salesforce"])
def test_extract_pod_carries_the_exact_window_resources_and_secrets(source, config) -> None:
    pod = render_pod(f"extract_{source}", SINCE, UNTIL)
    summary = pod_summary(pod)
    spec = config.sources[source]
    assert summary["namespace"] == "composer-user-workloads"
    assert summary["image"] == (f"{TEST_VARIABLES['elt_image_registry']}/extract:{TEST_VARIABLES['elt_image_tag']}")
    assert summary["command"] is None  # the image's entrypoint: python -m extract
    assert summary["args"] == [
        "--source",
        source,
        "--since",
        SINCE.isoformat(),
        "--until",
        UNTIL.isoformat(),
        "--destination",
        "bigquery",
        "--report",
        "/tmp/report.json",
    ]
    assert (
        summary["requests"]
        == summary["limits"]
        == {
            "cpu": spec.resources.cpu,
            "memory": spec.resources.memory,
        }
    )
    assert summary["secret_env"] == {ref.env: [ref.secret, ref.key] for ref in spec.secrets}
    assert summary["env"]["DESTINATION__BIGQUERY__LOCATION"] == TEST_VARIABLES["elt_bq_location"]
    assert summary["env"]["DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID"] == TEST_VARIABLES["elt_gcp_project"]
    # Every writable path the pod uses is on the scratch emptyDir; the root filesystem is read-only.
    assert summary["read_only_root_filesystem"] is True
    assert summary["volume_mounts"] == {"scratch": "/tmp"}
    assert summary["empty_dirs"] == {"scratch": config.cluster.scratch_size_limit}
    assert summary["termination_message_policy"] == "FallbackToLogsOnError"
    assert summary["labels"] == {"app": "elt", "elt-role": "extract", "elt-source": source}


def test_render_extract_pod_helper_returns_the_container_contract() -> None:
    image, cmds, args, env = render_extract_pod("mysql", SINCE, UNTIL)
    container = base_container(render_pod("extract_mysql", SINCE, UNTIL))
    assert (image, cmds, args) == (container.image, None, container.args)
    assert "SOURCES__MYSQL__CREDENTIALS" not in env  # secret-backed: the caller brings its own
    assert env["DESTINATION__BIGQUERY__LOCATION"] == TEST_VARIABLES["elt_bq_location"]


def test_dbt_pod_builds_the_same_window(config) -> None:
    summary = pod_summary(render_pod("dbt_build", SINCE, UNTIL))
    assert summary["image"] == f"{TEST_VARIABLES['elt_image_registry']}/dbt:{TEST_VARIABLES['elt_image_tag']}"
    assert summary["command"] is None  # the image's entrypoint: dbt
    assert summary["args"][:4] == ["build", "--target", "prod", "--vars"]
    assert json.loads(summary["args"][4]) == {
        "since": SINCE.isoformat(),
        "until": UNTIL.isoformat(),
        "enabled_sources": list(config.sources),
    }
    assert summary["env"]["DBT_BIGQUERY_PROJECT"] == TEST_VARIABLES["elt_gcp_project"]
    assert summary["requests"] == {"cpu": config.dbt.resources.cpu, "memory": config.dbt.resources.memory}


def test_power_bi_pod_runs_the_refresh_command_with_its_secrets(config) -> None:
    summary = pod_summary(render_pod("powerbi_refresh", SINCE, UNTIL))
    assert summary["image"].endswith(f"/extract:{TEST_VARIABLES['elt_image_tag']}")
    assert summary["command"] == ["python", "-m", "extract.powerbi"]
    assert summary["args"] == [
        "refresh",
        "--workspace-id",
        TEST_VARIABLES["elt_powerbi_workspace_id"],
        "--dataset-id",
        TEST_VARIABLES["elt_powerbi_dataset_id"],
    ]
    assert set(summary["secret_env"]) == {"POWERBI_TENANT_ID", "POWERBI_CLIENT_ID", "POWERBI_CLIENT_SECRET"}


def test_pods_reattach_after_a_worker_restart(dag) -> None:
    for task_id in POD_TASKS:
        assert dag.get_task(task_id).reattach_on_restart is True


def test_image_is_a_template_field_of_the_provider() -> None:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    for field in ("image", "arguments", "cmds", "env_vars", "container_resources"):
        assert field in KubernetesPodOperator.template_fields


def test_a_params_window_reaches_every_pod() -> None:
    params = {"since": "2024-02-01T00:00:00Z", "until": "2024-02-08T00:00:00Z"}
    args = base_container(render_pod("extract_hubspot", SINCE, UNTIL, params=params)).args
    assert args[args.index("--since") + 1] == "2024-02-01T00:00:00+00:00"
    assert args[args.index("--until") + 1] == "2024-02-08T00:00:00+00:00"
    dbt_vars = json.loads(base_container(render_pod("dbt_build", SINCE, UNTIL, params=params)).args[4])
    assert (dbt_vars["since"], dbt_vars["until"]) == ("2024-02-01T00:00:00+00:00", "2024-02-08T00:00:00+00:00")


def test_a_run_without_a_data_interval_fails_without_retry_instead_of_rendering() -> None:
    from elt.compat import AirflowFailException

    with pytest.raises(AirflowFailException, match="no data interval"):
        render_task("extract_mysql", None, None)


def _preflight_context(dag, params=None, since=SINCE, until=UNTIL):
    return build_context(dag, dag.get_task("preflight"), since, until, params)


def test_preflight_returns_the_window(dag, config) -> None:
    from elt.preflight import check_run

    with airflow_variables():
        result = check_run(_preflight_context(dag), config.required_variables)
    assert result == {"since": SINCE.isoformat(), "until": UNTIL.isoformat(), "origin": "data_interval"}


@pytest.mark.parametrize(
    ("params", "since", "until", "message"),
    [
        (None, None, None, "no data interval"),
        (None, SINCE, SINCE, "empty window"),
        ({"since": "2024-03-01T00:00:00Z"}, SINCE, UNTIL, "together"),
    ],
)
def test_preflight_fails_once_without_retry_on_a_bad_window(dag, config, params, since, until, message) -> None:
    from elt.compat import AirflowFailException
    from elt.preflight import check_run

    with airflow_variables(), pytest.raises(AirflowFailException, match=message):
        check_run(_preflight_context(dag, params, since, until), config.required_variables)


def test_preflight_names_missing_variables_and_their_env_vars(dag, config) -> None:
    from elt.compat import AirflowFailException
    from elt.preflight import check_run

    partial = {k: v for k, v in TEST_VARIABLES.items() if k != "elt_image_tag"}
    with airflow_variables(partial), pytest.raises(AirflowFailException) as excinfo:
        check_run(_preflight_context(dag), config.required_variables)
    assert "elt_image_tag" in str(excinfo.value)
    assert "AIRFLOW_VAR_ELT_IMAGE_TAG" in str(excinfo.value)


@pytest.mark.parametrize(
    ("task_id", "exit_code", "reason", "expected"),
    [
        ("extract_mysql", 0, "Completed", "ok"),
        ("extract_mysql", 75, "Error", "retry"),
        ("extract_mysql", 1, "Error", "fail"),
        ("extract_mysql", 2, "Error", "fail"),
        ("extract_mysql", 3, "Error", "fail"),
        ("extract_mysql", 137, "OOMKilled", "fail"),
        ("extract_mysql", 143, "Error", "retry"),
        ("extract_mysql", None, None, "retry"),
        ("powerbi_refresh", 75, "Error", "retry"),
        ("powerbi_refresh", 2, "Error", "fail"),
        ("dbt_build", 2, "Error", "retry"),
        ("dbt_build", 1, "Error", "fail"),
    ],
)
def test_only_retryable_failures_keep_their_retries(task_id, exit_code, reason, expected) -> None:
    assert failure_outcome(task_id, exit_code, reason) == expected


class _FakeTI:
    dag_id = "elt_daily"
    task_id = "extract_mysql"
    try_number = 4
    max_tries = 3
    log_url = "http://airflow/log"


def _failure_context(dag, exception):
    context = build_context(dag, dag.get_task("extract_mysql"), SINCE, UNTIL)
    context.update(ti=_FakeTI(), exception=exception)
    return context


def test_failure_callback_logs_one_structured_line_and_emails(dag, caplog) -> None:
    from elt.callbacks import notify_failure

    with (
        airflow_variables(),
        mock.patch("airflow.utils.email.send_email") as send,
        caplog.at_level(logging.ERROR, logger="elt.alerts"),
    ):
        notify_failure(_failure_context(dag, RuntimeError("Pod extract-mysql-x returned a failure.\nmore")))
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "elt.alerts"]
    assert len(records) == 1
    record = records[0]
    assert record["event"] == "elt_task_failed"
    assert (record["dag_id"], record["task_id"], record["try_number"]) == ("elt_daily", "extract_mysql", 4)
    assert record["error"] == "Pod extract-mysql-x returned a failure."
    assert record["data_interval"] == [SINCE.isoformat(), UNTIL.isoformat()]
    send.assert_called_once()
    assert send.call_args.kwargs["to"] == [TEST_VARIABLES["elt_alert_email"]]
    assert "extract_mysql" in send.call_args.kwargs["subject"]


def test_failure_callback_survives_a_broken_mail_setup(dag, caplog) -> None:
    from elt.callbacks import notify_failure

    with (
        airflow_variables(),
        mock.patch("airflow.utils.email.send_email", side_effect=OSError("smtp down")),
        caplog.at_level(logging.WARNING, logger="elt.alerts"),
    ):
        notify_failure(_failure_context(dag, RuntimeError("boom")))
    events = [json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "elt.alerts"]
    assert events == ["elt_task_failed", "elt_alert_email_failed"]


def test_failure_callback_without_alert_email_only_logs(dag) -> None:
    from elt.callbacks import notify_failure

    variables = {**TEST_VARIABLES, "elt_alert_email": ""}
    with airflow_variables(variables), mock.patch("airflow.utils.email.send_email") as send:
        notify_failure(_failure_context(dag, RuntimeError("boom")))
    send.assert_not_called()
