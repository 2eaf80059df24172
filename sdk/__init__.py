"""hopscope SDK: ``import sdk`` in every service.

sdk.configure(service="cart", version="1.4.2", environment="prod")
log = sdk.get_logger(__name__)
log.info("cart checked out", cart_id=42, items=3)
"""

from sdk.asgi import HopMiddleware
from sdk.client import BaseClient, SyncBaseClient
from sdk.config import Config, ConfigError
from sdk.configuration import configure, current_config, emit, get_logger
from sdk.context import bind, bound, clear, unbind
from sdk.hops import UNMATCHED
from sdk.instrument import instrument
from sdk.retry import RetryPolicy
from sdk.s2s import S2SClient, SyncS2SClient
from sdk.schema import SCHEMA_VERSION, SchemaError
from sdk.tokens import MemoryTokenCache, ServiceToken, ServiceTokens, SSOError, TokenCache
from sdk.wsgi import HopWSGIMiddleware

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
