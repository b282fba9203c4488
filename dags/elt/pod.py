"""The one pod factory: every task of the DAG is a pod built by `build_pod_task`.

The Composer defaults live here, once, and `build_pod_task`'s docstring says why each is set.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from elt.compat import (
    AIRFLOW_VERSION,
    EXPONENTIAL_BACKOFF,
    AirflowException,
    AirflowFailException,
    AirflowSkipException,
)
from elt.config import EltConfig, PodSpec
from elt.exit_codes import container_exit, decide_retry
from kubernetes.client import models as k8s

log = logging.getLogger(__name__)

# The run's window, rendered by the `elt_window` macro (elt/window.py) at run time.
SINCE = "{{ elt_window(params, data_interval_start, data_interval_end).since }}"
UNTIL = "{{ elt_window(params, data_interval_start, data_interval_end).until }}"

# Reattach to a still-running pod after a worker restart. Provider 10.25 on Airflow 3.3+ spells it `durable`
# (it deprecates `reattach_on_restart` there); older Airflow or providers only know `reattach_on_restart`.
_DURABLE = "durable" in inspect.signature(KubernetesPodOperator.__init__).parameters and tuple(
    int(part) for part in AIRFLOW_VERSION.split(".")[:2]
) >= (3, 3)
REATTACH = {"durable": True} if _DURABLE else {"reattach_on_restart": True}

SCRATCH_DIR = "/tmp"  # noqa: S108 - a per-pod emptyDir, not the node's /tmp
REPORT_PATH = f"{SCRATCH_DIR}/report.json"


def var_template(name: str, default: str | None) -> str:
    """A Jinja expression that reads an Airflow Variable at run time (never at parse time).

    Args:
        name: The Variable's name (Composer: env var `AIRFLOW_VAR_<NAME>`).
        default: Its default; None (required) renders as empty and is caught by the preflight task.

    Returns:
        The template text.
    """
    return "{{ var.value.get(%r, %r) }}" % (name, default or "")  # noqa: UP031 - Jinja braces


def image_template(cfg: EltConfig, role: str) -> str:
    """The image of one role (`extract` or `dbt`): `<registry>/<name>:<tag>`, both parts from Variables.

    Args:
        cfg: The DAG config.
        role: A key of `images:` in config.yaml.

    Returns:
        The template text.
    """
    registry = var_template("elt_image_registry", cfg.variables.get("elt_image_registry"))
    tag = var_template("elt_image_tag", cfg.variables.get("elt_image_tag"))
    return f"{registry}/{cfg.images[role]}:{tag}"


class EltPodOperator(KubernetesPodOperator):
    """A `KubernetesPodOperator` that retries only the failures a retry can fix.

    After the pod finishes, a failure is classified by the base container's exit code (see
    `elt/exit_codes.py`). Non-transient failures raise `AirflowFailException`, which fails the task at once
    and skips its remaining retries on both Airflow majors.

    Args:
        retryable_exit_codes: Exit codes that a retry can fix (the extractor's 75).
        **kwargs: Passed to `KubernetesPodOperator`.
    """

    def __init__(self, *, retryable_exit_codes: Collection[int] = (75,), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retryable_exit_codes = frozenset(retryable_exit_codes)

    def cleanup(
        self,
        pod: k8s.V1Pod,
        remote_pod: k8s.V1Pod,
        xcom_result: dict | None = None,
        context: Any = None,
    ) -> None:
        """Clean up as the provider does, then decide whether the failure may be retried.

        Same signature on provider 10.10 and 10.25; both call it for every finished pod.
        """
        try:
            super().cleanup(pod, remote_pod, xcom_result=xcom_result, context=context)
        except AirflowSkipException:
            raise
        except AirflowException as exc:
            exit_code, reason = container_exit(remote_pod, self.base_container_name)
            decision = decide_retry(exit_code, reason, self.retryable_exit_codes)
            log.error(
                json.dumps(
                    {
                        "event": "elt_pod_failed",
                        "task_id": self.task_id,
                        "exit_code": exit_code,
                        "reason": reason,
                        "retry": decision.retry,
                        "decision": decision.reason,
                    }
                )
            )
            if not decision.retry:
                raise AirflowFailException(f"{self.task_id}: {decision.reason}. {exc}") from exc
            raise


def build_pod_task(
    cfg: EltConfig,
    *,
    task_id: str,
    image: str,
    spec: PodSpec,
    arguments: Sequence[str],
    cmds: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> EltPodOperator:
    """Build one pod task with the Composer defaults.

    The defaults, and why:

    - `namespace`, `kubernetes_conn_id`, `config_file` (config `cluster:`): Composer runs user pods in
      `composer-user-workloads` (Composer 3 ignores any other namespace) through the environment's kube
      config; pods there get the environment's service account via Workload Identity, so no key is mounted.
    - `image`: a Jinja template over the Variables `elt_image_registry` and `elt_image_tag`, rendered at run
      time (`image` is a template field on provider 10.10 and 10.25). A deploy changes the tag without
      touching the DAG, and parsing never reads a Variable.
    - `image_pull_policy="IfNotPresent"`: tags are immutable (the git sha), so a cached image is the image.
    - `container_resources`: per pod from config, requests equal to limits. Autopilot, which runs
      Composer's workloads, enforces that; it also makes the pod's memory budget explicit (heavy sources
      ask for 4 CPU / 8 GiB).
    - `volumes`/`volume_mounts` and `container_security_context`: the root filesystem is read-only and a
      per-pod `emptyDir` at `/tmp` (size-limited) is the only writable place. The images point `HOME`,
      `TMPDIR`, dlt's `DLT_DATA_DIR` and dbt's target and log paths there; the `--report` file too. All of
      it vanishes with the pod. The images run as the numeric user 10001, so `run_as_non_root` holds.
    - `secrets`: env vars from keys of Kubernetes Secrets that Terraform creates as Composer user-workloads
      secrets (filled from Secret Manager by `scripts/sync-workload-secrets.sh`). Secret values never pass
      through Airflow.
    - `get_logs=True`: the container's JSON log lines stream into the task log, where operators triage.
    - `log_events_on_failure=True`: a pod that never starts (image pull, quota) says why in the task log.
    - `termination_message_policy="FallbackToLogsOnError"`: a failed container's last log lines (the
      extractor's `run_finished` line) become its termination message, which the provider puts into the
      task's exception and so into the failure alert.
    - `on_finish_action="delete_succeeded_pod"`: successful pods go; failed pods stay for `kubectl logs`
      and `describe` (Composer's user-workloads namespace is garbage-collected by hand or by TTL).
    - `durable=True` (Airflow 3.3+; `reattach_on_restart=True` before): if the Airflow worker dies while a
      pod runs, the next try reattaches to the running pod instead of starting a second load of the same
      window.
    - `startup_timeout_seconds` (config, 600 s): Composer 3 may scale a node up and pull a large image
      before the container starts; the provider's 120 s default would fail healthy pods.
    - `do_xcom_push=False`: no sidecar (Composer 3 allows only the XCom one, and nothing reads XCom).
    - `retries`, `retry_delay`, exponential backoff, `max_retry_delay` (config `retries:`) and
      `execution_timeout` (per pod in config): a transient failure gets a few spaced-out tries; a hung pod
      is killed. `EltPodOperator` fails at once on exit codes that a retry cannot fix (elt/exit_codes.py);
      a pod's `retryable_exit_codes` in config overrides the DAG-wide list (dbt's transient code is 2).

    Args:
        cfg: The DAG config.
        task_id: The Airflow task id; also the pod name's prefix.
        image: The image template (see `image_template`).
        spec: Resources, timeout and secrets of this pod (config `sources.<name>`, `dbt`, `powerbi`).
        arguments: The container's arguments (templated).
        cmds: Overrides the image's entrypoint when set.
        env: Plain (non-secret) env vars (templated).
        labels: Extra pod labels.
        **kwargs: Any other `BaseOperator` argument (callbacks, doc_md, ...).

    Returns:
        The operator.
    """
    resources = {"cpu": spec.resources.cpu, "memory": spec.resources.memory}
    retry = cfg.retries
    return EltPodOperator(
        task_id=task_id,
        name=task_id.replace("_", "-"),
        namespace=cfg.cluster.namespace,
        kubernetes_conn_id=cfg.cluster.kubernetes_conn_id,
        config_file=cfg.cluster.config_file,
        in_cluster=False,
        image=image,
        image_pull_policy="IfNotPresent",
        cmds=list(cmds) if cmds else None,
        arguments=list(arguments),
        env_vars=dict(env or {}),
        secrets=[Secret("env", ref.env, ref.secret, ref.key) for ref in spec.secrets],
        container_resources=k8s.V1ResourceRequirements(requests=dict(resources), limits=dict(resources)),
        volumes=[
            k8s.V1Volume(
                name="scratch",
                empty_dir=k8s.V1EmptyDirVolumeSource(size_limit=cfg.cluster.scratch_size_limit),
            )
        ],
        volume_mounts=[k8s.V1VolumeMount(name="scratch", mount_path=SCRATCH_DIR)],
        container_security_context=k8s.V1SecurityContext(
            read_only_root_filesystem=True, allow_privilege_escalation=False, run_as_non_root=True
        ),
        labels={"app": "elt", **(labels or {})},
        get_logs=True,
        log_events_on_failure=True,
        termination_message_policy="FallbackToLogsOnError",
        on_finish_action="delete_succeeded_pod",
        **REATTACH,
        startup_timeout_seconds=cfg.cluster.startup_timeout_seconds,
        do_xcom_push=False,
        retries=retry.count,
        retry_delay=timedelta(seconds=retry.delay_seconds),
        retry_exponential_backoff=EXPONENTIAL_BACKOFF,
        max_retry_delay=timedelta(seconds=retry.max_delay_seconds),
        execution_timeout=timedelta(minutes=spec.execution_timeout_minutes),
        retryable_exit_codes=(
            retry.retryable_exit_codes if spec.retryable_exit_codes is None else spec.retryable_exit_codes
        ),
        **kwargs,
    )
