"""Structural checks of terraform/, made offline by parsing the HCL with python-hcl2.

The Terraform registry is not reachable here, so `terraform init/validate/plan` cannot run; these tests pin
down what the issue asks of the code instead: layout, pinned providers, thin roots that call one platform module,
no primitive roles, datasets with location and labels, deletion protection in prod, alerts that notify, and no
secret values. Resource checks read every module; wiring checks read modules/platform, the one place it lives.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
import pytest

from .conftest import ENVS, PLATFORM, REPO, TERRAFORM, TfFile, normalize

MODULES = TERRAFORM / "modules"
# One module per layer; the platform module composes them and is the only module the roots call.
LAYER_MODULES = {
    "project_services",
    "network",
    "service_accounts",
    "bigquery",
    "storage",
    "artifact_registry",
    "secrets",
    "composer",
    "monitoring",
    "dev_databases",
    "migration",
}
EXPECTED_MODULES = LAYER_MODULES | {"platform"}
# Everything a thin root holds: state, provider pins and configuration, one module call, its inputs, its outputs.
ROOT_FILES = {"backend.tf", "versions.tf", "providers.tf", "main.tf", "variables.tf", "outputs.tf"}
# Inputs that have no default anywhere: the operator gives them in terraform.tfvars.
REQUIRED_INPUTS = {"project_id", "image_tag", "composer_image_version", "alert_email"}
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
SECRET_IDS = {
    "elt-mysql-credentials",
    "elt-mongodb-connection-url",
    "elt-hubspot-access-token",
    "elt-salesforce-credentials",
    "elt-powerbi-client-secret",
}
AIRFLOW_VARIABLES = {
    "elt_image_registry",
    "elt_image_tag",
    "elt_gcp_project",
    "elt_bq_location",
    "elt_staging_bucket",
    "elt_alert_email",
}


# --------------------------------------------------------------------------------------------------- helpers
def _variables(f: TfFile) -> dict[str, dict[str, Any]]:
    return {name: body for block in f.blocks("variable") for name, body in block.items()}


def _modules(f: TfFile) -> dict[str, dict[str, Any]]:
    return {name: body for block in f.blocks("module") for name, body in block.items()}


def _locals(f: TfFile) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in f.blocks("locals"):
        merged.update(block)
    return merged


def _walk(node: Any, path: str = ""):
    """Yield (dotted path, value) for every scalar in a parsed body."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, path)
    else:
        yield path, node


def _by_type(resources, rtype: str):
    return [(f, name, body) for f, t, name, body in resources if t == rtype]


def _instances(resources, tf_files, rtype: str):
    """Yield (file, address, body, data) per resource instance.

    A resource with `for_each = local.X` yields one instance per key of X, with X's entry as data; any other
    resource yields itself, with its own body as data. `_value` reads an attribute through `each.value`.
    """
    for f, name, body in _by_type(resources, rtype):
        match = re.fullmatch(r"\$\{local\.(\w+)\}", str(body.get("for_each", "")))
        if not match:
            yield f, name, body, body
            continue
        module_locals = _merged({t.rel: t for t in tf_files if t.path.parent == f.path.parent}, _locals)
        for key, entry in module_locals[match.group(1)].items():
            yield f, f'{name}["{key}"]', body, entry


def _value(value: Any, data: dict[str, Any]) -> Any:
    """An attribute's value, looked up in the instance's data when it is `${each.value.NAME}`."""
    match = re.fullmatch(r"\$\{each\.value\.(\w+)\}", value) if isinstance(value, str) else None
    return data[match.group(1)] if match else value


def _merged(files: dict[str, TfFile], collect) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for f in files.values():
        found.update(collect(f))
    return found


def _env_modules(env_files, env: str) -> dict[str, dict[str, Any]]:
    return _merged(env_files[env], _modules)


def _platform_call(env_files, env: str) -> dict[str, Any]:
    """The arguments that an environment root passes to the platform module."""
    return _env_modules(env_files, env)["platform"]


def _layer_modules(platform_files) -> dict[str, dict[str, Any]]:
    """The layer modules that the platform module calls, by name."""
    return _merged(platform_files, _modules)


