"""Load the DAG folder and render its pods without a cluster or a metadata database, on Airflow 2 or 3.

Used by the Airflow 3 tests here, by `airflow2_check.py` (run inside `.venv-airflow2`) and by the pod
contract test, which runs the rendered extract command against a real MariaDB:

    image, cmds, args, env = render_extract_pod("mysql", since, until)
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parents[2]
DAGS_DIR = REPO / "dags"
DAG_ID = "elt_daily"

# The fixed data interval of the tests: one UTC day.
SINCE = datetime(2024, 3, 1, tzinfo=UTC)
UNTIL = datetime(2024, 3, 2, tzinfo=UTC)

# What Terraform sets on the Composer environment (AIRFLOW_VAR_*), with recognisable test values.
TEST_VARIABLES: dict[str, str] = {
    "elt_image_registry": "europe-west1-docker.pkg.dev/test-project/elt",
    "elt_image_tag": "0123abc",
    "elt_gcp_project": "test-project",
    "elt_bq_location": "europe-west1",
    "elt_staging_bucket": "test-project-elt-staging",
    "elt_alert_email": "data-alerts@example.com",
    "elt_powerbi_workspace_id": "aaaaaaaa-0000-0000-0000-000000000001",
    "elt_powerbi_dataset_id": "bbbbbbbb-0000-0000-0000-000000000002",
}


def airflow_major() -> int:
    """The installed Airflow's major version."""
    import airflow

    return int(airflow.__version__.split(".")[0])


@contextlib.contextmanager
def airflow_variables(values: Mapping[str, str] = TEST_VARIABLES) -> Iterator[None]:
    """Set Airflow Variables the way Composer does, as `AIRFLOW_VAR_<NAME>` env vars, for the block."""
    names = {f"AIRFLOW_VAR_{name.upper()}": value for name, value in values.items()}
    with mock.patch.dict(os.environ, names):
        yield


def load_dagbag() -> Any:
    """Parse the DAG folder as the DAG processor does (the folder on sys.path) and return the DagBag."""
    if str(DAGS_DIR) not in sys.path:
        sys.path.append(str(DAGS_DIR))  # Composer's dags/ folder (Airflow 3: the bundle) is on sys.path
    if airflow_major() >= 3:
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=str(DAGS_DIR), bundle_path=DAGS_DIR)
    from airflow.models import DagBag

    return DagBag(dag_folder=str(DAGS_DIR), include_examples=False)


_DAG_CACHE: dict[str, Any] = {}


def get_dag() -> Any:
    """The parsed `elt_daily` DAG (parsed once per process)."""
    if DAG_ID not in _DAG_CACHE:
        bag = load_dagbag()
        if bag.import_errors:
            raise AssertionError(f"DAG import errors: {bag.import_errors}")
        _DAG_CACHE[DAG_ID] = bag.dags[DAG_ID]
    return _DAG_CACHE[DAG_ID]


