"""The extract and dbt images, built from the working tree and run the way a pod runs them."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest
from docker_support import REPO, BuildRecord, docker, image_files, run_image
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.docker

IMAGES = ("extract_image", "dbt_image")


@pytest.fixture(params=IMAGES)
def any_image(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(request.param)


def _labels(tag: str) -> dict[str, str]:
    return json.loads(docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag).stdout)


def _locked_names(*uv_args: str) -> set[str]:
    """Distribution names uv.lock selects for these flags, with markers evaluated for this (linux, 3.11) box."""
    out = subprocess.run(
        ["uv", "export", "--locked", "--no-hashes", "--no-header", "--no-annotate", "--no-emit-project", *uv_args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = set()
    for line in out.splitlines():
        if not line.strip() or line.startswith(("#", "-")):
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            names.add(canonicalize_name(requirement.name))
    return names


def _installed_names(tag: str) -> set[str]:
    code = "import importlib.metadata as m, json; print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"
    result = run_image(tag, ["-c", code], entrypoint="python")
    assert result.returncode == 0, result.stderr
    return {canonicalize_name(name) for name in json.loads(result.stdout)}


def test_sizes_are_measured(built_images: BuildRecord) -> None:
    # The budget is reported in the session summary (conftest); here only that the measurement happened.
    assert set(built_images.sizes_mb) == {"extract", "dbt"}
    for name, size in built_images.sizes_mb.items():
        top = built_images.site_packages_mb[name]
        assert top, f"no site-packages listing for {name}"
        assert sum(mb for _, mb in top) < size


def test_runs_as_numeric_non_root_user(any_image: str) -> None:
    assert docker("image", "inspect", "--format", "{{.Config.User}}", any_image).stdout.strip() == "10001:10001"
    # No --user override: the image's own USER applies.
    result = run_image(any_image, ["-c", "import os; print(os.getuid(), os.getgid())"], entrypoint="python", user=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10001", "10001"]


def test_extract_help_works_on_a_read_only_root(extract_image: str) -> None:
    result = run_image(extract_image, ["--help"], tmpfs=False, user=None)
    assert result.returncode == 0, result.stderr
    assert "--source" in result.stdout
    assert "--since" in result.stdout


def test_powerbi_help_works_on_a_read_only_root(extract_image: str) -> None:
    if not (REPO / "extract" / "powerbi" / "__main__.py").exists():
        pytest.skip("extract.powerbi has not landed yet")
    result = run_image(extract_image, ["-m", "extract.powerbi", "--help"], entrypoint="python", tmpfs=False)
    assert result.returncode == 0, result.stderr
    assert "usage" in result.stdout.lower()


def test_dlt_loads_under_pod_limits_with_only_tmp_writable(extract_image: str) -> None:
    # dlt's state, load packages and the DuckDB file all go under /tmp; the root is read-only.
    code = """
import json, dlt
rows = [{"id": i, "name": f"row {i}"} for i in range(1000)]
pipeline = dlt.pipeline("image_check", destination=dlt.destinations.duckdb("/tmp/check.duckdb"), dataset_name="raw")
pipeline.run(rows, table_name="items")
with pipeline.sql_client() as client:
    loaded = client.execute_sql("select count(*), count(distinct id) from items")[0]