def _github_anchor(heading: str) -> str:
    anchor = heading.strip().lower()
    anchor = re.sub(r"[^\w\- ]", "", anchor)
    return anchor.replace(" ", "-")


# ---------------------------------------------------------------------------------------------------- layout
def test_layout_has_modules_and_thin_roots():
    assert {p.name for p in MODULES.iterdir() if p.is_dir()} == EXPECTED_MODULES
    for module in EXPECTED_MODULES:
        for name in ("versions.tf", "variables.tf", "outputs.tf"):
            assert (MODULES / module / name).is_file(), f"modules/{module}/{name} is missing"
    for env in ENVS:
        root = TERRAFORM / "envs" / env
        assert {p.name for p in root.glob("*.tf")} == ROOT_FILES, f"envs/{env} holds more than a thin root"
        assert (root / "terraform.tfvars.example").is_file()
        # A thin root declares no resource, data source or local of its own: the platform module holds the wiring.
        for f in root.glob("*.tf"):
            body = normalize(hcl2.loads(f.read_text()))
            for kind in ("resource", "data", "locals"):
                assert kind not in body, f"{f} declares {kind}"


def test_every_file_opens_with_a_one_line_description(tf_files: list[TfFile]):
    for f in tf_files:
        lines = f.text.splitlines()
        assert lines, f"{f.rel} is empty"
        assert lines[0].startswith("# "), f"{f.rel} has no description line"
        assert len(lines[0]) > 10, f"{f.rel}: the description line is too short"
        assert len(lines) < 2 or not lines[1].startswith("#"), f"{f.rel}: the description must be one line"


def test_tfvars_examples_are_valid_hcl_without_secrets(env_files):
    for env in ENVS:
        path = TERRAFORM / "envs" / env / "terraform.tfvars.example"
        values = normalize(hcl2.loads(path.read_text()))
        declared = _variables(env_files[env]["variables.tf"])
        assert values.keys() <= declared.keys(), f"{path} sets undeclared inputs: {values.keys() - declared.keys()}"
        assert values["project_id"]
        assert values["alert_email"]
        assert values["image_tag"] != "latest"
        assert re.fullmatch(r"composer-3-airflow-\d+\.\d+\.\d+(-build\.\d+)?", values["composer_image_version"])
        for key, _ in _walk(values):
            assert not re.search(r"password|secret|token|private_key", key, re.I), f"{path}: {key}"
    gitignore = (REPO / ".gitignore").read_text()
    assert "*.tfstate*" in gitignore
    assert ".terraform/" in gitignore


# ------------------------------------------------------------------------------------------- providers, state
def test_required_providers_are_pinned_everywhere(tf_files: list[TfFile]):
    constraints: dict[str, set[str]] = {}
    for f in tf_files:
        for block in f.blocks("terraform"):
            if "required_providers" in block:
                assert block.get("required_version"), f"{f.rel}: required_version is not pinned"
            for providers in block.get("required_providers", []):
                for name, spec in providers.items():
                    assert spec.get("source"), f"{f.rel}: {name} has no source"
                    assert spec.get("version"), f"{f.rel}: {name} is not pinned"
                    assert re.match(r"^~> \d+\.\d+$", spec["version"]), f"{f.rel}: {name} {spec['version']}"
                    constraints.setdefault(name, set()).add(spec["version"])
    assert {"google", "google-beta", "mongodbatlas"} <= constraints.keys()
    for name, versions in constraints.items():
        assert len(versions) == 1, f"{name} is pinned differently in different files: {versions}"
    for module in EXPECTED_MODULES:
        text = (MODULES / module / "versions.tf").read_text()
        assert "required_providers" in text, f"modules/{module} does not declare its providers"


def test_each_env_has_its_own_gcs_backend_prefix(env_files):
    prefixes = {}
    for env in ENVS:
        (backend,) = env_files[env]["backend.tf"].blocks("terraform")[0]["backend"]
        assert list(backend) == ["gcs"]
        gcs = backend["gcs"]
        assert "bucket" not in gcs, "the state bucket is passed at init, not hard-coded"
        prefixes[env] = gcs["prefix"]
        assert env in gcs["prefix"]
    assert len(set(prefixes.values())) == len(ENVS)


