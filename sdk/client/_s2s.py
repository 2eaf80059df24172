"""``sdk.S2SClient`` / ``sdk.SyncS2SClient``: service-to-service calls with SSO tokens.

Two ways to call another service:

* on behalf of the user (the default): the ``Authorization`` of the inbound request being
  handled (captured by ``sdk.instrument``'s middleware) is forwarded as it came;
* as the service itself (``as_service=True``): a token the service obtained from the SSO
  with OAuth2 client credentials (``SSO_TOKEN_URL``, ``SSO_CLIENT_ID``,
  ``SSO_CLIENT_SECRET``), cached, refreshed before it expires and once after a 401.

Where there is no user (a background job, a consumer loop), a call on behalf of the user
falls back to the service token when an SSO is configured, and goes without
``Authorization`` otherwise. The hop record's ``hopscope.hop.as_service`` says which token
was used; the token itself never reaches a log line.

    class CartClient(sdk.S2SClient):
        service = "cart"          # address from SERVICE_CART_URL

    async with CartClient() as cart:
        r = await cart.get(f"/carts/{cart_id}")
        r = await cart.post("/internal/reserve", as_service=True, json=order)

    with SyncCartClient() as cart:   # class SyncCartClient(sdk.SyncS2SClient): service = "cart"
        r = cart.get("/carts/42")
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from sdk.client._base import Auth, BaseClient, SyncBaseClient
from sdk.client._tokens import ServiceToken, ServiceTokens, TokenCache
from sdk.inbound._credentials import inbound


class _S2SCore:
    """Which token a call carries."""

    #: a shared token provider; by default the process-wide one for the SSO_* settings.
    tokens: ServiceTokens | None = None
    #: where service tokens are kept, when not in this process's memory.
    token_cache: ClassVar[TokenCache | None] = None

    def _service_tokens(self, required: bool) -> ServiceTokens | None:
        if self.tokens is None:
            if not required and not os.environ.get("SSO_TOKEN_URL"):
                return None
            self.tokens = ServiceTokens.shared(cache=self.token_cache)
        return self.tokens

    def _user_auth_or_provider(self, as_service: bool, refused: object) -> Auth | ServiceTokens:
        """The credential of the next attempt when it is at hand (the user's, or none),
        else the provider to ask for the service token (a refused one forgotten first)."""
        if not as_service:
            user = inbound()
            if user is not None:
                return user, False, None
        provider = self._service_tokens(required=as_service)
        if provider is None:
            return None, False, None
        if isinstance(refused, ServiceToken):
            provider.invalidate(refused)
        return provider


def _service_auth(token: ServiceToken) -> Auth:
    return token.credential(), True, token


def _renewable(used: object) -> bool:
    """Only a service token is worth replacing after a 401; the user's is as it came."""
    return isinstance(used, ServiceToken)


class S2SClient(_S2SCore, BaseClient):
    """Async S2S client: ``async with MyClient() as c: await c.get(...)``.

    Keyword ``tokens=`` passes a :class:`sdk.ServiceTokens` (for instance one with its own
    cache); other keywords are those of :class:`sdk.BaseClient`.
    """

    def __init__(self, *, tokens: ServiceTokens | None = None, **options: Any) -> None:
        super().__init__(**options)
        if tokens is not None:
            self.tokens = tokens

    async def _auth(self, as_service: bool, refused: object) -> Auth:
        choice = self._user_auth_or_provider(as_service, refused)
        if isinstance(choice, tuple):  # no token to fetch
            return choice
        return _service_auth(await choice.atoken())

    async def _refused(self, used: object) -> bool:
        return _renewable(used)


class SyncS2SClient(_S2SCore, SyncBaseClient):
    """The synchronous twin of :class:`S2SClient`: ``with MyClient() as c: c.get(...)``."""

    def __init__(self, *, tokens: ServiceTokens | None = None, **options: Any) -> None:
        super().__init__(**options)
        if tokens is not None:
            self.tokens = tokens

    def _auth(self, as_service: bool, refused: object) -> Auth:
        choice = self._user_auth_or_provider(as_service, refused)
        if isinstance(choice, tuple):  # no token to fetch
            return choice
        return _service_auth(choice.token())

    def _refused(self, used: object) -> bool:
        return _renewable(used)
