"""Helpers of the Power BI tests: ids, a fake clock, the fake's environment, an in-process runner."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from extract.powerbi.cli import main
from tests.fakes.powerbi import FakePowerBI

TENANT_ID = "00000000-0000-0000-0000-00000000a11c"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
# Distinctive, so that a leak into any output is easy to find.
CLIENT_SECRET = "pbi-S3cret~Do-Not-Log_7f3a9"
WORKSPACE_ID = "f089354e-8366-4e18-aea3-4cb4a3a50b48"
DATASET_ID = "cfafbeb1-8037-4d0c-896e-a46fb27ff229"


@dataclass
class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class CliRun:
    """The result of one in-process run of the command."""

    exit_code: int
    stderr: str
    clock: FakeClock

    @property
    def lines(self) -> list[dict[str, Any]]:
        """Every stderr line, parsed as JSON (the command logs JSON when stderr is not a TTY)."""
        return [json.loads(line) for line in self.stderr.splitlines() if line.strip()]

    @property
    def finished(self) -> dict[str, Any]:
        """The closing `powerbi_refresh_finished` line."""
        last = self.lines[-1]
        assert last["event"] == "powerbi_refresh_finished"
        return last

    def events(self, name: str) -> list[dict[str, Any]]:
        """Lines of one event."""
        return [line for line in self.lines if line["event"] == name]


def fake_env(fake: FakePowerBI, **overrides: str) -> dict[str, str]:
    """Environment variables that point the command at `fake`."""
    env = {
        "POWERBI_TENANT_ID": TENANT_ID,
        "POWERBI_CLIENT_ID": CLIENT_ID,
        "POWERBI_CLIENT_SECRET": CLIENT_SECRET,
        "POWERBI_API_URL": fake.base_url,
        "POWERBI_AUTHORITY_HOST": fake.base_url,
        # MSAL and requests both trust the fake's throwaway CA through this variable.
        "REQUESTS_CA_BUNDLE": str(fake.ca_bundle),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    env.update(overrides)
    return env


def run_cli(*args: str, clock: FakeClock | None = None) -> CliRun:
    """Run `python -m extract.powerbi refresh ...` in-process with a fake clock and sleep."""
    clock = clock or FakeClock()
    stderr = io.StringIO()
    code = main(["refresh", *args], sleep=clock.sleep, clock=clock, stderr=stderr)
    return CliRun(code, stderr.getvalue(), clock)


TARGET = ("--workspace-id", WORKSPACE_ID, "--dataset-id", DATASET_ID)
