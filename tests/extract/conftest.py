"""Helpers for the extractor's tests: run the CLI in-process and read the DuckDB destination."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from extract.cli import main


@dataclass
class CliResult:
    """Exit code, captured stderr and the parsed JSON report of one CLI run."""

    code: int
    stderr: str
    report: dict[str, Any] | None

    @property
    def error_lines(self) -> list[str]:
        """Lines starting with `error:`."""
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def manifest(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a manifest dict as YAML and return its path."""

    def write(content: dict[str, Any], name: str = "manifest.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `python -m extract` in-process with `--report`; returns code, stderr and report."""
    counter = iter(range(1_000_000))

    def run(*args: str) -> CliResult:
        report = tmp_path / f"report-{next(counter)}.json"
        capsys.readouterr()
        code = main([*args, "--report", str(report), "--log-format", "json"])
        stderr = capsys.readouterr().err
        data = json.loads(report.read_text()) if report.exists() else None
        return CliResult(code, stderr, data)

    return run


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Run a read-only query on a DuckDB file (UTC session)."""
    with duckdb.connect(str(path), read_only=True) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(sql).fetchall()
