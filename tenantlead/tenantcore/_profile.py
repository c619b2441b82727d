"""Everything the shared client machinery needs to know about TenantCore's wire.

- Auth: ``Authorization: Bearer tc_live_<48 hex>``.
- Errors: ``{"detail": {"message", "code"}}`` (the documented shape, reference §1.7);
  FastAPI-style ``{"detail": [{"loc", "msg"}]}`` for validation; FastAPI's plain
  ``{"detail": "Not Found"}`` for unknown routes. Also read, as a proxy or a future API version
  may send them: the nested ``{"error": {"code", "message"}}``, the flat ``{"code", "message"}``
  and ``{"error": "..."}`` / ``{"message": "..."}``. A JSON body naming no error says so.
- Hints for every documented code, so an error says what to do next.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from tenantlead._core.http import ErrorInfo
from tenantlead._core.request import Response
from tenantlead.errors import APIStatusError, NoAPIPlanError, TenantLimitReachedError

__all__ = ["DEFAULT_BASE_URL", "KEY_PATTERN", "PROFILE", "TenantCoreProfile"]

DEFAULT_BASE_URL: Final = "https://api.tenantcore.io/v1"
KEY_PATTERN: Final = re.compile(r"^tc_live_[0-9a-fA-F]{48}$")

#: What usually causes each documented (or project-decided) error code, and the fix.
HINTS: Final[Mapping[str, str]] = {
    "invalid_auth_header": "Send 'Authorization: Bearer tc_live_...'; the SDK does this when api_key is set.",
    "missing_api_key": "The bearer token was empty: set TENANTCORE_API_KEY or pass api_key=.",
    "invalid_api_key_format": "TenantCore keys are 'tc_live_' followed by 48 hex characters; re-copy it from app.tenantcore.io/api.",
    "invalid_api_key": "The key is unknown: it may have been rotated (rotation invalidates the old key at once). "
    "Copy the current key from app.tenantcore.io/api.",
    "no_api_plan": "API plan lapsed: the account has no active API plan, so every request fails. "
    "Renew it at app.tenantcore.io/api.",
    "tenant_limit_reached": "The write would take the account past its plan's tenant ceiling "
    "(Starter 25, Growth 50, Scale 100): upgrade the plan or deprovision unused tenants.",
    "tenant_not_found": "Use the Microsoft tenant GUID (Tenant.tenant_id), not the internal id; "
    "the tenant may also belong to another TenantCore account or be deprovisioned.",
    "domain_not_verified": "Verify the domain in the TenantCore app first (add the generated DNS records at "
    "your registrar, then press Verify); mailboxes can only be provisioned on verified domains.",
    "mailbox_limit_reached": "A domain holds at most 3 mailboxes: add another domain to the tenant.",
    "domain_limit_reached": "TenantCore's structure is 12 domains per tenant: use another tenant.",
    "mailbox_not_found": "Use Mailbox.id from tc.mailboxes.list(tenant_id); the mailbox may have been removed.",
    "domain_not_found": "Use Domain.id / Domain.domain_name from tc.domains.list(tenant_id).",
    "user_email_mismatch": "user_email must be the email of the account that owns this API key.",
}


_CLASSES: Final[Mapping[str, type[APIStatusError]]] = {
    "no_api_plan": NoAPIPlanError,
    "tenant_limit_reached": TenantLimitReachedError,
}


class TenantCoreProfile:
    """The `APIProfile` of TenantCore."""

    name = "tenantcore"
    display_name = "TenantCore"
    default_base_url = DEFAULT_BASE_URL
    env_api_key = "TENANTCORE_API_KEY"
    env_base_url = "TENANTCORE_BASE_URL"
    key_help = "reveal and copy it on the API page of app.tenantcore.io/api"

    def validate_key(self, key: str) -> str | None:
        """None for ``tc_live_`` + 48 hex characters, else what is wrong."""
        if KEY_PATTERN.match(key):
            return None
        if not key.startswith("tc_live_"):
            return "expected it to start with 'tc_live_' (TenantCore has no other key prefix)"
        return f"expected 'tc_live_' followed by 48 hex characters, found {len(key) - 8} characters after the prefix"

    def authenticate(self, key: str, headers: dict[str, str], params: dict[str, Any]) -> None:
        """TenantCore takes the key as a bearer token."""
        headers["Authorization"] = f"Bearer {key}"

    def parse_error(self, response: Response) -> ErrorInfo:
        """Read the code and message of any error body shape (see the module docstring).

        ``detail`` as an object, a list (validation) or a string; ``error`` as an object
        (``{"error": {"code", "message"}}``) or a string; flat ``{"code", "message"}``. A JSON body
        that names no error says so (never "empty body"); text bodies are quoted tag-free.
        """
        data = response.data
        status = response.status_code
        if isinstance(data, Mapping):
            if isinstance(data.get("detail"), list):
                return self._validation(data["detail"], status)
            found = _code_and_message(data)
            if found is not None:
                code, message = found
                return ErrorInfo(
                    message=message or code or f"HTTP {status}",
                    code=code,
                    hint=self._hint(status, code),
                    error_class=_CLASSES.get(code or ""),
                )
            return ErrorInfo(
                message=f"HTTP {status} with a JSON body that names no error (see .body)",
                hint=self._hint(status, None),
            )
        if isinstance(data, str) and data.strip():
            text = re.sub(r"<[^>]+>", " ", data)
            text = " ".join(text.split())[:200]
            return ErrorInfo(message=f"non-JSON error body: {text}", hint=self._hint(status, None))
        if data is None or (isinstance(data, str) and not data.strip()):
            return ErrorInfo(message=f"HTTP {status} with an empty body", hint=self._hint(status, None))
        return ErrorInfo(
            message=f"HTTP {status} with an unexpected JSON {type(data).__name__} body (see .body)",
            hint=self._hint(status, None),
        )

    def body_error(self, response: Response) -> ErrorInfo | None:
        """TenantCore reports errors by status; a 2xx carrying ``detail`` is still an error."""
        data = response.data
        if (
            isinstance(data, Mapping)
            and len(data) == 1
            and (isinstance(data.get("detail"), Mapping | list) or isinstance(data.get("error"), Mapping))
        ):
            info = self.parse_error(response)
            return ErrorInfo(
                message=f"error reported in a {response.status_code} response: {info.message}",
                code=info.code,
                fields=info.fields,
            )
        return None

    def _validation(self, items: list[Any], status: int) -> ErrorInfo:
        fields: list[str] = []
        messages: list[str] = []
        for item in items:
            if not isinstance(item, Mapping):
                continue
            loc = item.get("loc") or []
            parts = (
                [str(p) for p in loc if p not in ("body", "query", "path")] if isinstance(loc, list) else []
            )
            field = ".".join(parts)
            if field:
                fields.append(field)
            msg = str(item.get("msg") or "invalid")
            messages.append(f"{field}: {msg}" if field else msg)
        message = "; ".join(messages) or f"request validation failed (HTTP {status})"
        return ErrorInfo(message=message, code="validation_error", fields=tuple(fields))

    @staticmethod
    def _hint(status: int, code: str | None) -> str | None:
        if code and code in HINTS:
            return HINTS[code]
        if status == 401:
            return HINTS["invalid_api_key"]
        if status == 405:
            return "This endpoint does not accept that method; the API may have changed."
        return None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _code_and_message(data: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    """(code, message) from an error object of any shape, or None when it names no error.

    Nested first (``detail`` or ``error`` holding an object), then the flat keys: ``code`` /
    ``error_code``, ``message`` / a string ``detail`` / a string ``error``.
    """
    for key in ("detail", "error"):
        inner = data.get(key)
        if isinstance(inner, Mapping):
            found = _code_and_message(inner)
            if found is not None:
                return found
    raw_code = data.get("code", data.get("error_code"))
    code = (
        _text(str(raw_code)) if isinstance(raw_code, str | int) and not isinstance(raw_code, bool) else None
    )
    message = _text(data.get("message")) or _text(data.get("detail")) or _text(data.get("error"))
    if code is None and message is None:
        return None
    return code, message


PROFILE: Final = TenantCoreProfile()
