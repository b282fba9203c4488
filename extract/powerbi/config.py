"""Power BI settings read from the environment.

In Composer the three credentials arrive as environment variables from a Kubernetes Secret (or from
Secret Manager at pod start). The two base URLs exist so that tests can point the command at a
local fake; in production they keep their defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from extract.errors import UsageError

DEFAULT_API_URL = "https://api.powerbi.com"
DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"

ENV_TENANT_ID = "POWERBI_TENANT_ID"
ENV_CLIENT_ID = "POWERBI_CLIENT_ID"
ENV_CLIENT_SECRET = "POWERBI_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
ENV_API_URL = "POWERBI_API_URL"
ENV_AUTHORITY_HOST = "POWERBI_AUTHORITY_HOST"

REDACTED = "***"


@dataclass(frozen=True)
class PowerBIConfig:
    """How to reach Power BI and which service principal signs in.

    Attributes:
        tenant_id: Microsoft Entra tenant (directory) id or domain of the service principal.
        client_id: Application (client) id of the service principal.
        client_secret: Client secret of the service principal; never shown in reprs or logs.
        api_url: Base URL of the Power BI REST API, without `/v1.0`.
        authority_host: Base URL of the Microsoft identity platform; the authority is `<host>/<tenant>`.
    """

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    authority_host: str = DEFAULT_AUTHORITY_HOST

    def __repr__(self) -> str:
        return (
            f"PowerBIConfig(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"client_secret={REDACTED!r}, api_url={self.api_url!r}, "
            f"authority_host={self.authority_host!r})"
        )

    __str__ = __repr__

    @property
    def authority(self) -> str:
        """The MSAL authority URL, `<authority_host>/<tenant_id>`."""
        return f"{self.authority_host}/{self.tenant_id}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> PowerBIConfig:
        """Build the configuration from environment variables.

        Args:
            environ: The process environment (or a test double).

        Returns:
            The validated configuration.

        Raises:
            UsageError: A credential is missing or a base URL is not an http(s) URL.
        """
        required = (ENV_TENANT_ID, ENV_CLIENT_ID, ENV_CLIENT_SECRET)
        missing = [name for name in required if not environ.get(name, "").strip()]
        if missing:
            raise UsageError(
                f"Power BI service principal not configured: set {', '.join(missing)} "
                "(in Composer, from the Kubernetes secret or Secret Manager)"
            )
        api_url = _base_url(environ, ENV_API_URL, DEFAULT_API_URL, schemes=("https", "http"))
        # MSAL only accepts an https authority, so a local fake must serve TLS.
        authority_host = _base_url(environ, ENV_AUTHORITY_HOST, DEFAULT_AUTHORITY_HOST, schemes=("https",))
        return cls(
            tenant_id=environ[ENV_TENANT_ID].strip(),
            client_id=environ[ENV_CLIENT_ID].strip(),
            client_secret=environ[ENV_CLIENT_SECRET].strip(),
            api_url=api_url,
            authority_host=authority_host,
        )


def _base_url(environ: Mapping[str, str], name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    value = environ.get(name, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc or parts.query or parts.fragment:
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise UsageError(f"{name}={value!r} is not a base URL: expected {allowed}host[:port]")
    return value.rstrip("/")
