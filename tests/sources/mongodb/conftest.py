"""Fixtures for the MongoDB source: a mongomock client behind the source's client factory, and CLI runs.

`mongo` patches `extract.sources.mongodb.client.create_client`, so `python -m extract --source mongodb`
run in-process (`extract.cli.main`) reads the mongomock database; `run` runs the CLI into a DuckDB file
in tmp_path; `warehouse` queries that file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import mongomock
import pytest
import yaml

from extract.cli import main
from extract.sources.mongodb import client as client_module

DATABASE = "app"
PASSWORD = "s3cr3t-Mongo-pw"  # must never show in output
URL = f"mongodb://reader:{PASSWORD}@127.0.0.1:27017/{DATABASE}"


@dataclass
class CliRun:
    """One finished in-process CLI run."""

    code: int
    out: str
    err: str
    report: dict[str, Any] | None

    @property
    def events(self) -> list[dict[str, Any]]:
        """The JSON log lines of stderr."""
        return [json.loads(line) for line in self.err.splitlines() if line.startswith("{")]


@pytest.fixture
def mongo(monkeypatch: pytest.MonkeyPatch) -> mongomock.MongoClient:
    """A fresh mongomock client that the source gets from its client factory."""
    client = mongomock.MongoClient(tz_aware=True)
    calls: list[dict[str, Any]] = []

    def fake_create_client(url: str, **options: Any) -> mongomock.MongoClient:
        calls.append({"url": url, **options})
        return client

    monkeypatch.setattr(client_module, "create_client", fake_create_client)
    client.factory_calls = calls  # type: ignore[attr-defined]
    return client


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Credentials and destination for one test; returns the DuckDB path."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(path))
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", URL)
    monkeypatch.setenv("SOURCES__MONGODB__DATABASE", DATABASE)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    return path


@pytest.fixture
def manifest(tmp_path: Path) -> Callable[..., Path]:
    """Write a manifest: `manifest(collections={...}, nested="json", ...)` -> its path."""

    def write(collections: dict[str, Any] | None = None, **settings: Any) -> Path:
        section = {**settings, "collections": collections or {"events": {"cursor": "updatedAt"}}}
        path = tmp_path / "manifest.yaml"
        path.write_text(yaml.safe_dump({"mongodb": section}), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliRun]:
    """Run `python -m extract --source mongodb ...` in-process with JSON logs and a report."""
    counter = iter(range(1_000))

    def invoke(*args: str, config: Path | None = None) -> CliRun:
        report = tmp_path / f"report-{next(counter)}.json"
        argv = ["--source", "mongodb", "--log-format", "json", "--report", str(report), *args]
        if config is not None:
            argv += ["--config", str(config)]
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        content = json.loads(report.read_text()) if report.exists() else None
        return CliRun(code, captured.out, captured.err, content)

    return invoke


@pytest.fixture
def warehouse(env: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    """Run one SQL query on the test's DuckDB file (UTC session)."""

    def query(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(env), read_only=True) as con:
            con.execute("SET TimeZone = 'UTC'")
            return con.execute(sql).fetchall()

    return query


@pytest.fixture
def columns(warehouse: Callable[[str], list[tuple[Any, ...]]]) -> Callable[[str, str], dict[str, str]]:
    """`columns(schema, table)` -> {column: DuckDB type}."""

    def describe(schema: str, table: str) -> dict[str, str]:
        rows = warehouse(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = '{schema}' AND table_name = '{table}' ORDER BY ordinal_position"
        )
        return {name: sql_type for name, sql_type in rows}

    return describe


@pytest.fixture
def collect_read() -> Iterator[Callable[..., Any]]:
    """Open a `MongoDBSource` on a manifest and read one window directly (batches, anomalies)."""
    opened: list[Any] = []

    def read(manifest_path: Path, table: str, since: str, until: str) -> tuple[list[Any], Any]:
        from collections import Counter

        from extract.manifest import parse_section, read_manifest_file
        from extract.sources.mongodb import MongoDBSource
        from extract.window import Window

        label, content = read_manifest_file(manifest_path)
        section = parse_section("mongodb", label, content, MongoDBSource.rules)
        source = MongoDBSource(section)
        opened.append(source)
        spec = section.select([table])
        source.open(spec)
        anomalies: Counter[str] = Counter()
        batches = list(source.read(spec[0], Window.parse(since, until), anomalies))
        return batches, anomalies

    yield read
    for source in opened:
        source.close()
