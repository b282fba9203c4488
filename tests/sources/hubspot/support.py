"""Helpers for the HubSpot tests: manifests, in-process CLI runs and destination reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from extract.cli import main

CONTACT_PROPERTIES = ["email", "firstname", "lastname", "lifecyclestage"]
DEAL_PROPERTIES = ["dealname", "amount", "dealstage", "pipeline", "closedate"]
COMPANY_PROPERTIES = ["name", "domain"]


def write_manifest(path: Path, objects: dict[str, Any] | None = None, **settings: Any) -> Path:
    """Write a `hubspot:` manifest (contacts only by default) and return its path."""
    objects = objects or {"contacts": {"properties": CONTACT_PROPERTIES}}
    path.write_text(yaml.safe_dump({"hubspot": {**settings, "objects": objects}}), encoding="utf-8")
    return path


@dataclass
class Run:
    """The outcome of one in-process CLI run."""

    code: int
    report: dict[str, Any]
    output: str


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], manifest: Path, since: str, until: str, *extra: str) -> Run:
    """Run `python -m extract --source hubspot` in-process and collect exit code, report and output."""
    report = tmp_path / "report.json"
    report.unlink(missing_ok=True)
    code = main(["--source", "hubspot", "--since", since, "--until", until, "--config", str(manifest),
                 "--report", str(report), "--log-format", "json", *extra])  # fmt: skip
    captured = capsys.readouterr()
    content = json.loads(report.read_text()) if report.exists() else {}
    return Run(code, content, captured.out + captured.err)


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one query on the warehouse (read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.sql(sql).fetchall()


def table_exists(warehouse: Path, schema: str, table: str) -> bool:
    """Whether `schema.table` exists in the warehouse."""
    if not warehouse.exists():
        return False
    rows = query(
        warehouse,
        f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = '{table}'",
    )
    return rows[0][0] > 0