def build_context(
    dag: Any,
    task: Any,
    since: datetime | None,
    until: datetime | None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A hand-built task context for one run: enough for the templates and the provider's pod labels.

    Args:
        dag: The DAG.
        task: The task to render.
        since: The run's data interval start (None: a run without a data interval).
        until: The run's data interval end.
        params: Run params (e.g. a manual `since`/`until`).

    Returns:
        The context.
    """
    import pendulum

    if airflow_major() >= 3:
        from airflow.sdk.execution_time.context import VariableAccessor
    else:
        from airflow.utils.context import VariableAccessor

    start = pendulum.instance(since) if since else None
    end = pendulum.instance(until) if until else None
    run_id = f"scheduled__{end.isoformat()}" if end else "manual__test"
    ti = SimpleNamespace(
        dag_id=dag.dag_id,
        task_id=task.task_id,
        run_id=run_id,
        try_number=1,
        map_index=-1,
        execution_date=start,
        logical_date=start,
    )
    return {
        "dag": dag,
        "task": task,
        "ti": ti,
        "task_instance": ti,
        "run_id": run_id,
        "logical_date": start,
        "data_interval_start": start,
        "data_interval_end": end,
        "params": {**{name: None for name in dag.params}, **(params or {})},
        "var": {"value": VariableAccessor(deserialize_json=False), "json": VariableAccessor(deserialize_json=True)},
    }


def render_task(
    task_id: str,
    since: datetime | None,
    until: datetime | None,
    params: Mapping[str, Any] | None = None,
    variables: Mapping[str, str] = TEST_VARIABLES,
) -> tuple[Any, dict[str, Any]]:
    """Render a copy of one task's templates for a window; return the rendered task and its context."""
    dag = get_dag()
    task = copy.deepcopy(dag.get_task(task_id))
    context = build_context(dag, task, since, until, params)
    with airflow_variables(variables):
        task.render_template_fields(context, jinja_env=dag.get_template_env())
    return task, context


def render_pod(
    task_id: str,
    since: datetime | None,
    until: datetime | None,
    params: Mapping[str, Any] | None = None,
    variables: Mapping[str, str] = TEST_VARIABLES,
) -> Any:
    """Render one pod task and build the `V1Pod` it would submit, without a cluster."""
    task, context = render_task(task_id, since, until, params, variables)
    if airflow_major() >= 3:
        return task.build_pod_request_obj(context, dry_run=True)
    # Provider 10.10 has no dry_run: it asks the hook whether it runs in a cluster, which would load the
    # kube config; answer "no" instead.
    from airflow.providers.cncf.kubernetes.hooks.kubernetes import KubernetesHook

    with mock.patch.object(KubernetesHook, "is_in_cluster", new_callable=mock.PropertyMock, return_value=False):
        return task.build_pod_request_obj(context)


def base_container(pod: Any) -> Any:
    """The pod's `base` container (the one the provider runs the image in)."""
    return next(c for c in pod.spec.containers if c.name == "base")


def render_extract_pod(
    source: str, since: datetime, until: datetime
) -> tuple[str, list[str] | None, list[str], dict[str, str]]:
    """Render the extract pod of one source for a window.

    Args:
        source: A source in `dags/elt/config.yaml`.
        since: Window start (timezone-aware UTC).
        until: Window end (timezone-aware UTC).

    Returns:
        `(image, cmds, args, env)`: the container's image, its entrypoint override (None: the image's
        entrypoint, `python -m extract`), its arguments, and its plain env vars (secret-backed env vars
        are omitted: the caller supplies its own credentials).
    """
    for instant in (since, until):
        if instant.utcoffset() is None:
            raise ValueError(f"{instant!r} must be timezone-aware UTC")
    pod = render_pod(f"extract_{source}", since.astimezone(UTC), until.astimezone(UTC))
    container = base_container(pod)
    env = {e.name: e.value for e in container.env or [] if e.value_from is None}
    return container.image, (list(container.command) if container.command else None), list(container.args), env


def pod_summary(pod: Any) -> dict[str, Any]:
    """The parts of a pod that the DAG decides, as plain data (comparable across Airflow majors)."""
    container = base_container(pod)
    resources = container.resources
    return {
        "namespace": pod.metadata.namespace,
        "image": container.image,
        "image_pull_policy": container.image_pull_policy,
        "command": list(container.command) if container.command else None,
        "args": list(container.args or []),
        "env": {e.name: e.value for e in container.env or [] if e.value_from is None},
        "secret_env": {
            e.name: [e.value_from.secret_key_ref.name, e.value_from.secret_key_ref.key]
            for e in container.env or []
            if e.value_from is not None and e.value_from.secret_key_ref is not None
        },
        "requests": dict(resources.requests or {}),
        "limits": dict(resources.limits or {}),
        "volume_mounts": {m.name: m.mount_path for m in container.volume_mounts or []},
        "empty_dirs": {v.name: v.empty_dir.size_limit for v in pod.spec.volumes or [] if v.empty_dir is not None},
        "read_only_root_filesystem": container.security_context.read_only_root_filesystem,
        "run_as_non_root": container.security_context.run_as_non_root,
        "termination_message_policy": container.termination_message_policy,
        "labels": {k: v for k, v in (pod.metadata.labels or {}).items() if k in ("app", "elt-role", "elt-source")},
    }


def finished_pod(exit_code: int | None, reason: str | None = "Error") -> Any:
    """A `V1Pod` as the API server reports it after its `base` container ended (None: never ran)."""
    from kubernetes.client import models as k8s

    if exit_code is None:
        state = k8s.V1ContainerState(waiting=k8s.V1ContainerStateWaiting(reason="ImagePullBackOff"))
        phase = "Pending"
    else:
        state = k8s.V1ContainerState(terminated=k8s.V1ContainerStateTerminated(exit_code=exit_code, reason=reason))
        phase = "Succeeded" if exit_code == 0 else "Failed"
    status = k8s.V1ContainerStatus(name="base", image="img", image_id="", ready=False, restart_count=0, state=state)
    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name="extract-mysql-x", namespace="composer-user-workloads"),
        status=k8s.V1PodStatus(phase=phase, container_statuses=[status]),
    )


