"""Bad arguments and configuration: one line on stderr, exit 2, no traceback, no secret."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from extract.errors import ExitCode
from extract.powerbi.cli import main
from tests.fakes.powerbi import FakePowerBI
from tests.powerbi.support import CLIENT_SECRET, DATASET_ID, TARGET, WORKSPACE_ID, run_cli


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["--workspace-id", WORKSPACE_ID], "--dataset-id", id="missing-dataset"),
        pytest.param(["--workspace-id", "my-workspace", "--dataset-id", DATASET_ID], "GUID", id="workspace-not-guid"),
        pytest.param([*TARGET, "--timeout", "soon"], "--timeout", id="bad-timeout"),
        pytest.param([*TARGET, "--timeout", "0s"], "--timeout", id="zero-timeout"),
        pytest.param([*TARGET, "--poll-interval", "-5s"], "--poll-interval", id="negative-poll"),
        pytest.param([*TARGET, "--type", "everything"], "--type", id="bad-type"),
        pytest.param([*TARGET, "--max-parallelism", "0"], "--max-parallelism", id="bad-parallelism"),
        pytest.param([*TARGET, "--surprise"], "--surprise", id="unknown-flag"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], expected: str) -> None:
    run = run_cli(*args)

    assert run.exit_code == ExitCode.USAGE
    assert len(run.stderr.strip().splitlines()) == 1
    assert expected in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unknown_command_exits_2() -> None:
    stderr = io.StringIO()

    assert main(["publish", *TARGET], stderr=stderr) == ExitCode.USAGE
    assert "publish" in stderr.getvalue()
    assert len(stderr.getvalue().strip().splitlines()) == 1


@pytest.mark.usefixtures("powerbi_env")
@pytest.mark.parametrize("missing", ["POWERBI_TENANT_ID", "POWERBI_CLIENT_ID", "POWERBI_CLIENT_SECRET"])
def test_a_missing_credential_exits_2_naming_the_variable(
    missing: str, fake: FakePowerBI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(missing)

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.USAGE
    assert missing in run.events("powerbi_refresh_error")[0]["message"]
    assert fake.requests == []  # nothing is sent before the configuration is complete


@pytest.mark.usefixtures("powerbi_env")
def test_a_plain_http_authority_is_refused_because_msal_needs_https(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERBI_AUTHORITY_HOST", "http://127.0.0.1:9")

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.USAGE
    assert "POWERBI_AUTHORITY_HOST" in run.events("powerbi_refresh_error")[0]["message"]


@pytest.mark.usefixtures("powerbi_env")
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "cannot read", id="missing-file"),
        pytest.param("{not json", "not JSON", id="not-json"),
        pytest.param("[1, 2]", "JSON object", id="not-an-object"),
        pytest.param(json.dumps({"type": "full", "notifyOption": "MailOnFailure"}), "notifyOption", id="notify"),
        pytest.param(json.dumps({"type": "full", "parallel": 3}), "unknown keys", id="unknown-key"),
        pytest.param(json.dumps({"timeout": "5 hours"}), "HH:MM:SS", id="bad-service-timeout"),
        pytest.param(json.dumps({"objects": [{"partition": "p1"}]}), "table", id="object-without-table"),
    ],
)
def test_a_bad_enhanced_body_exits_2_before_any_call(
    content: str | None, expected: str, tmp_path: Path, fake: FakePowerBI
) -> None:
    body_file = tmp_path / "body.json"
    if content is not None:
        body_file.write_text(content)

    run = run_cli(*TARGET, "--enhanced-body", str(body_file))

    assert run.exit_code == ExitCode.USAGE
    assert expected in run.events("powerbi_refresh_error")[0]["message"]
    assert fake.requests == []
    assert CLIENT_SECRET not in run.stderr