def test_no_hard_coded_project_ids(tf_files: list[TfFile], env_files, platform_files):
    for f in tf_files:
        for path, value in _walk(f.body):
            leaf = path.rsplit(".", 1)[-1]
            if leaf in {"project", "project_id", "source_project_id"} and isinstance(value, str):
                assert value.startswith("${"), f"{f.rel}: {path} = {value!r} is a literal project"
    for env in ENVS:
        project = _variables(env_files[env]["variables.tf"])["project_id"]
        assert "default" not in project, f"envs/{env}: project_id must have no default"
    assert "default" not in _variables(platform_files["variables.tf"])["project_id"]


# ------------------------------------------------------------------------------------------ dev/prod parity
def test_both_roots_call_the_same_platform_module_once(env_files):
    for env in ENVS:
        modules = _env_modules(env_files, env)
        assert list(modules) == ["platform"], f"envs/{env} must call the platform module and nothing else"
        assert (TERRAFORM / "envs" / env / modules["platform"]["source"]).resolve() == PLATFORM
    assert _platform_call(env_files, "dev") == _platform_call(env_files, "prod"), "dev and prod wire the module apart"


def test_the_platform_module_calls_every_layer_once(platform_files):
    layers = _layer_modules(platform_files)
    assert {(PLATFORM / m["source"]).resolve() for m in layers.values()} == {MODULES / m for m in LAYER_MODULES}
    assert len(layers) == len(LAYER_MODULES)
    for name in ("resource", "data"):
        assert not any(f.blocks(name) for f in platform_files.values()), f"the platform module declares a {name}"


def test_every_platform_input_is_a_root_input_passed_through(env_files, platform_files):
    inputs = _variables(platform_files["variables.tf"])
    for env in ENVS:
        declared = _variables(env_files[env]["variables.tf"])
        assert declared.keys() == inputs.keys(), f"envs/{env} and the platform module declare different inputs"
        assert _platform_call(env_files, env) == {"source": "../../modules/platform"} | {
            name: f"${{var.{name}}}" for name in inputs
        }
        for name, body in declared.items():
            assert body["type"] == inputs[name]["type"], f"envs/{env}: {name} has another type than the module's"


def test_shared_defaults_live_only_in_the_platform_module(env_files, platform_files):
    inputs = _variables(platform_files["variables.tf"])
    shared = {name for name, body in inputs.items() if "default" in body}
    per_env = inputs.keys() - shared - REQUIRED_INPUTS
    # What the issue names as per-environment choices must be decided by each root, never by a module default.
    assert per_env >= {"deletion_protection", "default_table_expiration_days", "composer_environment_size"}
    for env in ENVS:
        declared = _variables(env_files[env]["variables.tf"])
        for name in REQUIRED_INPUTS:
            assert "default" not in declared[name], f"envs/{env}: {name} must be given, not defaulted"
            assert "default" not in inputs[name], f"modules/platform: {name} must be given, not defaulted"
        for name in per_env:
            assert "default" in declared[name], f"envs/{env} does not decide {name}"
        for name in shared:
            assert declared[name]["default"] is None, f"envs/{env} repeats the shared default of {name}"
            if inputs[name]["default"] is not None:
                # A null from the root must fall back to the module's default instead of reaching the resources.
                assert inputs[name].get("nullable") is False, f"modules/platform: {name} must be nullable = false"
        # Format validations live in the module once; a root only adds guards of its own environment.
        module_conditions = {v["condition"] for body in inputs.values() for v in body.get("validation", [])}
        for name, body in declared.items():
            for validation in body.get("validation", []):
                assert validation["condition"] not in module_conditions, f"envs/{env}: {name} repeats a validation"


def test_environments_size_and_expire_differently(env_files):
    dev, prod = (_variables(env_files[env]["variables.tf"]) for env in ENVS)
    assert dev["composer_environment_size"]["default"] == "ENVIRONMENT_SIZE_SMALL"
    assert prod["composer_environment_size"]["default"] != "ENVIRONMENT_SIZE_SMALL"
    assert (
        dev["composer_workloads"]["default"]["worker"]["max_count"]
        < (prod["composer_workloads"]["default"]["worker"]["max_count"])
    )
    assert dev["staged_file_retention_days"]["default"] < prod["staged_file_retention_days"]["default"]
    for env, variables in zip(ENVS, (dev, prod), strict=True):
        environment = variables["environment"]
        assert environment["default"] == env
        assert environment["validation"][0]["condition"] == f'${{var.environment == "{env}"}}'


