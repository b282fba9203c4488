"""Load and validate `config.yaml`, the data that shapes the daily ELT DAG.

Parsing is pure: it reads one YAML file shipped beside the DAG and nothing else (no Airflow Variables, no
metadata database, no clock), so a broken config is an import error that the DagBag test catches before
deployment. Deployment-specific values (image registry and tag, project, Power BI ids) are not here; they
are Airflow Variables rendered by Jinja at run time (see `variables:` in the YAML).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

CONFIG_PATH = Path(__file__).with_name("config.yaml")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")  # DNS-1123 label: Secret and namespace names
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_CPU = re.compile(r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$")
_BYTES = re.compile(r"^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$")


class ConfigError(ValueError):
    """`config.yaml` is missing a field or holds a value of the wrong shape."""


@dataclass(frozen=True)
class SecretRef:
    """One environment variable taken from one key of a Kubernetes Secret."""

    env: str
    secret: str
    key: str


@dataclass(frozen=True)
class Resources:
    """Pod resources; requests equal limits (Autopilot, which runs Composer's workloads, enforces that)."""

    cpu: str
    memory: str


@dataclass(frozen=True)
class PodSpec:
    """What one pod needs beyond the shared defaults: resources, a timeout and its secrets."""

    resources: Resources
    execution_timeout_minutes: int
    secrets: tuple[SecretRef, ...] = ()
    retryable_exit_codes: frozenset[int] | None = None  # None: the DAG-wide `retries.retryable_exit_codes`


@dataclass(frozen=True)
class RetryPolicy:
    """How many times a task is retried, how long it waits, and which exit codes may be retried."""

    count: int
    delay_seconds: int
    max_delay_seconds: int
    retryable_exit_codes: frozenset[int]


@dataclass(frozen=True)
class Cluster:
    """Where the pods run: Composer's user-workloads namespace through the environment's kube config."""

    namespace: str
    kubernetes_conn_id: str
    config_file: str
    startup_timeout_seconds: int
    scratch_size_limit: str


@dataclass(frozen=True)
class DagSettings:
    """Identity and scheduling of the DAG."""

    dag_id: str
    schedule: str
    start_date: datetime
    owner: str
    tags: tuple[str, ...]
    max_active_runs: int
    max_active_tasks: int


@dataclass(frozen=True)
class EltConfig:
    """The whole validated `config.yaml`."""

    dag: DagSettings
    cluster: Cluster
    variables: dict[str, str | None]
    images: dict[str, str]
    retries: RetryPolicy
    sources: dict[str, PodSpec]
    dbt: PodSpec
    dbt_target: str
    powerbi: PodSpec

    @property
    def required_variables(self) -> tuple[str, ...]:
        """Names of the Airflow Variables that have no default and must be set on the environment."""
        return tuple(name for name, default in self.variables.items() if default is None)


def load_config(path: Path = CONFIG_PATH) -> EltConfig:
    """Read and validate the DAG config.

    Args:
        path: The YAML file; defaults to the `config.yaml` shipped beside this module.

    Returns:
        The validated config.

    Raises:
        ConfigError: One line naming the field and what is wrong with it.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    return parse_config(raw, where=str(path))


def parse_config(raw: Any, where: str = "config") -> EltConfig:
    """Validate an already-parsed YAML document (a dict) and build the config.

    Args:
        raw: The YAML document.
        where: A name for the document in error messages.

    Returns:
        The validated config.

    Raises:
        ConfigError: One line naming the field and what is wrong with it.
    """
    doc = _mapping(raw, where)
    dag = _mapping(doc.get("dag"), f"{where}: dag")
    cluster = _mapping(doc.get("cluster"), f"{where}: cluster")
    retries = _mapping(doc.get("retries"), f"{where}: retries")
    sources = _mapping(doc.get("sources"), f"{where}: sources")
    if not sources:
        raise ConfigError(f"{where}: sources: at least one source is required")
    for name in sources:
        _check(_NAME, name, f"{where}: sources: source name")
    variables = _mapping(doc.get("variables"), f"{where}: variables")
    for name, default in variables.items():
        _check(_NAME, name, f"{where}: variables: name")
        if default is not None and not isinstance(default, str):
            raise ConfigError(f"{where}: variables: {name}: default must be a string or null")
    images = _mapping(doc.get("images"), f"{where}: images")
    for role in ("extract", "dbt"):
        _check(re.compile(r"^[a-z0-9][a-z0-9._/-]*$"), images.get(role), f"{where}: images: {role}")
    dbt = _mapping(doc.get("dbt"), f"{where}: dbt")

    return EltConfig(
        dag=DagSettings(
            dag_id=_check(_NAME, dag.get("dag_id"), f"{where}: dag: dag_id"),
            schedule=_cron(dag.get("schedule"), f"{where}: dag: schedule"),
            start_date=_utc_instant(dag.get("start_date"), f"{where}: dag: start_date"),
            owner=_text(dag.get("owner"), f"{where}: dag: owner"),
            tags=tuple(_text(t, f"{where}: dag: tags") for t in _list(dag.get("tags"), f"{where}: dag: tags")),
            max_active_runs=_positive(dag.get("max_active_runs"), f"{where}: dag: max_active_runs"),
            max_active_tasks=_positive(dag.get("max_active_tasks"), f"{where}: dag: max_active_tasks"),
        ),
        cluster=Cluster(
            namespace=_check(_K8S_NAME, cluster.get("namespace"), f"{where}: cluster: namespace"),
            kubernetes_conn_id=_text(cluster.get("kubernetes_conn_id"), f"{where}: cluster: kubernetes_conn_id"),
            config_file=_text(cluster.get("config_file"), f"{where}: cluster: config_file"),
            startup_timeout_seconds=_positive(
                cluster.get("startup_timeout_seconds"), f"{where}: cluster: startup_timeout_seconds"
            ),
            scratch_size_limit=_check(
                _BYTES, cluster.get("scratch_size_limit"), f"{where}: cluster: scratch_size_limit"
            ),
        ),
        variables=dict(variables),
        images={"extract": images["extract"], "dbt": images["dbt"]},
        retries=_retry_policy(retries, f"{where}: retries"),
        sources={name: _pod_spec(spec, f"{where}: sources: {name}") for name, spec in sources.items()},
        dbt=_pod_spec(dbt, f"{where}: dbt"),
        dbt_target=_check(_NAME, dbt.get("target"), f"{where}: dbt: target"),
        powerbi=_pod_spec(doc.get("powerbi"), f"{where}: powerbi"),
    )


def _exit_codes(raw: Any, where: str) -> frozenset[int]:
    codes = _list(raw, where)
    for code in codes:
        if not isinstance(code, int) or isinstance(code, bool) or not 1 <= code <= 255:
            raise ConfigError(f"{where}: {code!r} is not an exit code 1-255")
    return frozenset(codes)


def _retry_policy(raw: dict[str, Any], where: str) -> RetryPolicy:
    codes = _exit_codes(raw.get("retryable_exit_codes"), f"{where}: retryable_exit_codes")
    count = raw.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ConfigError(f"{where}: count: expected an integer >= 0, got {count!r}")
    delay = _positive(raw.get("delay_seconds"), f"{where}: delay_seconds")
    max_delay = _positive(raw.get("max_delay_seconds"), f"{where}: max_delay_seconds")
    if max_delay < delay:
        raise ConfigError(f"{where}: max_delay_seconds ({max_delay}) is below delay_seconds ({delay})")
    return RetryPolicy(count, delay, max_delay, codes)


def _pod_spec(raw: Any, where: str) -> PodSpec:
    spec = _mapping(raw, where)
    resources = _mapping(spec.get("resources"), f"{where}: resources")
    secrets = []
    for item in _list(spec.get("secrets", []), f"{where}: secrets"):
        entry = _mapping(item, f"{where}: secrets")
        secrets.append(
            SecretRef(
                env=_check(_ENV_NAME, entry.get("env"), f"{where}: secrets: env"),
                secret=_check(_K8S_NAME, entry.get("secret"), f"{where}: secrets: secret"),
                key=_check(_SECRET_KEY, entry.get("key"), f"{where}: secrets: key"),
            )
        )
    envs = [s.env for s in secrets]
    if len(envs) != len(set(envs)):
        raise ConfigError(f"{where}: secrets: an env name appears twice")
    return PodSpec(
        resources=Resources(
            cpu=_check(_CPU, str(resources.get("cpu")), f"{where}: resources: cpu"),
            memory=_check(_BYTES, resources.get("memory"), f"{where}: resources: memory"),
        ),
        execution_timeout_minutes=_positive(
            spec.get("execution_timeout_minutes"), f"{where}: execution_timeout_minutes"
        ),
        secrets=tuple(secrets),
        retryable_exit_codes=(
            _exit_codes(spec["retryable_exit_codes"], f"{where}: retryable_exit_codes")
            if "retryable_exit_codes" in spec
            else None
        ),
    )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _check(pattern: re.Pattern[str], value: Any, where: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigError(f"{where}: {value!r} does not match {pattern.pattern}")
    return value


def _positive(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{where}: expected a positive integer, got {value!r}")
    return value


def _cron(value: Any, where: str) -> str:
    # Five fields only: the timetable gets the real validation; this catches typos with a clear message.
    if not isinstance(value, str) or len(value.split()) != 5:
        raise ConfigError(f"{where}: expected a 5-field cron expression, got {value!r}")
    return value


def _utc_instant(value: Any, where: str) -> datetime:
    # YAML may already have turned an unquoted timestamp into a datetime; accept both, insist on UTC.
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigError(f"{where}: {value!r} is not an ISO-8601 instant") from exc
    if not isinstance(value, datetime) or value.utcoffset() is None or value.utcoffset().total_seconds() != 0:
        raise ConfigError(f"{where}: expected a UTC instant like 2024-01-01T00:00:00Z, got {value!r}")
    return value.astimezone(UTC)
