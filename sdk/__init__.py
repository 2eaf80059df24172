"""hopscope SDK: ``import sdk`` in every service.

sdk.configure(service="cart", version="1.4.2", environment="prod")
log = sdk.get_logger(__name__)
log.info("cart checked out", cart_id=42, items=3)
"""

from sdk.config import Config, ConfigError
from sdk.configuration import configure, current_config, emit, get_logger
from sdk.context import bind, bound, clear, unbind
from sdk.schema import SCHEMA_VERSION, SchemaError

__all__ = [
    "SCHEMA_VERSION",
    "Config",
    "ConfigError",
    "SchemaError",
    "bind",
    "bound",
    "clear",
    "configure",
    "current_config",
    "emit",
    "get_logger",
    "unbind",
]
