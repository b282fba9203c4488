"""Fixtures for the dbt project: a raw DuckDB warehouse, dbt invocations, and a warehouse built once per session.

The raw warehouse comes from `raw_seed.py` (the extractor's exact table shapes). To run the same tests on data
loaded by the real extractor, override the `raw_warehouse` fixture with one that returns that DuckDB file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from raw_seed import seed_raw_warehouse

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"

# Offline BigQuery profile: oauth-secrets with a dummy token (NOTES.md); compile must also get --no-populate-cache.
BIGQUERY_OFFLINE_ENV = {
    "DBT_BIGQUERY_PROJECT": "cost-guard-project",
    "DBT_BIGQUERY_METHOD": "oauth-secrets",
    "DBT_BIGQUERY_TOKEN": "dummy-token-not-a-secret",
    "DBT_BIGQUERY_LOCATION": "EU",
}


@dataclass(frozen=True)
class DbtResult:
    """A finished dbt invocation: exit code, output, and the target dir holding its artifacts."""

    returncode: int
    output: str
    target_path: Path

    def run_results(self) -> dict:
        """The invocation's run_results.json."""
        return json.loads((self.target_path / "run_results.json").read_text())

    def manifest(self) -> dict:
        """The invocation's manifest.json."""
        return json.loads((self.target_path / "manifest.json").read_text())


DbtRunner = Callable[..., DbtResult]


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of one dbt invocation (profiles.yml reads them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def run_dbt(tmp_path_factory: pytest.TempPathFactory) -> DbtRunner:
    """Run dbt against `dbt_project/` in this process (dbtRunner: the import is paid once), each call with its own
    target and log dirs. Same arguments as `uv run --no-sync dbt ... --project-dir dbt_project --profiles-dir
    dbt_project` from the repository root."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    def run(
        *args: str,
        duckdb_path: Path | None = None,
        env: dict[str, str] | None = None,
        check: bool = True,
        project: Path = PROJECT,
    ) -> DbtResult:
        work = tmp_path_factory.mktemp("dbt")
        values = {
            "DBT_TARGET_PATH": str(work / "target"),
            "DBT_LOG_PATH": str(work / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_PARTIAL_PARSE": "false",
            **(env or {}),
        }
        if duckdb_path is not None:
            values["DBT_DUCKDB_PATH"] = str(duckdb_path)
        with _environ(values), contextlib.chdir(REPO):
            res = dbtRunner().invoke([*args, "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"])
            # dbt-duckdb keeps its DuckDB database open in a class-level environment after the invocation; close
            # it so the tests (and subprocesses) can open the file with their own configuration.
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager.close_all_connections()
        log = work / "logs" / "dbt.log"
        output = (str(res.exception) if res.exception else "") + (log.read_text() if log.exists() else "")
        result = DbtResult(0 if res.success else 1, output, work / "target")
        if check:
            assert res.success, f"dbt {' '.join(args)} failed:\n{output[-4000:]}"
        return result

    return run


@pytest.fixture(scope="session")
def raw_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file holding raw_mysql, raw_mongodb, raw_hubspot and raw_salesforce, as the extractor loads them."""
    path = tmp_path_factory.mktemp("raw") / "warehouse.duckdb"
    seed_raw_warehouse(path)
    return path


@pytest.fixture(scope="session")
def built_warehouse(
    raw_warehouse: Path, run_dbt: DbtRunner, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, DbtResult]:
    """A copy of the raw warehouse after a full `dbt build --target local`, and that build's result."""
    path = tmp_path_factory.mktemp("built") / "warehouse.duckdb"
    shutil.copy(raw_warehouse, path)
    result = run_dbt("build", "--target", "local", duckdb_path=path)
    return path, result
