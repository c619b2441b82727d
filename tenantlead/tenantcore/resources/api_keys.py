"""``tc.api_keys``: key rotation (the one endpoint outside ``/v1``)."""

from __future__ import annotations

from tenantlead._core.flow import Flow
from tenantlead._core.http import BaseAPIClient
from tenantlead._core.request import APIRequest
from tenantlead._core.resource import AsyncResource, SyncResource, parse_model
from tenantlead.errors import APIConnectionError
from tenantlead.tenantcore._validate import check_email
from tenantlead.tenantcore.models import RotatedKey

__all__ = ["ApiKeys", "AsyncApiKeys"]


def _root(base_url: str) -> str:
    # Documented at https://api.tenantcore.io/api-key/rotate: the API root without /v1.
    return base_url[: -len("/v1")] if base_url.endswith("/v1") else base_url


def _rotate(base_url: str, user_email: str) -> APIRequest[RotatedKey]:
    # Never retried: a lost answer would leave us with neither key (the old one is dead at once).
    return APIRequest(
        method="POST",
        path="/api-key/rotate",
        params={"user_email": check_email(user_email, "user_email")},
        base_url=_root(base_url),
        parse=parse_model(RotatedKey),
        retry_safe=False,
    )


_UNCERTAIN_HINT = (
    "The rotation may have happened even though no answer arrived, and then the old key is "
    "already dead: copy the current key from the API page of app.tenantcore.io/api before "
    "retrying (a second rotation would invalidate the key you have not seen yet)."
)


def _uncertain(error: APIConnectionError) -> APIConnectionError:
    error.hint = _UNCERTAIN_HINT
    error.args = (error._render(),)
    return error


def _rotation(base_url: str, user_email: str) -> Flow[RotatedKey]:
    """The rotation, with a lost answer turned into an error that says the key may be dead."""
    return _rotating(_rotate(base_url, user_email))


def _rotating(request: APIRequest[RotatedKey]) -> Flow[RotatedKey]:
    try:
        result: RotatedKey = yield request
    except APIConnectionError as exc:
        raise _uncertain(exc) from None
    return result


def _adopt(client: BaseAPIClient, result: RotatedKey) -> RotatedKey:
    client._api_key = result.api_key  # this client goes on with the new key
    return result


class ApiKeys(SyncResource):
    """API key management."""

    def rotate(self, user_email: str) -> RotatedKey:
        """Rotate the account's key; the old key stops working immediately.

        This client switches to the new key itself. Every other integration using the old key
        breaks until updated, so update them right away (``result.api_key``, hidden from repr).
        """
        return _adopt(self._client, self._flow(_rotation(self._client.base_url, user_email)))


class AsyncApiKeys(AsyncResource):
    """Async twin of [`ApiKeys`][tenantlead.tenantcore.resources.api_keys.ApiKeys]."""

    async def rotate(self, user_email: str) -> RotatedKey:
        """Rotate the account's key; this client switches to the new key (see [`ApiKeys.rotate`][tenantlead.tenantcore.resources.api_keys.ApiKeys.rotate])."""
        return _adopt(self._client, await self._flow(_rotation(self._client.base_url, user_email)))
