"""Suite-wide secret scan: a test fails when anything it printed or logged contains a known secret.

Enabled for the whole suite by `pytest_plugins = ["tests.secret_scan"]` in `tests/conftest.py`
(or `-p tests.secret_scan` on the command line).

What is scanned, per test phase (setup, call, teardown):
- the captured stdout, stderr and log records that pytest keeps in `report.sections`;
- what `capsys`/`capfd`/`capsysbinary`/`capfdbinary` handed to the test through `readouterr()`: most
  extractor tests read the CLI's output that way, and pytest then no longer keeps it in the sections.

Output that a test captures on its own (`subprocess.run(capture_output=True)`, a `StringIO`) is not seen;
such tests assert on it themselves (`assert secret not in completed.stderr`).

Secrets: `KNOWN_SECRETS` below (the fake credentials the suite's fixtures use), the comma-separated
environment variable `TEST_SECRETS`, and values registered at run time with `register_secret()` (for
fixtures that generate random tokens). When a secret is found, the test fails with a message naming the
secret by its label, never by its value, and the secret is replaced by `***` in the captured sections
and in the failure report, so the CI log does not carry it either.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable
from typing import Any

import pytest
from _pytest.reports import TestReport

from demo.mariadb import DEFAULT_PASSWORD

MASK = "***"

# label -> value. Labels say where the value comes from, so a failure tells which fixture leaked.
KNOWN_SECRETS: dict[str, str] = {
    "session MariaDB password (demo.mariadb.DEFAULT_PASSWORD)": DEFAULT_PASSWORD,
    "MongoDB password (tests/sources/mongodb/conftest.py)": "s3cr3t-Mongo-pw",
    "Salesforce password (tests/sources/salesforce/support.py)": "Pw-sf-2b7e1f0c",
    "Salesforce security token (tests/sources/salesforce/support.py)": "Tok-sf-9d4c33aa",
    "Salesforce wrong password (tests/sources/salesforce/test_auth.py)": "Wrong-pw-7781aa",
    "HubSpot wrong token (tests/sources/hubspot/test_hubspot_faults.py)": "pat-na1-0000-this-is-a-wrong-secret-token",
    "Power BI client secret (tests/powerbi/support.py)": "pbi-S3cret~Do-Not-Log_7f3a9",
    "Power BI wrong secret (tests/powerbi/test_powerbi_refresh.py)": "Wrong-Secret-Value-123",
    "Power BI wrong secret (tests/powerbi/test_powerbi_subprocess.py)": "Subprocess-Wrong-Secret-42",
    "MySQL wrong password (tests/extract/test_cli.py)": "Wr0ng-S3cret-pw",
    "MySQL password of a refused connection (tests/extract/test_cli.py)": "topsecretpw",
}
ENV_VAR = "TEST_SECRETS"
# Shorter values match too much ordinary text to be worth scanning for.
MIN_LENGTH = 6

_registered: dict[str, str] = {}
_consumed = pytest.StashKey[list[str]]()


def register_secret(value: str, label: str = "registered at run time") -> None:
    """Add a secret for the rest of the session (e.g. a fake server's random token)."""
    if value and len(value) >= MIN_LENGTH:
        _registered[value] = label


def configured_secrets() -> dict[str, str]:
    """Every secret to scan for, value -> label (known, then `TEST_SECRETS`, then registered ones)."""
    secrets = {value: label for label, value in KNOWN_SECRETS.items()}
    for index, value in enumerate(v.strip() for v in os.environ.get(ENV_VAR, "").split(",")):
        if len(value) >= MIN_LENGTH:
            secrets.setdefault(value, f"{ENV_VAR}[{index}]")
    for value, label in _registered.items():
        secrets.setdefault(value, label)
    return secrets


def find_secrets(texts: Iterable[str], secrets: dict[str, str]) -> list[str]:
    """Labels of the secrets that occur in any of `texts`, in a stable order."""
    found = {label for text in texts for value, label in secrets.items() if value in text}
    return sorted(found)


def mask(text: str, secrets: dict[str, str]) -> str:
    """`text` with every secret replaced by `***` (longest first, so no fragment survives)."""
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def _as_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _record_readouterr() -> None:
    """Keep a copy of what each capture fixture returns, on the test item that used it."""
    original = pytest.CaptureFixture.readouterr
    if getattr(original, "_secret_scan", False):
        return

    def readouterr(self: pytest.CaptureFixture[Any]) -> Any:
        result = original(self)
        node = getattr(getattr(self, "request", None), "node", None)
        if node is not None:
            node.stash.setdefault(_consumed, []).extend(_as_text(part) for part in result)
        return result

    readouterr._secret_scan = True  # type: ignore[attr-defined]
    pytest.CaptureFixture.readouterr = readouterr  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    """Start recording what the capture fixtures hand to tests."""
    _record_readouterr()


def _scan(item: pytest.Item, report: TestReport) -> None:
    secrets = configured_secrets()
    # A report carries the sections of the earlier phases too ("Captured stdout setup" in the call report);
    # each phase answers for its own, and for what the capture fixtures returned since the previous phase.
    own = [content for name, content in report.sections if name.endswith(f" {report.when}")]
    leaked = find_secrets([*own, *item.stash.get(_consumed, [])], secrets)
    item.stash[_consumed] = []
    if report.longrepr is not None and find_secrets([str(report.longrepr)], secrets):
        report.longrepr = mask(str(report.longrepr), secrets)
    report.sections = [(name, mask(content, secrets)) for name, content in report.sections]
    if not leaked:
        return
    message = (
        f"secret scan: the {report.when} phase printed or logged {len(leaked)} configured secret(s): "
        + "; ".join(leaked)
        + " (masked as *** above; see tests/secret_scan.py)"
    )
    if report.failed and report.longrepr is not None:
        message = f"{report.longrepr}\n\n{message}"
    report.outcome = "failed"
    report.longrepr = message
    if hasattr(report, "wasxfail"):  # a leak is never an expected failure
        del report.wasxfail


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Fail the phase's report when its captured output holds a secret."""
    outcome = yield
    _scan(item, outcome.get_result())