print(json.dumps({"rows": len(rows), "loaded": list(loaded), "pipelines_dir": pipeline.pipelines_dir}))
"""
    result = run_image(extract_image, ["-c", code], entrypoint="python", memory="512m", cpus="1")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"] == [report["rows"], report["rows"]]
    assert report["pipelines_dir"].startswith("/tmp/dlt/")


def test_dbt_parses_on_a_read_only_root(dbt_image: str) -> None:
    result = run_image(dbt_image, ["parse"])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def _left_out(dockerfile: str) -> set[str]:
    """Locked packages a Dockerfile leaves out on purpose (`--no-install-package NAME`)."""
    text = (REPO / dockerfile).read_text(encoding="utf-8")
    return {canonicalize_name(name) for name in re.findall(r"--no-install-package\s+([A-Za-z0-9_.-]+)", text)}


@pytest.mark.parametrize(
    ("fixture", "dockerfile", "uv_args", "project"),
    [
        ("extract_image", "Dockerfile.extract", ("--no-default-groups",), {"elt-extract"}),
        ("dbt_image", "Dockerfile.dbt", ("--only-group", "dbt"), set()),
    ],
)
def test_image_holds_exactly_its_locked_dependencies(
    request: pytest.FixtureRequest, fixture: str, dockerfile: str, uv_args: tuple[str, ...], project: set[str]
) -> None:
    # No dev tools, no Airflow, and (for dbt) none of the extractor's dependencies. The extract image leaves out
    # pandas and numpy, which `python -m extract` never imports (see Dockerfile.extract).
    tag = request.getfixturevalue(fixture)
    locked, left_out = _locked_names(*uv_args), _left_out(dockerfile)
    assert left_out <= locked  # a stale exclusion would hide nothing
    assert _installed_names(tag) == (locked - left_out) | project


def test_image_holds_no_secrets_tests_toolchain_or_local_state(any_image: str) -> None:
    host_ca = Path(os.environ.get("SSL_CERT_FILE", "/nonexistent"))
    files = image_files(any_image, digest_size=host_ca.stat().st_size if host_ca.is_file() else None)
    names = [name.rstrip("/") for name in files.names]
    parts = [set(name.split("/")) for name in names]

    assert not [n for n, p in zip(names, parts, strict=True) if p & {".env", ".git", "secrets.toml"}]
    # dlt's own `dlt init` templates hold a .dlt/config.toml; any other .dlt directory is local state.
    dlt_templates = "opt/venv/lib/python3.11/site-packages/dlt/"
    assert not [n for n, p in zip(names, parts, strict=True) if ".dlt" in p and not n.startswith(dlt_templates)]
    assert not [n for n in names if n.endswith(".duckdb")]
    # Private keys and service-account key files (CA bundles such as certifi's cacert.pem are public).
    assert not [n for n in names if n.startswith("opt/") and n.endswith((".key", "-key.json"))]
    # Wheel test suites are pruned and the repository's tests/ never enters the build context.
    # Test suites (test_*.py under tests/). dbt's include/.../tests hold the SQL macros of `dbt test`, and
    # dbt.tests / fsspec.tests are helper libraries for adapter authors; those may stay.
    assert not [n for n, p in zip(names, parts, strict=True) if n.startswith("opt/") and "__pycache__" in p]
    test_modules = [
        n for n, p in zip(names, parts, strict=True) if "tests" in p and n.rsplit("/", 1)[-1].startswith("test_")
    ]
    assert not test_modules
    # Runtime carries no compiler, linker, strip, uv or pip bootstrap from the builder.
    assert not {"usr/bin/gcc", "usr/bin/cc", "usr/bin/ld", "usr/bin/strip", "opt/uv"} & set(names)
    assert not [n for n in names if n.startswith("run/secrets/") and n != "run/secrets"]
    # The build's CA secret (the host bundle) is nowhere in a layer; the base's own trust store may match it.
    if host_ca.is_file():
        leaked = [
            name
            for name, digest in files.digests.items()
            if digest == _sha256(host_ca) and not name.startswith(("etc/ssl/", "usr/share/ca-certificates/"))
        ]
        assert not leaked


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("fixture", "title"), [("extract_image", "elt-extract"), ("dbt_image", "elt-dbt")])
def test_oci_labels_name_the_source_revision(
    request: pytest.FixtureRequest, built_images: BuildRecord, fixture: str, title: str
) -> None:
    labels = _labels(request.getfixturevalue(fixture))
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert labels["org.opencontainers.image.title"] == title
    assert labels["org.opencontainers.image.version"] == version
    # The commit checked out when the images were built (others may commit while the session runs).
    assert labels["org.opencontainers.image.revision"] == built_images.revision
    assert labels["org.opencontainers.image.base.name"] == built_images.base_image
    assert labels["org.opencontainers.image.source"]
    assert labels["org.opencontainers.image.created"]


def _load_raw_seed():  # tests/dbt/raw_seed.py: the extractor's raw table shapes, owned by the dbt tests
    path = REPO / "tests" / "dbt" / "raw_seed.py"
    if not path.exists():
        pytest.skip("tests/dbt/raw_seed.py is not there")
    spec = importlib.util.spec_from_file_location("dbt_raw_seed_for_images", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the module executes
    spec.loader.exec_module(module)
    return module


def test_dbt_image_builds_the_marts_on_a_seeded_warehouse(dbt_image: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    warehouse = data / "warehouse.duckdb"
    _load_raw_seed().seed_raw_warehouse(warehouse)
    data.chmod(0o777)  # uid 10001 in the container writes the DuckDB file and dbt's artifacts here
    warehouse.chmod(0o666)

    result = run_image(
        dbt_image,
        ["build", "--target", "local"],
        memory="1g",
        env={"DESTINATION__DUCKDB__CREDENTIALS": "/data/warehouse.duckdb", "DBT_TARGET_PATH": "/data/target"},
        volumes={data: "/data"},
    )
    assert result.returncode == 0, result.stdout[-4000:]

    results = json.loads((data / "target" / "run_results.json").read_text())["results"]
    assert results
    assert {r["status"] for r in results} <= {"success", "pass"}
    models = [r["unique_id"] for r in results if r["unique_id"].startswith("model.")]
    marts = [unique_id.split(".")[-1] for unique_id in models if ".fct_" in unique_id]
    assert marts
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
    assert set(marts) <= tables
