"""terraform fmt and checkov on terraform/, as CI and scripts/tf-check.sh run them (both work offline)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from .conftest import REPO, CheckovRun


def test_terraform_fmt_is_clean():
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH (scripts/tf-check.sh fails loudly instead)")
    env = dict(os.environ)
    # A CLI config file that does not exist only produces a warning; an empty one keeps the output to the point.
    if not os.path.exists(env.get("TF_CLI_CONFIG_FILE") or os.path.expanduser("~/.terraformrc")):
        env["TF_CLI_CONFIG_FILE"] = os.devnull
    proc = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", "terraform/"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"terraform fmt would change files:\n{proc.stdout}{proc.stderr}"


@pytest.mark.checkov
def test_checkov_reports_zero_failed_checks(checkov_run: CheckovRun):
    summary = re.search(r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)", checkov_run.output)
    assert summary, f"checkov did not report a summary (exit {checkov_run.returncode}):\n{checkov_run.output[-4000:]}"
    passed, failed, skipped = (int(n) for n in summary.groups())
    assert failed == 0, checkov_run.output[-8000:]
    assert checkov_run.returncode == 0, checkov_run.output[-8000:]
    assert passed > 0
    print(f"checkov: {passed} passed, {skipped} skipped with reasons, in {checkov_run.seconds:.0f} s")
