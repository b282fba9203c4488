"""The real entry point, `python -m extract.powerbi`, run as a subprocess against the fake."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from extract.errors import ExitCode
from tests.fakes.powerbi import FakePowerBI
from tests.powerbi.support import CLIENT_SECRET, TARGET, fake_env


def run_module(fake: FakePowerBI, *args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **fake_env(fake, **env_overrides)}
    return subprocess.run(
        [sys.executable, "-m", "extract.powerbi", "refresh", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_module_refreshes_and_logs_json_lines_ending_with_finished(fake: FakePowerBI) -> None:
    done = run_module(fake, *TARGET, "--poll-interval", "20ms", "--timeout", "30s")

    assert done.returncode == ExitCode.OK, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert lines[-1]["event"] == "powerbi_refresh_finished"
    assert lines[-1]["status"] == "Completed"
    assert lines[-1]["duration_s"] >= 0
    assert done.stdout == ""


def test_the_module_exits_2_on_a_bad_secret_without_printing_it(fake: FakePowerBI) -> None:
    wrong = "Subprocess-Wrong-Secret-42"

    done = run_module(fake, *TARGET, POWERBI_CLIENT_SECRET=wrong)

    assert done.returncode == ExitCode.USAGE
    assert wrong not in done.stderr + done.stdout
    assert CLIENT_SECRET not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert json.loads(done.stderr.splitlines()[-1])["exit_code"] == ExitCode.USAGE


def test_the_module_exits_2_on_bad_arguments(fake: FakePowerBI) -> None:
    done = run_module(fake, "--workspace-id", "nope")

    assert done.returncode == ExitCode.USAGE
    assert len(done.stderr.strip().splitlines()) == 1
