"""Suite-wide fixtures: a real MariaDB server started once per session, and per-test databases.

The server is Debian's `mariadb-server`, started from `demo.mariadb` on a free loopback port under
pytest's base temp dir. CI installs the package in `.ci/run`; a machine without it fails here loudly.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from demo.mariadb import MariaDBServer

pytest_plugins = ["tests.secret_scan"]

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    """One MariaDB server for the whole test session."""
    server = MariaDBServer(tmp_path_factory.mktemp("mariadb"), database="shop")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class MySQLDatabase:
    """A fresh database on the session server, with helpers to run SQL as the application user."""

    def __init__(self, server: MariaDBServer, name: str) -> None:
        self.server = server
        self.name = name
        self.url = server.url_for(name)

    def connect(self) -> pymysql.Connection:
        """A new autocommit connection (utf8mb4) to this database."""
        return self.server.connect(database=self.name)

    def execute(self, *statements: str, args: list[tuple] | None = None) -> None:
        """Run statements; with `args`, the single statement runs once per tuple (executemany)."""
        with self.connect() as conn, conn.cursor() as cur:
            if args is not None:
                cur.executemany(statements[0], args)
                return
            for statement in statements:
                cur.execute(statement)


@pytest.fixture
def mysql_db(mariadb: MariaDBServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MySQLDatabase]:
    """A new empty database, exported as `SOURCES__MYSQL__CREDENTIALS` for the extractor."""
    name = f"t{os.getpid()}_{next(_db_counter)}"
    with mariadb.root_connection() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    database = MySQLDatabase(mariadb, name)
    monkeypatch.setenv("SOURCES__MYSQL__CREDENTIALS", database.url)
    yield database
    with mariadb.root_connection() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DuckDB file in the test's temp dir, exported as `DESTINATION__DUCKDB__CREDENTIALS`."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS", str(path))
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    return path
