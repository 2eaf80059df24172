"""The outbound client: ``BaseClient`` for calling another service, ``S2SClient`` carrying
the user's or the service's token, the retry policy and where services are found.

Loaded on first use of its names by :mod:`sdk` (it brings httpx and pydantic-settings)."""

from sdk.client._base import BaseClient, SyncBaseClient
from sdk.client._retry import RetryPolicy
from sdk.client._s2s import S2SClient, SyncS2SClient
from sdk.client._tokens import MemoryTokenCache, ServiceToken, ServiceTokens, SSOError, TokenCache

__all__ = [
    "BaseClient",
    "MemoryTokenCache",
    "RetryPolicy",
    "S2SClient",
    "SSOError",
    "ServiceToken",
    "ServiceTokens",
    "SyncBaseClient",
    "SyncS2SClient",
    "TokenCache",
]
