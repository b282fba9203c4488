"""Each credential flow reaches the fake; bad credentials exit 2 naming Salesforce and never the secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.salesforce import FakeSalesforce, error_body
from tests.sources.salesforce.support import (
    CONSUMER_KEY,
    PASSWORD,
    SECURITY_TOKEN,
    USERNAME,
    captured,
    point_at,
    read_report,
    rows,
    run,
    seed_small_org,
    write_manifest,
)


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    return _key_pair()


@pytest.fixture
def jwt_fake(tmp_path: Path, key_pair: tuple[str, str]) -> FakeSalesforce:
    server = FakeSalesforce(
        workdir=tmp_path, username=USERNAME, consumer_key=CONSUMER_KEY, public_key_pem=key_pair[1]
    ).start()
    yield server
    server.stop()


def assert_no_secret(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_password_flow_logs_in_with_soap(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    seed_small_org(sf_env)
    report = tmp_path / "report.json"
    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02", report=report) == 0

    assert sf_env.calls("login") == 1
    assert read_report(report)["extra"]["salesforce"]["auth_flow"] == "password"
    assert rows(db, "SELECT count(*) FROM raw_salesforce.account") == [(2,)]


def test_jwt_bearer_flow(
    jwt_fake: FakeSalesforce, db: Path, tmp_path: Path, key_pair: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
    sleeps: list[float],
) -> None:  # fmt: skip
    seed_small_org(jwt_fake)
    # A PEM pasted into one env line with escaped newlines, as secret stores often hold it.
    point_at(jwt_fake, monkeypatch, CONSUMER_KEY=CONSUMER_KEY, PRIVATE_KEY=key_pair[0].replace("\n", "\\n"),
             USERNAME=USERNAME)  # fmt: skip
    report = tmp_path / "report.json"

    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02", report=report) == 0

    assert jwt_fake.calls("token") == 1
    assert jwt_fake.calls("login") == 0
    assert read_report(report)["extra"]["salesforce"]["auth_flow"] == "jwt"
    assert rows(db, "SELECT count(*) FROM raw_salesforce.opportunity") == [(1,)]


def test_session_id_flow_needs_no_login(
    fake: FakeSalesforce, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    seed_small_org(fake)
    point_at(fake, monkeypatch, SESSION_ID=fake.issue_session(), INSTANCE_URL=fake.base_url)

    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02") == 0

    assert fake.calls("login") == 0
    assert fake.calls("token") == 0
    assert rows(db, "SELECT count(*) FROM raw_salesforce.contact") == [(1,)]


def test_expired_session_logs_in_again(sf_env: FakeSalesforce, db: Path, tmp_path: Path) -> None:
    seed_small_org(sf_env)
    sf_env.inject("describe", 401, error_body("INVALID_SESSION_ID", "Session expired or invalid"))

    assert run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02") == 0

    assert sf_env.calls("login") == 2
    assert rows(db, "SELECT count(*) FROM raw_salesforce.account") == [(2,)]


def test_wrong_password_exits_2_without_the_secret(
    fake: FakeSalesforce, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], sleeps: list[float],
) -> None:  # fmt: skip
    wrong = "Wrong-pw-7781aa"
    point_at(fake, monkeypatch, USERNAME=USERNAME, PASSWORD=wrong, SECURITY_TOKEN=SECURITY_TOKEN)
    report = tmp_path / "report.json"
    with captured(capsys) as out:
        code = run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02", report=report)

    assert code == 2
    error_line = next(line for line in out["stderr"].splitlines() if line.startswith("error:"))
    assert "Salesforce login failed" in error_line
    assert "INVALID_LOGIN" in error_line
    assert_no_secret([out["stdout"], out["stderr"], report.read_text()], [wrong, SECURITY_TOKEN, PASSWORD])
    assert sleeps == []  # a wrong password is not retried


def test_jwt_signed_with_another_key_exits_2_without_the_key(
    jwt_fake: FakeSalesforce, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], sleeps: list[float],
) -> None:  # fmt: skip
    other_private, _ = _key_pair()
    point_at(jwt_fake, monkeypatch, CONSUMER_KEY=CONSUMER_KEY, PRIVATE_KEY=other_private, USERNAME=USERNAME)
    with captured(capsys) as out:
        code = run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02")

    assert code == 2
    assert "invalid_grant" in out["stderr"]
    key_lines = [line for line in other_private.splitlines() if not line.startswith("-----")]
    assert_no_secret([out["stdout"], out["stderr"]], key_lines)


def test_invalid_session_id_exits_2_without_it(
    fake: FakeSalesforce, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], sleeps: list[float],
) -> None:  # fmt: skip
    stale = "00D5g000000FAKE!ARkAQStaleSessionValue0123456789"
    point_at(fake, monkeypatch, SESSION_ID=stale, INSTANCE_URL=fake.base_url)
    with captured(capsys) as out:
        code = run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02")

    assert code == 2
    assert "INVALID_SESSION_ID" in out["stderr"]
    assert "Salesforce" in out["stderr"]
    assert_no_secret([out["stdout"], out["stderr"]], [stale])


def test_missing_credentials_exit_2_with_one_line(
    fake: FakeSalesforce, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    point_at(fake, monkeypatch, USERNAME=USERNAME)
    with captured(capsys) as out:
        code = run(write_manifest(tmp_path / "m.yaml"), "2024-03-01", "2024-03-02")

    assert code == 2
    errors = [line for line in out["stderr"].splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "SOURCES__SALESFORCE__PASSWORD" in errors[0]
    assert "Traceback" not in out["stderr"]
