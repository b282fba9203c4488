"""The refresh command, run in-process against the fake Power BI with a fake clock."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from extract.errors import ExitCode
from extract.powerbi.client import RetryPolicy
from extract.powerbi.durations import parse_duration
from tests.fakes.powerbi import FakePowerBI
from tests.powerbi.support import CLIENT_SECRET, DATASET_ID, TARGET, WORKSPACE_ID, run_cli

pytestmark = pytest.mark.usefixtures("powerbi_env")

REFRESHES = f"/groups/{WORKSPACE_ID}/datasets/{DATASET_ID}/refreshes"


def assert_no_secret(text: str) -> None:
    assert CLIENT_SECRET not in text


def test_happy_path_starts_a_refresh_and_waits_until_completed(fake: FakePowerBI) -> None:
    run = run_cli(*TARGET, "--poll-interval", "30s")

    assert run.exit_code == ExitCode.OK
    posts = fake.calls("POST", REFRESHES)
    assert [post.body for post in posts] == [{"notifyOption": "NoNotification"}]
    newest = fake.history(WORKSPACE_ID, DATASET_ID)[0]
    assert newest["status"] == "Completed"
    finished = run.finished
    assert finished["status"] == "Completed"
    assert finished["request_id"] == newest["requestId"]
    assert finished["joined_existing"] is False
    assert finished["workspace_id"] == WORKSPACE_ID
    assert finished["dataset_id"] == DATASET_ID
    assert finished["duration_s"] == pytest.approx(sum(run.clock.sleeps))
    assert run.clock.sleeps == [parse_duration("30s")]  # one wait between "Unknown" and "Completed"
    assert all({"severity", "message", "event"} <= set(line) for line in run.lines)
    assert_no_secret(run.stderr)


def test_every_api_call_carries_the_token_from_the_identity_platform(fake: FakePowerBI) -> None:
    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.OK
    token_calls = fake.calls("POST", "/oauth2/v2.0/token")
    assert len(token_calls) == 1  # MSAL caches the token for the whole run
    assert token_calls[0].body["scope"] == "https://analysis.windows.net/powerbi/api/.default"
    assert token_calls[0].body["grant_type"] == "client_credentials"


def test_an_already_running_refresh_is_waited_for_instead_of_starting_another(fake: FakePowerBI) -> None:
    running = fake.seed_refresh(WORKSPACE_ID, DATASET_ID, ["Unknown", "Unknown", "Completed"])

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.OK
    assert fake.calls("POST", REFRESHES) == []
    assert run.finished["request_id"] == running
    assert run.finished["joined_existing"] is True
    assert run.events("powerbi_refresh_joined")[0]["request_id"] == running


def test_a_409_conflict_joins_the_refresh_that_started_meanwhile(fake: FakePowerBI) -> None:
    running = fake.seed_refresh(WORKSPACE_ID, DATASET_ID, ["Unknown", "Unknown", "Completed"])
    # The first history read misses it (it started just after), so the command tries to POST: 409.
    fake.inject("history", 200, {"value": []})

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.OK
    assert len(fake.calls("POST", REFRESHES)) == 1
    assert run.events("powerbi_refresh_conflict")
    assert run.finished["request_id"] == running
    assert run.finished["joined_existing"] is True


def test_a_409_without_a_running_refresh_in_the_history_exits_75_after_a_few_tries(fake: FakePowerBI) -> None:
    fake.inject("start_refresh", 409, {"error": {"code": "Conflict"}}, times=10)

    run = run_cli(*TARGET, "--poll-interval", "15s")

    assert run.exit_code == ExitCode.TRANSIENT
    posts = len(fake.calls("POST", REFRESHES))
    assert posts > 1
    assert run.clock.sleeps == [parse_duration("15s")] * (posts - 1)
    assert "409" in run.events("powerbi_refresh_error")[0]["message"]


def test_a_failed_refresh_exits_1_with_the_service_error_in_one_line(fake: FakePowerBI) -> None:
    failure = {
        "errorCode": "ModelRefreshFailed_CredentialsNotSpecified",
        "errorDescription": "The credentials provided for the SQL source are invalid.",
    }
    fake.add_dataset(WORKSPACE_ID, DATASET_ID, statuses=["Unknown", "Failed"], failure=failure)

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.FAILURE
    error = run.events("powerbi_refresh_error")[0]["message"]
    assert failure["errorCode"] in error
    assert failure["errorDescription"] in error
    assert DATASET_ID in error
    assert "\n" not in error
    assert run.finished["status"] == "Failed"
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(("final", "exit_code"), [("Disabled", ExitCode.USAGE), ("Cancelled", ExitCode.FAILURE)])
def test_disabled_and_cancelled_refreshes_end_the_wait(fake: FakePowerBI, final: str, exit_code: ExitCode) -> None:
    fake.add_dataset(WORKSPACE_ID, DATASET_ID, statuses=["Unknown", final])

    run = run_cli(*TARGET)

    assert run.exit_code == exit_code
    assert run.finished["status"] == final
    assert final in run.events("powerbi_refresh_error")[0]["message"]


def test_still_running_at_the_timeout_exits_75_and_leaves_the_refresh_running(fake: FakePowerBI) -> None:
    fake.add_dataset(WORKSPACE_ID, DATASET_ID, statuses=["Unknown"])  # never ends

    run = run_cli(*TARGET, "--timeout", "5m", "--poll-interval", "30s")

    assert run.exit_code == ExitCode.TRANSIENT
    assert sum(run.clock.sleeps) == pytest.approx(parse_duration("5m"))
    assert max(run.clock.sleeps) <= parse_duration("30s")
    assert run.finished["status"] == "Unknown"
    assert "--timeout" in run.events("powerbi_refresh_error")[0]["message"]
    assert fake.history(WORKSPACE_ID, DATASET_ID)[0]["status"] == "Unknown"


def test_a_retry_after_a_timeout_joins_the_refresh_it_left_running(fake: FakePowerBI) -> None:
    fake.add_dataset(WORKSPACE_ID, DATASET_ID, statuses=["Unknown"] * 4 + ["Completed"])
    first = run_cli(*TARGET, "--timeout", "1m", "--poll-interval", "30s")
    second = run_cli(*TARGET, "--timeout", "1h", "--poll-interval", "30s")

    assert first.exit_code == ExitCode.TRANSIENT
    assert second.exit_code == ExitCode.OK
    assert second.finished["joined_existing"] is True
    assert len(fake.calls("POST", REFRESHES)) == 1


def test_429_is_retried_after_waiting_at_least_retry_after(fake: FakePowerBI) -> None:
    retry_after = "7"
    fake.inject("history", 429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": retry_after})

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.OK
    assert run.clock.sleeps[0] >= float(retry_after)
    retry = run.events("powerbi_request_retry")[0]
    assert retry["retry_in_s"] >= float(retry_after)
    assert "429" in retry["message"]


def test_429_on_the_refresh_start_is_honoured_too(fake: FakePowerBI) -> None:
    fake.inject("start_refresh", 429, None, {"Retry-After": "12"})

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.OK
    assert run.clock.sleeps[0] >= 12
    assert len(fake.calls("POST", REFRESHES)) == 2


def test_a_429_storm_beyond_the_retry_budget_exits_75(fake: FakePowerBI) -> None:
    budget = RetryPolicy().max_retries
    fake.inject("history", 429, None, {"Retry-After": "3"}, times=budget + 5)

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.TRANSIENT
    assert run.clock.sleeps == [3.0] * budget
    assert len(fake.calls("GET", REFRESHES)) == budget + 1
    assert "429" in run.events("powerbi_refresh_error")[0]["message"]


def test_a_retry_after_longer_than_we_wait_exits_75_without_sleeping(fake: FakePowerBI) -> None:
    fake.inject("history", 429, None, {"Retry-After": str(int(RetryPolicy().max_retry_after_s) + 1)})

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.TRANSIENT
    assert run.clock.sleeps == []


def test_5xx_is_retried_with_backoff_then_succeeds(fake: FakePowerBI) -> None:
    fake.inject("history", 503, "Service Unavailable", times=2)

    run = run_cli(*TARGET)

    policy = RetryPolicy()
    assert run.exit_code == ExitCode.OK
    assert run.clock.sleeps[:2] == [policy.backoff(1), policy.backoff(2)]


def test_5xx_beyond_the_retry_budget_exits_75(fake: FakePowerBI) -> None:
    budget = RetryPolicy().max_retries
    fake.inject("start_refresh", 500, {"error": {"code": "InternalError"}}, times=budget + 1)

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.TRANSIENT
    assert len(fake.calls("POST", REFRESHES)) == budget + 1
    assert "500" in run.events("powerbi_refresh_error")[0]["message"]


def test_an_unreachable_api_exits_75(fake: FakePowerBI, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port that nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("POWERBI_API_URL", f"https://127.0.0.1:{closed_port}")

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.TRANSIENT
    assert "ConnectionError" in run.events("powerbi_refresh_error")[0]["message"]


def test_a_bad_client_secret_exits_2_naming_power_bi_without_the_secret(
    fake: FakePowerBI, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_secret = "Wrong-Secret-Value-123"
    monkeypatch.setenv("POWERBI_CLIENT_SECRET", wrong_secret)

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.USAGE
    message = run.events("powerbi_refresh_error")[0]["message"]
    assert "Power BI" in message
    assert "invalid_client" in message
    assert "\n" not in message
    assert wrong_secret not in run.stderr
    assert_no_secret(run.stderr)
    assert fake.calls("GET", REFRESHES) == []


def test_an_invalid_token_gets_one_fresh_token_then_exits_2(fake: FakePowerBI) -> None:
    fake.reject_tokens = True

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.USAGE
    assert len(fake.calls("POST", "/oauth2/v2.0/token")) == 2
    message = run.events("powerbi_refresh_error")[0]["message"]
    assert "401" in message
    assert "PowerBINotAuthorizedException" in message
    assert_no_secret(run.stderr)


def test_an_unknown_tenant_exits_2(fake: FakePowerBI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERBI_TENANT_ID", "no-such-tenant")

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.USAGE
    assert "POWERBI_TENANT_ID" in run.events("powerbi_refresh_error")[0]["message"]


def test_an_identity_platform_outage_exits_75(fake: FakePowerBI) -> None:
    fake.inject("token", 503, {"error": "temporarily_unavailable", "error_description": "AADSTS50001: busy"})

    run = run_cli(*TARGET)

    assert run.exit_code == ExitCode.TRANSIENT
    assert_no_secret(run.stderr)


def test_an_unknown_dataset_exits_2(fake: FakePowerBI) -> None:
    other = "0b0e0c3e-55a9-4f55-9e36-2c4b5d9b5b99"

    run = run_cli("--workspace-id", WORKSPACE_ID, "--dataset-id", other)

    assert run.exit_code == ExitCode.USAGE
    assert "404" in run.events("powerbi_refresh_error")[0]["message"]


def test_an_enhanced_body_from_a_file_and_flags_is_sent(fake: FakePowerBI, tmp_path: Path) -> None:
    file_body = {"type": "full", "commitMode": "transactional", "objects": [{"table": "Sales"}], "retryCount": 1}
    body_file = tmp_path / "enhanced.json"
    body_file.write_text(json.dumps(file_body))

    run = run_cli(*TARGET, "--enhanced-body", str(body_file), "--max-parallelism", "4", "--retry-count", "2")

    assert run.exit_code == ExitCode.OK
    sent = fake.calls("POST", REFRESHES)[0].body
    assert sent == {**file_body, "maxParallelism": 4, "retryCount": 2}
    assert fake.history(WORKSPACE_ID, DATASET_ID)[0]["refreshType"] == "ViaEnhancedApi"
    assert run.events("powerbi_refresh_started")[0]["enhanced"] is True


def test_enhanced_flags_alone_make_an_enhanced_body(fake: FakePowerBI) -> None:
    run = run_cli(*TARGET, "--type", "dataOnly", "--objects", "Sales:2024,Customers", "--apply-refresh-policy", "false")

    assert run.exit_code == ExitCode.OK
    assert fake.calls("POST", REFRESHES)[0].body == {
        "type": "dataOnly",
        "objects": [{"table": "Sales", "partition": "2024"}, {"table": "Customers"}],
        "applyRefreshPolicy": False,
    }


def test_verbose_prints_a_traceback_on_errors_but_never_the_secret(fake: FakePowerBI) -> None:
    fake.reject_tokens = True

    quiet = run_cli(*TARGET)
    verbose = run_cli(*TARGET, "--verbose")

    assert "Traceback" not in quiet.stderr
    assert "Traceback" in verbose.stderr
    assert_no_secret(verbose.stderr)