def failure_outcome(task_id: str, exit_code: int | None, reason: str | None = "Error") -> str:
    """Run the task's provider cleanup for a finished pod and name what it raised.

    Returns:
        `ok` (nothing raised), `retry` (an exception Airflow retries) or `fail` (`AirflowFailException`:
        the remaining retries are skipped).
    """
    task = copy.deepcopy(get_dag().get_task(task_id))  # get_dag puts dags/ on sys.path for `elt`
    from elt.compat import AirflowFailException

    pod = finished_pod(exit_code, reason)
    # Cleanup talks to the API server (patch, delete, read events); those calls are not under test.
    quiet = ("patch_already_checked", "process_pod_deletion", "_read_pod_container_states", "_read_pod_events")
    with contextlib.ExitStack() as stack:
        for name in quiet:
            stack.enter_context(mock.patch.object(type(task), name, autospec=True))
        stack.enter_context(mock.patch.object(type(task), "is_istio_enabled", return_value=False))
        try:
            task.cleanup(pod, pod)
        except AirflowFailException:
            return "fail"
        except Exception:
            return "retry"
    return "ok"


def scheduled_intervals(dag: Any, count: int) -> list[tuple[datetime, datetime]]:
    """The first `count` data intervals the scheduler would create (catchup on, from `start_date`)."""
    from airflow.timetables.base import TimeRestriction

    timetable = dag.timetable
    if airflow_major() >= 3:
        # The DAG holds the SDK's timetable; the scheduler's (with next_dagrun_info) is the core one.
        from airflow.serialization.encoders import coerce_to_core_timetable

        timetable = coerce_to_core_timetable(timetable)
    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=True)
    intervals: list[tuple[datetime, datetime]] = []
    last = None
    for _ in range(count):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        last = info.data_interval
        intervals.append((last.start, last.end))
    return intervals


def serialized_dag() -> Any:
    """The DAG as the scheduler sees it: serialized to JSON and back (this also proves it serializes)."""
    if airflow_major() >= 3:
        from airflow.serialization.serialized_objects import DagSerialization as Serialization
    else:
        from airflow.serialization.serialized_objects import SerializedDAG as Serialization
    return Serialization.from_dict(json.loads(json.dumps(Serialization.to_dict(get_dag()))))


def backfill_intervals(from_date: datetime, to_date: datetime) -> list[tuple[datetime, datetime]]:
    """The data intervals of the runs `airflow backfill create` / `airflow dags backfill` would create.

    Both commands enumerate runs with the scheduler's `iter_dagrun_infos_between(from, to)`: one run per
    interval whose logical date (the interval's start) lies in `[from_date, to_date]`.
    """
    dag = serialized_dag()
    infos = dag.iter_dagrun_infos_between(from_date, to_date)
    return [(info.data_interval.start, info.data_interval.end) for info in infos]