# ------------------------------------------------------------------------------------------------------ IAM
def test_no_primitive_roles_anywhere(tf_files: list[TfFile]):
    for f in tf_files:
        for role in re.findall(r"roles/[A-Za-z0-9_.]+", f.text):
            assert role not in PRIMITIVE_ROLES, f"{f.rel} uses the primitive role {role}"
        for path, value in _walk(f.body):
            if path.endswith("role") and isinstance(value, str):
                assert value not in PRIMITIVE_ROLES, f"{f.rel}: {path} = {value}"
                assert value not in {"OWNER", "WRITER", "READER"}, f"{f.rel}: {path} = {value} (primitive ACL)"
    for f in (TERRAFORM / "envs").glob("*/terraform.tfvars.example"):
        assert not re.search(r"roles/(owner|editor|viewer)\b", f.read_text())


def test_project_level_roles_are_an_allow_list(resources):
    allowed = {"roles/composer.worker", "roles/bigquery.jobUser", "roles/bigquery.readSessionUser"}
    for f, name, body in _by_type(resources, "google_project_iam_member"):
        role = body["role"]
        assert role in allowed or role.startswith("${google_project_iam_custom_role."), (
            f"{f.rel}: project-level {role} on {name} is broader than the platform needs"
        )
    for _f, _name, body in _by_type(resources, "google_project_iam_custom_role"):
        assert all(p.startswith("bigquery.") for p in body["permissions"])
    # Project-wide bindings would be authoritative and could drop other members.
    for forbidden in ("google_project_iam_binding", "google_project_iam_policy"):
        assert not _by_type(resources, forbidden)


def test_workload_grants_are_scoped_to_their_resources(platform_files):
    text = platform_files["locals.tf"].text
    # extract: dataEditor on raw and raw staging only; dbt: viewer on raw, editor on staging and marts.
    assert re.search(
        r'concat\(local\.raw_keys, \[for k in local\.raw_keys : "\$\{k\}_staging"\]\).*?\n.*?'
        r'role = "roles/bigquery\.dataEditor", principal = "extract',
        text,
        re.S,
    )
    assert re.search(
        r"setproduct\(local\.raw_keys, keys\(local\.principals\.dbt\)\).*?\n.*?"
        r'role = "roles/bigquery\.dataViewer", principal = "dbt',
        text,
        re.S,
    )
    assert re.search(
        r'setproduct\(\["staging", "marts"\], keys\(local\.principals\.dbt\)\).*?\n.*?'
        r'role = "roles/bigquery\.dataEditor", principal = "dbt',
        text,
        re.S,
    )
    assert re.search(r'dataset = "marts", role = "roles/bigquery\.dataViewer", principal = "powerbi', text)
    storage = _layer_modules(platform_files)["storage"]
    assert "local.principals.extract" in storage["object_admins"]


def test_secrets_are_containers_with_per_secret_accessors(platform_files):
    secrets = _locals(platform_files["locals.tf"])["secrets"]
    assert set(secrets) == SECRET_IDS
    for secret_id, spec in secrets.items():
        expected = "local.principals.powerbi" if "powerbi" in secret_id else "local.principals.extract"
        assert spec["accessors"] == f"${{{expected}}}", f"{secret_id} is readable by {spec['accessors']}"


