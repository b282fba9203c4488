"""Small pieces: durations, Retry-After, error summaries, the redacting config repr, log formats."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from extract.powerbi.auth import MsalTokenProvider
from extract.powerbi.body import STANDARD_BODY, EnhancedOptions, build_refresh_body
from extract.powerbi.client import RetryPolicy, retry_after_seconds
from extract.powerbi.config import PowerBIConfig
from extract.powerbi.durations import parse_duration
from extract.powerbi.log import RunLog
from extract.powerbi.refresh import summarize_service_exception
from tests.powerbi.support import CLIENT_SECRET


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("45", 45), ("1h", 3600), ("1h30m", 5400), ("250ms", 0.25), ("2m10s", 130), ("1d", 86400)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "h1", "-3s", "inf", "nan", "30s garbage"])
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration"):
        parse_duration(text)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    later = now + timedelta(seconds=42)

    assert retry_after_seconds("7") == 7
    assert retry_after_seconds(format_datetime(later, usegmt=True), now=now) == 42
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("whenever") is None


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff_base_s=2, backoff_max_s=10)

    assert [policy.backoff(n) for n in range(1, 6)] == [2, 4, 8, 10, 10]


def test_service_exception_summary_is_one_line() -> None:
    raw = json.dumps({"errorCode": "DMTS_DatasourceHasNoCredentialError", "errorDescription": "No\ncredentials"})

    assert summarize_service_exception(raw) == "DMTS_DatasourceHasNoCredentialError: No credentials"
    assert summarize_service_exception(None) == "no error details"
    assert summarize_service_exception("not json\tat all") == "not json at all"


def test_config_and_token_provider_reprs_hide_the_secret() -> None:
    config = PowerBIConfig.from_env(
        {"POWERBI_TENANT_ID": "t", "POWERBI_CLIENT_ID": "c", "POWERBI_CLIENT_SECRET": CLIENT_SECRET}
    )

    for text in (repr(config), str(config), repr(MsalTokenProvider(config)), f"{config}"):
        assert CLIENT_SECRET not in text
        assert "***" in text
    assert config.api_url == "https://api.powerbi.com"
    assert config.authority == "https://login.microsoftonline.com/t"


def test_log_writes_json_off_a_terminal_and_masks_secrets() -> None:
    stream = io.StringIO()
    log = RunLog(stream, secrets=[CLIENT_SECRET], context={"workspace_id": "w"})

    log.info("powerbi_test", f"echoed {CLIENT_SECRET} back", status="Completed", duration_s=1.5)

    record = json.loads(stream.getvalue())
    assert record["severity"] == "INFO"
    assert record["event"] == "powerbi_test"
    assert record["workspace_id"] == "w"
    assert record["status"] == "Completed"
    assert record["timestamp"].endswith("Z")
    assert CLIENT_SECRET not in stream.getvalue()


def test_log_writes_human_lines_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    RunLog(stream).info("powerbi_test", "refresh completed", status="Completed")

    line = stream.getvalue()
    assert "refresh completed" in line
    assert "INFO" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_no_body_options_means_a_standard_refresh_without_mail() -> None:
    assert build_refresh_body(None, EnhancedOptions()) == STANDARD_BODY
    assert build_refresh_body(None, EnhancedOptions(retry_count=0)) == {"retryCount": 0}
