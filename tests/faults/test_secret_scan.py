"""The suite-wide secret scan (tests/secret_scan.py) catches leaks, masks them, and keeps its list current."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.mariadb import DEFAULT_PASSWORD
from tests.secret_scan import KNOWN_SECRETS, MASK, configured_secrets, find_secrets, mask

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
ENV_SECRET = "env-only-Secret-1f2e"
RUNTIME_SECRET = "runtime-Token-9a8b"

LEAKY_TESTS = f'''
import logging
import sys

from demo.mariadb import DEFAULT_PASSWORD
from tests.secret_scan import register_secret


def test_clean():
    print("nothing to hide")


def test_prints_the_password():
    print(f"connecting with {{DEFAULT_PASSWORD}}")


def test_writes_the_password_to_stderr():
    sys.stderr.write("url: mysql://extract:" + DEFAULT_PASSWORD + "@127.0.0.1/shop\\n")


def test_logs_the_password():
    logging.getLogger("leaky").warning("password=%s", DEFAULT_PASSWORD)


def test_reads_its_leak_through_capsys(capsys):
    print(DEFAULT_PASSWORD)
    assert DEFAULT_PASSWORD in capsys.readouterr().out  # the test consumed it; the scan still sees it


def test_leaks_a_secret_from_the_environment():
    print("{ENV_SECRET}")


def test_leaks_a_secret_registered_at_run_time():
    register_secret("{RUNTIME_SECRET}", "fake token of this test")
    print("{RUNTIME_SECRET}")


def test_fails_on_its_own_and_shows_the_secret():
    assert DEFAULT_PASSWORD == "something else"
'''


def test_the_scan_fails_each_leaking_test_and_never_repeats_the_secret(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("TEST_SECRETS", f"short,{ENV_SECRET}")
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("-p", "tests.secret_scan", "-p", "no:cacheprovider", "-rf")
    result.assert_outcomes(passed=1, failed=7)
    output = result.stdout.str() + result.stderr.str()
    for name in ("prints_the_password", "writes_the_password_to_stderr", "logs_the_password",
                 "reads_its_leak_through_capsys", "leaks_a_secret_from_the_environment",
                 "leaks_a_secret_registered_at_run_time"):  # fmt: skip
        assert f"FAILED test_leaky.py::test_{name}" in output
    assert "session MariaDB password (demo.mariadb.DEFAULT_PASSWORD)" in output
    assert "TEST_SECRETS[1]" in output
    assert "fake token of this test" in output
    for secret in (DEFAULT_PASSWORD, ENV_SECRET, RUNTIME_SECRET):
        assert secret not in output  # masked in the sections and the failure reports
    assert MASK in output


def test_without_the_plugin_the_leaking_tests_pass(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    # Without the test that fails on its own: its unmasked report would put the secret in this test's output.
    leaky = LEAKY_TESTS.partition("\n\ndef test_fails_on_its_own")[0]
    pytester.makepyfile(test_leaky=leaky)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=7)


def test_find_and_mask_use_labels_and_mask_the_longest_secret_first(monkeypatch):
    monkeypatch.setenv("TEST_SECRETS", " abc , longer-secret-value ")
    secrets = configured_secrets()
    assert "abc" not in secrets  # too short to scan for
    assert secrets["longer-secret-value"] == "TEST_SECRETS[1]"
    assert find_secrets(["x longer-secret-value y"], secrets) == ["TEST_SECRETS[1]"]
    assert find_secrets(["nothing here"], secrets) == []
    assert mask(f"a={DEFAULT_PASSWORD} b=longer-secret-value", secrets) == "a=*** b=***"
    overlapping = {"secret-value": "short one", "longer-secret-value": "long one"}
    assert mask("longer-secret-value", overlapping) == MASK


@pytest.mark.parametrize(("label", "value"), [(k, v) for k, v in KNOWN_SECRETS.items() if v != DEFAULT_PASSWORD])
def test_every_known_secret_is_still_used_by_a_test(label, value):
    """A secret renamed in its fixture but not here would silently stop being scanned for."""
    users = [
        path
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "secret_scan.py" and value in path.read_text(encoding="utf-8")
    ]
    where = label.rpartition("(")[2].rstrip(")")
    assert any(str(path.relative_to(ROOT)) == where for path in users), (label, [str(p) for p in users])
