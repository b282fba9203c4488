"""Fixtures for the Terraform checks: the parsed HCL of every file, and one checkov run per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "terraform"
PLATFORM = TERRAFORM / "modules" / "platform"
ENVS = ("dev", "prod")

# The exact checkov the project pins. It runs in its own uvx environment because checkov bundles an `hcl2`
# module that clashes with python-hcl2, which the structural tests use.
CHECKOV_SPEC = "checkov==3.3.30"
CHECKOV_ARGS = ("-d", "terraform", "--framework", "terraform", "--skip-download", "--quiet", "--compact")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "checkov: runs checkov on terraform/ in an isolated uvx environment (about a minute)"
    )


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def normalize(node: Any) -> Any:
    """python-hcl2 (v7+) keeps quotes around strings and block labels; drop them and its bookkeeping keys."""
    if isinstance(node, dict):
        return {_unquote(k): normalize(v) for k, v in node.items() if k not in ("__is_block__", "__comments__")}
    if isinstance(node, list):
        return [normalize(v) for v in node]
    if isinstance(node, str):
        return _unquote(node)
    return node


@dataclass(frozen=True)
class TfFile:
    """One parsed .tf file."""

    path: Path
    text: str
    body: dict[str, Any]

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(REPO))

    def blocks(self, kind: str) -> list[dict[str, Any]]:
        """The blocks of one top-level kind (resource, module, variable, ...)."""
        return self.body.get(kind, [])


def parse(path: Path) -> TfFile:
    text = path.read_text(encoding="utf-8")
    return TfFile(path=path, text=text, body=normalize(hcl2.loads(text)))


@pytest.fixture(scope="session")
def tf_files() -> list[TfFile]:
    files = sorted(TERRAFORM.rglob("*.tf"))
    files = [f for f in files if ".terraform" not in f.parts]
    assert files, "no .tf files under terraform/"
    return [parse(f) for f in files]


@pytest.fixture(scope="session")
def resources(tf_files: list[TfFile]) -> list[tuple[TfFile, str, str, dict[str, Any]]]:
    """Every resource as (file, type, name, body)."""
    found = []
    for f in tf_files:
        for block in f.blocks("resource"):
            for rtype, named in block.items():
                for name, body in named.items():
                    found.append((f, rtype, name, body))
    return found


@pytest.fixture(scope="session")
def env_files() -> dict[str, dict[str, TfFile]]:
    """For each environment root, its .tf files by file name."""
    return {env: {p.name: parse(p) for p in sorted((TERRAFORM / "envs" / env).glob("*.tf"))} for env in ENVS}


@pytest.fixture(scope="session")
def platform_files() -> dict[str, TfFile]:
    """The platform composition module's .tf files by file name: the wiring that every environment root calls."""
    return {p.name: parse(p) for p in sorted(PLATFORM.glob("*.tf"))}


@dataclass(frozen=True)
class CheckovRun:
    """The outcome of the session's single checkov invocation."""

    returncode: int
    output: str
    seconds: float


@pytest.fixture(scope="session")
def checkov_run() -> CheckovRun:
    """Run checkov once per session, exactly as scripts/tf-check.sh and CI do."""
    uvx = shutil.which("uvx")
    if uvx is None:
        pytest.skip("uvx is not installed: checkov cannot run in its own environment")
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    started = time.monotonic()
    proc = subprocess.run(
        [uvx, "--from", CHECKOV_SPEC, "checkov", *CHECKOV_ARGS],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    return CheckovRun(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)
