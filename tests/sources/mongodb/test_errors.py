"""Exit codes: configuration errors 2, network failures and time limits 75; never a secret in the output."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from extract.errors import ExitCode

from .conftest import PASSWORD
from .wire import WireServer

T0 = datetime(2024, 3, 1, tzinfo=UTC)
WINDOW = ("--since", "2024-03-01", "--until", "2024-03-02")


def _no_secret(result) -> None:
    assert PASSWORD not in result.err
    assert PASSWORD not in result.out
    if result.report is not None:
        assert PASSWORD not in json.dumps(result.report)


def _error_lines(result) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("error:")]


@pytest.fixture
def wire(env) -> Iterator[WireServer]:
    server = WireServer(["events"]).start()
    yield server
    server.stop()


def test_bad_credentials_exit_2_without_the_password(wire, monkeypatch, manifest, run):
    wire.responders["saslStart"] = lambda r: r.command_err(code=18, errmsg="Authentication failed.")
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", wire.url("reader", PASSWORD, authSource="admin"))
    result = run(*WINDOW, config=manifest())
    assert result.code == ExitCode.USAGE
    [line] = _error_lines(result)
    assert "mongodb 127.0.0.1" in line
    assert "authentication failed" in line
    assert wire.named("saslStart"), "the client must have tried to authenticate"
    _no_secret(result)


def test_unreachable_server_exits_75(monkeypatch, env, manifest, run):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", f"mongodb://reader:{PASSWORD}@127.0.0.1:{port}/app")
    result = run(*WINDOW, config=manifest(server_selection_timeout_ms=200))
    assert result.code == ExitCode.TRANSIENT
    assert "a retry may succeed" in _error_lines(result)[0]
    _no_secret(result)


def test_connection_lost_mid_stream_exits_75_with_resume_command(wire, monkeypatch, manifest, run):
    wire.find_batches = [
        [{"_id": ObjectId(), "updatedAt": T0 + timedelta(seconds=1)}],
        [{"_id": ObjectId(), "updatedAt": T0 + timedelta(seconds=2)}],
    ]
    wire.responders["getMore"] = lambda r: r.hangup()
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", wire.url())
    result = run(*WINDOW, config=manifest(batch_size=1))
    assert result.code == ExitCode.TRANSIENT, result.err
    assert result.report["chunks"][0]["status"] == "failed"
    assert "--since 2024-03-01T00:00:00Z" in result.report["resume_command"]


def test_time_limit_exceeded_exits_75_and_names_max_time_ms(wire, monkeypatch, manifest, run):
    wire.responders["find"] = lambda r: (
        r.command_err(code=50, errmsg="operation exceeded time limit") if "limit" not in r.doc else r.ok(
            cursor={"id": 0, "ns": "app.events", "firstBatch": []})
    )  # fmt: skip
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", wire.url())
    result = run(*WINDOW, config=manifest(max_time_ms=10))
    assert result.code == ExitCode.TRANSIENT
    assert "max_time_ms" in _error_lines(result)[0]


@pytest.mark.parametrize(
    ("settings", "collections", "expected"),
    [
        ({}, {"nope": {"cursor": "updatedAt"}}, "mongodb.collections.nope: collection not found"),
        ({}, {"events": {"cursor": "name"}}, "mongodb.collections.events.cursor: field 'name' holds str"),
        ({}, {"events": {"cursor": "missing"}}, "no document of events has the field 'missing'"),
        ({}, {"events": {"cursor": "meta.updatedAt"}}, "must be a top-level field"),
        ({"nested": "tables"}, None, "mongodb.nested: must be one of json, flatten"),
        ({"batch_size": 0}, None, "mongodb.batch_size: must be an integer >= 1"),
        ({"timezone": "Mars/Olympus"}, None, "mongodb.timezone: unknown time zone"),
        ({"hint": "x"}, None, "mongodb: unknown key 'hint'"),
        ({}, {"events": {"cursor": "updatedAt", "nested": "xml"}}, "collections.events.nested: must be one of"),
    ],
)
def test_configuration_errors_exit_2_naming_the_key(mongo, manifest, run, settings, collections, expected):
    mongo["app"]["events"].insert_one({"_id": ObjectId(), "updatedAt": T0, "name": "x"})
    result = run(*WINDOW, config=manifest(collections, **settings))
    assert result.code == ExitCode.USAGE, result.err
    [line] = _error_lines(result)
    assert expected in line
    _no_secret(result)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "no connection URL: set SOURCES__MONGODB__CONNECTION_URL"),
        (f"postgres://u:{PASSWORD}@h/db", "must start with mongodb:// or mongodb+srv://"),
    ],
)
def test_credential_errors_exit_2(mongo, monkeypatch, manifest, run, url, expected):
    if url is None:
        monkeypatch.delenv("SOURCES__MONGODB__CONNECTION_URL")
    else:
        monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", url)
    result = run(*WINDOW, config=manifest())
    assert result.code == ExitCode.USAGE
    assert expected in _error_lines(result)[0]
    _no_secret(result)


def test_database_comes_from_the_url_when_not_configured(mongo, monkeypatch, manifest, run):
    monkeypatch.delenv("SOURCES__MONGODB__DATABASE")
    monkeypatch.setenv("SOURCES__MONGODB__CONNECTION_URL", f"mongodb://reader:{PASSWORD}@127.0.0.1:1/shopapp")
    mongo["shopapp"]["events"].insert_one({"_id": ObjectId(), "updatedAt": T0})
    result = run(*WINDOW, config=manifest())
    assert result.code == 0, result.err
    assert result.report["extra"]["mongodb"]["database"] == "shopapp"
    assert mongo.factory_calls[-1]["url"].endswith("/shopapp")
