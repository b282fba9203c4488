"""Access tokens for the Power BI REST API: MSAL client credentials for a service principal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import msal
import requests

from extract.errors import TransientError, UsageError
from extract.powerbi.config import PowerBIConfig

POWERBI_SCOPE = "https://analysis.windows.net/powerbi/api/.default"

# OAuth 2.0 / Entra error codes that mean "the credentials or tenant are wrong": retrying cannot help.
_CREDENTIAL_ERRORS = frozenset(
    {"invalid_client", "unauthorized_client", "invalid_request", "invalid_scope", "invalid_grant"}
)


class TokenProvider(Protocol):
    """Something that hands out bearer tokens for the Power BI API."""

    def token(self) -> str:
        """Return a valid access token."""
        ...

    def invalidate(self) -> None:
        """Forget cached tokens so that the next `token()` asks the identity platform again."""
        ...


class MsalTokenProvider:
    """Service-principal tokens from the Microsoft identity platform, cached by MSAL.

    Args:
        config: Tenant, client id, secret and authority host.
        timeout_s: HTTP timeout of each call to the identity platform.
        app_factory: Builds the MSAL application; tests may replace it.
    """

    def __init__(
        self,
        config: PowerBIConfig,
        *,
        timeout_s: float = 30.0,
        app_factory: Callable[..., Any] = msal.ConfidentialClientApplication,
    ) -> None:
        self._config = config
        self._timeout_s = timeout_s
        self._app_factory = app_factory
        self._app: Any = None

    def __repr__(self) -> str:
        return f"MsalTokenProvider(config={self._config!r})"

    def token(self) -> str:
        """Return an access token for the Power BI scope (from MSAL's cache when still valid).

        Returns:
            The bearer token.

        Raises:
            UsageError: The tenant, client id or client secret is wrong (exit 2).
            TransientError: The identity platform could not be reached or answered 5xx/429 (exit 75).
        """
        app = self._application()
        try:
            result = app.acquire_token_for_client(scopes=[POWERBI_SCOPE])
        except requests.RequestException as exc:
            raise TransientError(
                f"Power BI sign-in: cannot reach {self._config.authority_host}: {type(exc).__name__}"
            ) from exc
        except msal.exceptions.MsalServiceError as exc:
            # MSAL raises (rather than returns an error) when the token endpoint answers 5xx/429.
            raise TransientError(f"Power BI sign-in: {self._config.authority_host} answered {exc}") from exc
        if result and "access_token" in result:
            return str(result["access_token"])
        return self._raise_for(result or {})

    def invalidate(self) -> None:
        """Drop cached tokens; the next `token()` requests a new one."""
        if self._app is not None:
            self._app.remove_tokens_for_client()

    def _application(self) -> Any:
        if self._app is not None:
            return self._app
        config = self._config
        try:
            self._app = self._app_factory(
                client_id=config.client_id,
                client_credential=config.client_secret,
                authority=config.authority,
                # MSAL checks unknown authority hosts against login.microsoftonline.com's instance
                # discovery. Our authority comes from trusted configuration (the default Microsoft
                # host, a sovereign cloud, or a local test fake), so that check only adds a network
                # call that a fake cannot answer. MSAL documents `instance_discovery=False` for this.
                instance_discovery=False,
                timeout=self._timeout_s,
            )
        except requests.RequestException as exc:
            raise TransientError(
                f"Power BI sign-in: cannot reach {config.authority_host}: {type(exc).__name__}"
            ) from exc
        except ValueError as exc:
            # MSAL raises ValueError when OIDC discovery answers 4xx: the tenant does not exist.
            raise UsageError(
                f"Power BI sign-in: tenant {config.tenant_id!r} is unknown at {config.authority_host}; "
                "check POWERBI_TENANT_ID"
            ) from exc
        except (RuntimeError, msal.exceptions.MsalServiceError) as exc:
            raise TransientError(
                f"Power BI sign-in: {config.authority_host} failed tenant discovery; retry later"
            ) from exc
        return self._app

    def _raise_for(self, result: dict[str, Any]) -> str:
        error = str(result.get("error") or "unknown_error")
        # Entra's description carries Trace/Correlation ids and a timestamp on later lines; keep line 1.
        description = str(result.get("error_description") or "").strip().splitlines()
        detail = f"{error} ({description[0]})" if description else error
        if error in _CREDENTIAL_ERRORS:
            raise UsageError(
                f"Power BI sign-in failed for client id {self._config.client_id} in tenant "
                f"{self._config.tenant_id}: {detail}; check POWERBI_CLIENT_ID and POWERBI_CLIENT_SECRET"
            )
        raise TransientError(f"Power BI sign-in failed: {detail}; a retry may succeed")