# ------------------------------------------------------------------------------------------------- secrets
def test_no_secret_value_is_a_literal_or_in_state(tf_files: list[TfFile], resources):
    # Resources whose arguments carry secret material into the state are not used at all.
    forbidden = {
        "google_secret_manager_secret_version",
        "google_composer_user_workloads_secret",
        "google_service_account_key",
        "google_sql_user",
        "mongodbatlas_database_user",
        "mongodbatlas_api_key",
    }
    used = {t for _f, t, _n, _b in resources}
    assert not used & forbidden, f"secret values would pass through Terraform state: {used & forbidden}"
    secret_keys = re.compile(r"(password|secret_data|private_key|access_token|client_secret|api_key|root_password)$")
    for f in tf_files:
        for path, value in _walk(f.body):
            if secret_keys.search(path.rsplit(".", 1)[-1]):
                assert not isinstance(value, str) or value.startswith("${"), f"{f.rel}: {path} is a literal"
        for provider in f.blocks("provider"):
            for name, body in provider.items():
                for key in body:
                    assert not re.search(r"key|secret|token|credentials", key), f"{f.rel}: provider {name}.{key}"
        for name, body in _variables(f).items():
            if re.search(r"password|secret|token", name):
                assert "default" not in body or body["default"] in (None, "", [], {}), f"{f.rel}: {name}"


# ---------------------------------------------------------------------------------------------- BigQuery
def test_every_dataset_has_a_location_and_labels(resources, platform_files):
    datasets = _by_type(resources, "google_bigquery_dataset")
    assert datasets
    for f, name, body in datasets:
        assert body.get("location"), f"{f.rel}: dataset {name} has no location"
        assert body.get("labels"), f"{f.rel}: dataset {name} has no labels"
    bigquery = _layer_modules(platform_files)["bigquery"]
    assert bigquery["location"] == "${var.bq_location}"
    assert bigquery["labels"] == "${local.labels}"


def test_datasets_cover_every_layer_with_short_lived_scratch(env_files, platform_files):
    datasets = _locals(platform_files["locals.tf"])["datasets"]
    text = platform_files["locals.tf"].text
    assert 'raw_sources = ["mysql", "mongodb", "hubspot", "salesforce"]' in text
    assert '"${var.dataset_names["raw_${s}"]}_staging"' in text
    assert "var.raw_staging_table_expiration_days" in str(datasets)
    # Shared by every environment, so the defaults sit in the platform module (the roots pass null).
    variables = _variables(platform_files["variables.tf"])
    assert set(variables["dataset_names"]["default"]) == {
        "raw_mysql",
        "raw_mongodb",
        "raw_hubspot",
        "raw_salesforce",
        "staging",
        "marts",
    }
    assert variables["raw_staging_table_expiration_days"]["default"] == 1
    dev = _variables(env_files["dev"]["variables.tf"])["default_table_expiration_days"]["default"]
    prod = _variables(env_files["prod"]["variables.tf"])["default_table_expiration_days"]["default"]
    assert dev, "dev datasets need a default table expiration"
    assert dev > 0
    assert prod is None, "prod tables must not expire by default"


# ------------------------------------------------------------------------------------- deletion protection
def test_prod_has_deletion_protection(env_files, platform_files, resources):
    prod = _variables(env_files["prod"]["variables.tf"])["deletion_protection"]
    assert prod["default"] is True
    assert any(v["condition"] == "${var.deletion_protection}" for v in prod["validation"]), (
        "prod must refuse deletion_protection = false"
    )
    assert _variables(env_files["dev"]["variables.tf"])["deletion_protection"]["default"] is False
    # The prod value reaches the module unchanged, and the module has no default it could fall back to.
    assert _platform_call(env_files, "prod")["deletion_protection"] == "${var.deletion_protection}"
    module_input = _variables(platform_files["variables.tf"])["deletion_protection"]
    assert "default" not in module_input
    assert module_input["nullable"] is False
    modules = _layer_modules(platform_files)
    for name in ("bigquery", "secrets", "dev_databases"):
        assert modules[name]["deletion_protection"] == "${var.deletion_protection}", name
    assert modules["storage"]["force_destroy"] == "${!var.deletion_protection}"
    # Datasets: prevent_destroy cannot take a variable, so the protected variant carries it literally.
    protected = [b for f, n, b in _by_type(resources, "google_bigquery_dataset") if n == "protected"]
    assert protected
    assert protected[0]["lifecycle"][0]["prevent_destroy"] is True
    assert protected[0]["delete_contents_on_destroy"] is False
    assert protected[0]["for_each"] == "${local.protected_datasets}"
    for rtype in ("google_secret_manager_secret", "google_sql_database_instance"):
        for f, name, body in _by_type(resources, rtype):
            assert body["deletion_protection"] == "${var.deletion_protection}", f"{f.rel}: {rtype}.{name}"


