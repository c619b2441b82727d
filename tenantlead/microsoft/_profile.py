r"""What the shared client machinery needs to know about Microsoft's token endpoint.

- Auth: none in headers or the URL; the client secret travels in the form body of each token
  request (built by the flows), so every URL the core logs is secret-free already.
- Error bodies: ``{error, error_description: "AADSTSnnnnn: ...\r\nTrace ID: ...", error_codes,
  timestamp, trace_id, correlation_id, error_uri}``; ``MicrosoftProfile.parse_error`` reads
  them (and any other shape) into a message, the ``AADSTSnnnnn`` code and the fix as the hint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from tenantlead._core.http import ErrorInfo
from tenantlead._core.redact import redact_text
from tenantlead._core.request import Response
from tenantlead.microsoft._app import DEFAULT_AUTHORITY_HOST, ENV_AUTHORITY_HOST, ENV_CLIENT_SECRET
from tenantlead.microsoft.classify import classify_oauth_error

__all__ = ["PROFILE", "MicrosoftProfile", "oauth_error_fields"]


def oauth_error_fields(data: Any) -> tuple[str | None, list[int], str | None]:
    """``(error, error_codes, error_description)`` from an OAuth error body of any shape."""
    if not isinstance(data, Mapping):
        return None, [], data if isinstance(data, str) and data.strip() else None
    error = data.get("error")
    codes = data.get("error_codes")
    description = data.get("error_description")
    return (
        error if isinstance(error, str) else None,
        [c for c in codes if isinstance(c, int) and not isinstance(c, bool)]
        if isinstance(codes, list)
        else [],
        description if isinstance(description, str) else None,
    )


class MicrosoftProfile:
    """The [APIProfile][tenantlead._core.http.APIProfile] of the Microsoft identity platform."""

    name = "microsoft"
    display_name = "Microsoft identity platform"
    default_base_url = DEFAULT_AUTHORITY_HOST
    env_api_key = ENV_CLIENT_SECRET
    env_base_url = ENV_AUTHORITY_HOST
    key_help = "the client secret of the agency's Azure app (Certificates & secrets)"

    def validate_key(self, key: str) -> str | None:
        """The secret was validated by [MicrosoftApp][tenantlead.microsoft.MicrosoftApp]."""
        return None

    def authenticate(self, key: str, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Nothing in headers or query: token requests carry the secret in their form body."""

    def parse_error(self, response: Response) -> ErrorInfo:
        """Read Microsoft's OAuth error body (or an HTML/text/empty one) into code, message and fix."""
        error, codes, description = oauth_error_fields(response.data)
        if description is not None and not isinstance(response.data, Mapping):
            description = redact_text(" ".join(description.split())[:200])
        diagnosis = classify_oauth_error(
            error=error, error_codes=codes, description=description, status=response.status_code
        )
        return ErrorInfo(message=redact_text(diagnosis.message), code=diagnosis.code, hint=diagnosis.fix)

    def body_error(self, response: Response) -> ErrorInfo | None:
        """Microsoft reports errors with non-2xx statuses only."""
        return None


#: The shared profile instance every Microsoft identity client uses.
PROFILE: Final = MicrosoftProfile()
