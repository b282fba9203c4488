"""Fixtures for the tests that build and run the real images (marker `docker`).

`extract_image` and `dbt_image` return local tags (`elt/extract:ctx-<digest>`, `elt/dbt:ctx-<digest>`), built once
per session on the local debootstrap base (or ELT_TEST_BASE_IMAGE) and reused while nothing they contain changes.
A real-data smoke test (extract image against MariaDB, then `dbt build` in the dbt image) needs only these two
fixtures and `docker_support.run_image`, e.g.::

    run_image(extract_image, ["--source", "mysql", ...], memory="512m", cpus="1", network="host",
              env={...}, volumes={data_dir: "/data"})

Without docker the tests skip; with CI=true they fail instead.
"""

from __future__ import annotations

import pytest
from docker_support import (
    EXTRACT_SIZE_TARGET_MB,
    BuildRecord,
    ensure_base_image,
    ensure_images,
    image_size_mb,
    largest_site_packages,
    require_docker,
)

_RECORDS: list[BuildRecord] = []


@pytest.fixture(scope="session")
def docker_ready() -> None:
    """Docker is usable (skip otherwise; fail when CI=true)."""
    require_docker()


@pytest.fixture(scope="session")
def built_images(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> BuildRecord:
    """The base image, then both images for the current content; sizes measured for the session summary."""
    record = ensure_images(ensure_base_image(), tmp_path_factory.mktemp("docker-build") / "build.log")
    for name in ("extract", "dbt"):
        tag = f"elt/{name}:{record.tag}"
        record.sizes_mb[name] = image_size_mb(tag)
        record.site_packages_mb[name] = largest_site_packages(tag)
    _RECORDS.append(record)
    return record


@pytest.fixture(scope="session")
def extract_image(built_images: BuildRecord) -> str:
    """Tag of the extract image (`python -m extract` entrypoint, uid 10001) built from the working tree."""
    return f"elt/extract:{built_images.tag}"


@pytest.fixture(scope="session")
def dbt_image(built_images: BuildRecord) -> str:
    """Tag of the dbt image (`dbt` entrypoint, project at /opt/elt/dbt_project) built from the working tree."""
    return f"elt/dbt:{built_images.tag}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report what the images weigh and what dominates: a budget to read, never a test to fail."""
    for record in _RECORDS:
        how = f"built in {record.seconds:.0f} s" if record.built else "reused (same content digest)"
        terminalreporter.write_sep("-", f"docker images {record.tag} on {record.base_image}: {how}")
        for name, size in record.sizes_mb.items():
            note = f" (target {EXTRACT_SIZE_TARGET_MB} MB on the slim base)" if name == "extract" else ""
            top = ", ".join(f"{pkg} {mb:.0f}" for pkg, mb in record.site_packages_mb.get(name, []))
            terminalreporter.write_line(f"{name}: {size:.0f} MB{note}; largest in site-packages (MB): {top}")