def test_prod_never_creates_dev_databases(env_files):
    prod = _variables(env_files["prod"]["variables.tf"])["enable_dev_databases"]
    assert prod["default"] is False
    assert any(v["condition"] == "${!var.enable_dev_databases}" for v in prod["validation"])
    assert _platform_call(env_files, "prod")["enable_dev_databases"] == "${var.enable_dev_databases}"


# ------------------------------------------------------------------------------------ storage, registry
def test_staging_bucket_is_private_and_self_cleaning(resources):
    ((f, _name, bucket),) = _by_type(resources, "google_storage_bucket")
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    ages = [r["condition"][0].get("age") for r in bucket["lifecycle_rule"] if r["action"][0]["type"] == "Delete"]
    assert "${var.staged_file_retention_days}" in ages, f"{f.rel}: no delete-after-N-days rule"


def test_artifact_registry_keeps_the_last_n_versions(resources):
    ((_f, _name, repo),) = _by_type(resources, "google_artifact_registry_repository")
    assert repo["format"] == "DOCKER"
    keep = [p for p in repo["cleanup_policies"] if p["action"] == "KEEP"]
    assert keep
    assert keep[0]["most_recent_versions"][0]["keep_count"] == "${var.keep_versions}"
    assert repo["cleanup_policy_dry_run"] is False


# ------------------------------------------------------------------------------------------------ Composer
def test_composer_3_environment(resources, platform_files):
    ((_f, _name, env),) = _by_type(resources, "google_composer_environment")
    config = env["config"][0]
    assert config["software_config"][0]["image_version"] == "${var.image_version}"
    assert config["enable_private_environment"] == "${var.private_environment}"
    assert config["environment_size"] == "${var.environment_size}"
    assert {"scheduler", "dag_processor", "triggerer", "web_server", "worker"} <= config["workloads_config"][0].keys()
    assert config["node_config"][0]["service_account"] == "${var.service_account_email}"
    airflow_variables = _locals(platform_files["locals.tf"])["airflow_variables"]
    assert airflow_variables.keys() >= AIRFLOW_VARIABLES
    composer_main = (MODULES / "composer" / "main.tf").read_text()
    assert '"AIRFLOW_VAR_${upper(k)}"' in composer_main
    composer = _layer_modules(platform_files)["composer"]
    assert composer["image_version"] == "${var.composer_image_version}"
    assert composer["airflow_variables"] == "${local.airflow_variables}"


# ---------------------------------------------------------------------------------------------- monitoring
def test_log_based_metrics_read_the_run_finished_report(resources, tf_files):
    instances = list(_instances(resources, tf_files, "google_logging_metric"))
    metrics = {address.split('"')[1]: data for _f, address, _body, data in instances}
    assert {"runs", "failures", "rows", "duration"} <= metrics.keys()
    metrics_tf = (MODULES / "monitoring" / "metrics.tf").read_text()
    assert 'jsonPayload.event=\\"run_finished\\"' in metrics_tf
    assert "jsonPayload.exit_code!=0" in metrics_tf
    for _f, address, body, data in instances:
        assert _value(body["filter"], data).startswith("${local.run_f"), address
        # Every label is extracted from the field of the same name: the extractors follow the labels.
        assert body["label_extractors"] == '${{for k in keys(each.value.labels) : k => "EXTRACT(jsonPayload.${k})"}}'
        assert "source" in data["labels"], f"metric {address} has no source label"
    assert metrics["rows"]["value_extractor"] == "EXTRACT(jsonPayload.rows)"
    assert metrics["rows"]["value_type"] == "DISTRIBUTION"
    assert metrics["duration"]["value_extractor"] == "EXTRACT(jsonPayload.duration_s)"
    assert metrics["failures"]["filter"] == "${local.run_failed_filter}"


