"""Salesforce credentials and the three ways to get a session.

Read from `SOURCES__SALESFORCE__<KEY>` (or `[sources.salesforce]` in `.dlt/secrets.toml`), first match wins:

1. `SESSION_ID` + `INSTANCE_URL`: an existing session (access token); no login call.
2. `CONSUMER_KEY` + `PRIVATE_KEY` (PEM text, a PEM with escaped newlines, or a path to a PEM file) + `USERNAME`:
   the OAuth 2.0 JWT bearer flow. The assertion (`iss` consumer key, `sub` username, `aud`
   `JWT_AUDIENCE`, default `https://login.salesforce.com`, or `https://test.salesforce.com` for a
   `test.` login host) is signed RS256 and posted to `<login_url>/services/oauth2/token`.
3. `USERNAME` + `PASSWORD` (+ `SECURITY_TOKEN`, empty for IP-allow-listed orgs): the SOAP `login()`
   call at `<login_url>/services/Soap/u/<version>`.

`LOGIN_URL` (default `https://login.salesforce.com`; use your My Domain or `https://test.salesforce.com`)
and `INSTANCE_URL` may also be set in the manifest. Every secret, and every session id obtained, is
registered for redaction. simple-salesforce builds its login URLs from a `<domain>.salesforce.com`
pattern, so the login endpoint is called here with its lower-level helpers instead, which lets tests
point at a local fake.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dlt
import jwt
import requests
from simple_salesforce import Salesforce
from simple_salesforce.login import SalesforceLogin, token_login

from extract.errors import UsageError
from extract.log import register_secret

DEFAULT_LOGIN_URL = "https://login.salesforce.com"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SECRET_KEYS = ("password", "security_token", "consumer_key", "private_key", "session_id")


def _secret(key: str) -> str | None:
    try:
        value = dlt.secrets.get(f"sources.salesforce.{key}")
    except Exception:  # noqa: BLE001 - a malformed secrets.toml must still give a one-line error
        value = None
    if value is None:
        return None
    return str(value)


def _register_pem(pem: str) -> None:
    register_secret(pem)
    for line in pem.splitlines():
        if len(line.strip()) >= 16 and not line.startswith("-----"):
            register_secret(line.strip())


@dataclass(frozen=True)
class Credentials:
    """How to reach Salesforce; the repr never shows a secret.

    Args:
        flow: `session`, `jwt` or `password`.
        login_url: Base URL of the login server.
        instance_url: Base URL of the org (required for `session`).
        username: Login user (`jwt`, `password`).
        password: Password (`password`).
        security_token: Security token appended to the password (`password`).
        consumer_key: Connected app consumer key (`jwt`).
        private_key: PEM private key that signs the JWT (`jwt`).
        session_id: Existing session id or access token (`session`).
        jwt_audience: `aud` claim of the JWT.
    """

    flow: str
    login_url: str = DEFAULT_LOGIN_URL
    instance_url: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    consumer_key: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    session_id: str | None = field(default=None, repr=False)
    jwt_audience: str | None = None

    @property
    def audience(self) -> str:
        """The JWT `aud`: configured, else login or test by the login host."""
        if self.jwt_audience:
            return self.jwt_audience
        host = urlsplit(self.login_url).hostname or ""
        return "https://test.salesforce.com" if host.startswith("test.") else DEFAULT_LOGIN_URL


def _private_key(value: str) -> str:
    text = value.strip()
    if not text.startswith("-----BEGIN"):
        path = Path(text).expanduser()
        try:
            if path.is_file():
                text = path.read_text(encoding="utf-8").strip()
        except OSError:
            pass
    if "\\n" in text and "\n" not in text:
        text = text.replace("\\n", "\n")  # a PEM pasted into one env line
    if not text.startswith("-----BEGIN"):
        raise UsageError("salesforce: SOURCES__SALESFORCE__PRIVATE_KEY must be a PEM private key or a path to one")
    return text


def _https_url(value: str, key: str) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise UsageError(f"salesforce: {key} must be an https:// URL such as https://login.salesforce.com")
    return url


def read_credentials(settings: dict[str, Any]) -> Credentials:
    """Read credentials from the environment / secrets, and URLs from there or the manifest settings.

    Raises:
        UsageError: When no complete set of credentials is configured.
    """
    values = {key: _secret(key) for key in (*SECRET_KEYS, "username", "login_url", "instance_url", "jwt_audience")}
    for key in SECRET_KEYS:
        register_secret(values[key])
    if values["password"] and values["security_token"]:
        register_secret(values["password"] + values["security_token"])
    login_url = _https_url(values["login_url"] or settings.get("login_url") or DEFAULT_LOGIN_URL, "login_url")
    instance = values["instance_url"] or settings.get("instance_url")
    instance_url = _https_url(str(instance), "instance_url") if instance else None
    common = {"login_url": login_url, "instance_url": instance_url, "username": values["username"]}
    if values["session_id"]:
        if not instance_url:
            raise UsageError(
                "salesforce: SOURCES__SALESFORCE__SESSION_ID needs SOURCES__SALESFORCE__INSTANCE_URL "
                "(or salesforce.instance_url in the manifest)"
            )
        return Credentials("session", session_id=values["session_id"], **common)
    if values["consumer_key"] and values["private_key"]:
        if not values["username"]:
            raise UsageError("salesforce: the JWT bearer flow needs SOURCES__SALESFORCE__USERNAME")
        key = _private_key(values["private_key"])
        _register_pem(key)
        return Credentials(
            "jwt",
            consumer_key=values["consumer_key"],
            private_key=key,
            jwt_audience=values["jwt_audience"],
            **common,
        )
    if values["username"] and values["password"]:
        return Credentials(
            "password", password=values["password"], security_token=values["security_token"] or "", **common
        )
    raise UsageError(
        "salesforce: no complete credentials: set SOURCES__SALESFORCE__USERNAME + SOURCES__SALESFORCE__PASSWORD "
        "(+ SOURCES__SALESFORCE__SECURITY_TOKEN); or SOURCES__SALESFORCE__CONSUMER_KEY + "
        "SOURCES__SALESFORCE__PRIVATE_KEY + SOURCES__SALESFORCE__USERNAME (JWT bearer); or "
        "SOURCES__SALESFORCE__SESSION_ID + SOURCES__SALESFORCE__INSTANCE_URL"
    )


def login(credentials: Credentials, api_version: str, session: requests.Session) -> tuple[str, str]:
    """Get a session id and the instance host (`host[:port]`) for the configured flow.

    Raises:
        SalesforceAuthenticationFailed: When Salesforce rejects the credentials.
    """
    if credentials.flow == "session":
        assert credentials.session_id is not None
        assert credentials.instance_url is not None
        return credentials.session_id, urlsplit(credentials.instance_url).netloc
    if credentials.flow == "jwt":
        claims = {
            "iss": credentials.consumer_key,
            "sub": credentials.username,
            "aud": credentials.audience,
            "exp": int((datetime.now(UTC) + timedelta(minutes=3)).timestamp()),
        }
        assertion = jwt.encode(claims, credentials.private_key, algorithm="RS256")
        with warnings.catch_warnings():
            # token_login warns with an authorize URL on "user hasn't approved this consumer"; the error says it.
            warnings.simplefilter("ignore")
            session_id, instance = token_login(
                f"{credentials.login_url}/services/oauth2/token",
                {"grant_type": JWT_GRANT, "assertion": assertion},
                "login",
                str(credentials.consumer_key),
                None,
                None,
                session,
            )
    else:
        # `scratch_url` is simple-salesforce's only way to choose the SOAP login host.
        session_id, instance = SalesforceLogin(
            username=credentials.username,
            password=credentials.password,
            security_token=credentials.security_token or "",
            sf_version=api_version,
            session=session,
            scratch_url=credentials.login_url,
        )
    register_secret(session_id)
    return str(session_id), str(instance).rstrip("/")


def client(session_id: str, instance: str, api_version: str, session: requests.Session) -> Salesforce:
    """A simple-salesforce client on an existing session that keeps numbers exact (`parse_float=Decimal`)."""
    return Salesforce(
        session_id=session_id,
        instance_url=f"https://{instance}",
        version=api_version,
        session=session,
        parse_float=Decimal,
        object_pairs_hook=dict,
    )
