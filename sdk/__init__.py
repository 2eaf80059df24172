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

from sdk.config import Config, ConfigError
from sdk.configuration import configure, current_config, emit, get_logger
from sdk.context import bind, bound, clear, unbind

# Eager: the name is also its submodule's, which importing ``sdk.instrument`` would bind
# over a lazy name.
from sdk.instrument import instrument
from sdk.schema import SCHEMA_VERSION, SchemaError

if TYPE_CHECKING:
    from sdk.asgi import HopMiddleware
    from sdk.client import BaseClient, SyncBaseClient
    from sdk.hops import UNMATCHED
    from sdk.retry import RetryPolicy
    from sdk.s2s import S2SClient, SyncS2SClient
    from sdk.tokens import MemoryTokenCache, ServiceToken, ServiceTokens, SSOError, TokenCache
    from sdk.wsgi import HopWSGIMiddleware

#: public name -> the module that defines it, imported when the name is first used
_LAZY = {
    "HopMiddleware": "sdk.asgi",
    "BaseClient": "sdk.client",
    "SyncBaseClient": "sdk.client",
    "UNMATCHED": "sdk.hops",
    "RetryPolicy": "sdk.retry",
    "S2SClient": "sdk.s2s",
    "SyncS2SClient": "sdk.s2s",
    "MemoryTokenCache": "sdk.tokens",
    "ServiceToken": "sdk.tokens",
    "ServiceTokens": "sdk.tokens",
    "SSOError": "sdk.tokens",
    "TokenCache": "sdk.tokens",
    "HopWSGIMiddleware": "sdk.wsgi",
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