def test_every_alert_policy_notifies_and_links_the_runbook(resources, tf_files):
    policies = list(_instances(resources, tf_files, "google_monitoring_alert_policy"))
    assert len(policies) >= 5
    runbook = (REPO / "docs" / "runbook.md").read_text()
    anchors = {_github_anchor(h) for h in re.findall(r"^#{2,4} (.+)$", runbook, re.M)}
    for f, name, body, data in policies:
        assert body.get("notification_channels"), f"{f.rel}: alert policy {name} has no notification channel"
        content = _value(body["documentation"][0]["content"], data)
        match = re.search(r"\$\{var\.runbook_url\}#([a-z0-9-]+)", content)
        assert match, f"alert policy {name} does not link the runbook"
        assert match.group(1) in anchors, f"docs/runbook.md has no section #{match.group(1)} for {name}"
    channels = _by_type(resources, "google_monitoring_notification_channel")
    assert channels
    assert channels[0][2]["type"] == "email"
    assert channels[0][2]["labels"]["email_address"] == "${var.alert_email}"


def test_the_required_alerts_exist(resources):
    text = (MODULES / "monitoring" / "alerts.tf").read_text()
    for needle in (
        'composer.googleapis.com/workflow/run_count\\" AND metric.labels.state = \\"failed',  # DAG run failed
        'composer.googleapis.com/workflow/task/run_count\\" AND metric.labels.state = \\"failed',  # task failed
        'logging.googleapis.com/user/${google_logging_metric.run_finished["failures"].name}',  # exit code != 0
        "composer.googleapis.com/environment/healthy",  # environment unhealthy
        "absent_over_time(",  # no successful run in 26 h
    ):
        assert needle in text, needle
    assert "default     = 26" in (MODULES / "monitoring" / "variables.tf").read_text()


def test_dashboard_shows_rows_and_durations(resources):
    ((_f, _name, dashboard),) = _by_type(resources, "google_monitoring_dashboard")
    assert dashboard["dashboard_json"].startswith("${jsonencode(")
    text = (MODULES / "monitoring" / "dashboard.tf").read_text()
    assert "Rows loaded" in text
    assert "run duration" in text
    assert 'google_logging_metric.run_finished["rows"].name' in text
    assert 'google_logging_metric.run_finished["duration"].name' in text


# ----------------------------------------------------------------------------------------------- migration
def test_migration_uses_cross_region_copy_behind_a_variable(resources, platform_files):
    ((_f, _name, transfer),) = _by_type(resources, "google_bigquery_data_transfer_config")
    assert transfer["data_source_id"] == "cross_region_copy"
    assert transfer["for_each"] == "${local.copies}"
    assert "var.enabled ? var.copies : {}" in (MODULES / "migration" / "main.tf").read_text()
    assert _variables(platform_files["variables.tf"])["enable_migration"]["default"] is False
    assert _layer_modules(platform_files)["migration"]["enabled"] == "${var.enable_migration}"


def test_dev_databases_sit_behind_a_variable(resources):
    for rtype in ("google_sql_database_instance", "mongodbatlas_advanced_cluster", "mongodbatlas_project"):
        ((_f, _name, body),) = _by_type(resources, rtype)
        assert body["count"] == "${var.enabled ? 1 : 0}", rtype
    ((_f, _name, mysql),) = _by_type(resources, "google_sql_database_instance")
    assert mysql["database_version"].startswith("MYSQL_8")
    settings = mysql["settings"][0]
    assert settings["ip_configuration"][0]["ipv4_enabled"] is False
    assert settings["backup_configuration"][0]["enabled"] is True


# ----------------------------------------------------------------------------------------------- checkov
def test_every_checkov_skip_carries_a_reason(tf_files: list[TfFile]):
    skips = 0
    for f in tf_files:
        for line in f.text.splitlines():
            if "checkov:skip" in line:
                skips += 1
                assert re.fullmatch(r"\s*#checkov:skip=CKV2?_[A-Z]+_\d+:\S.{20,}", line), f"{f.rel}: {line.strip()}"
    assert skips, "expected the documented skips (CMEK, bucket access logs, composer.worker)"


@pytest.mark.parametrize("doc", ["terraform.md", "go-live.md", "runbook.md"])
def test_docs_exist(doc: str):
    text = (REPO / "docs" / doc).read_text()
    assert len(text) > 2000, f"docs/{doc} is too short to be useful"
