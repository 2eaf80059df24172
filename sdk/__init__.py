"""hopscope SDK: ``import sdk`` in every service.

sdk.configure(service="cart", version="1.4.2", environment="prod")
log = sdk.get_logger(__name__)
log.info("cart checked out", cart_id=42, items=3)

The logging core is imported at once; the middleware and the clients (httpx,
OpenTelemetry instrumentation, pydantic-settings) load on first use of their names, so a
process that only logs, or a short command, does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Eager: the name is also its submodule's, which importing ``sdk.instrument`` would bind
# over a lazy name.
from sdk.inbound._instrument import instrument
from sdk.log._config import Config, ConfigError
from sdk.log._configure import configure, current_config, emit, get_logger
from sdk.log._context import bind, bound, clear, unbind
from sdk.schema import SCHEMA_VERSION, SchemaError

if TYPE_CHECKING:
    from sdk.client._base import BaseClient, SyncBaseClient
    from sdk.client._retry import RetryPolicy
    from sdk.client._s2s import S2SClient, SyncS2SClient
    from sdk.client._tokens import (
        MemoryTokenCache,
        ServiceToken,
        ServiceTokens,
        SSOError,
        TokenCache,
    )
    from sdk.inbound._asgi import HopMiddleware
    from sdk.inbound._hops import UNMATCHED
    from sdk.inbound._wsgi import HopWSGIMiddleware

#: public name -> the module that defines it, imported when the name is first used
_LAZY = {
    "HopMiddleware": "sdk.inbound._asgi",
    "BaseClient": "sdk.client._base",
    "SyncBaseClient": "sdk.client._base",
    "UNMATCHED": "sdk.inbound._hops",
    "RetryPolicy": "sdk.client._retry",
    "S2SClient": "sdk.client._s2s",
    "SyncS2SClient": "sdk.client._s2s",
    "MemoryTokenCache": "sdk.client._tokens",
    "ServiceToken": "sdk.client._tokens",
    "ServiceTokens": "sdk.client._tokens",
    "SSOError": "sdk.client._tokens",
    "TokenCache": "sdk.client._tokens",
    "HopWSGIMiddleware": "sdk.inbound._wsgi",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "SCHEMA_VERSION",
    "UNMATCHED",
    "BaseClient",
    "Config",
    "ConfigError",
    "HopMiddleware",
    "HopWSGIMiddleware",
    "MemoryTokenCache",
    "RetryPolicy",
    "S2SClient",
    "SSOError",
    "SchemaError",
    "ServiceToken",
    "ServiceTokens",
    "SyncBaseClient",
    "SyncS2SClient",
    "TokenCache",
    "bind",
    "bound",
    "clear",
    "configure",
    "current_config",
    "emit",
    "get_logger",
    "instrument",
    "unbind",
]
