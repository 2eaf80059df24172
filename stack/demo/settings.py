"""Every environment variable the demo services read, in one place.

The launcher (``hopscope demo``) and ``docker-compose.yml`` provide them; a test checks that
each service gets every variable it needs. The SDK's own variables (``SERVICE_<NAME>_URL``
for each neighbour, ``SSO_TOKEN_URL``/``SSO_CLIENT_ID``/``SSO_CLIENT_SECRET``) are listed
here too, for the services that use them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Final

SIGNING_KEY: Final = "SSO_SIGNING_KEY"
CLIENTS: Final = "SSO_CLIENTS"
USERS: Final = "SSO_USERS"
USER_LIFETIME: Final = "SSO_USER_TOKEN_TTL"
SERVICE_LIFETIME: Final = "SSO_SERVICE_TOKEN_TTL"

#: service -> environment variables it cannot start without
REQUIRED_ENV: Final[Mapping[str, tuple[str, ...]]] = {
    "sso": (SIGNING_KEY, CLIENTS, USERS),
    "cart": (SIGNING_KEY,),
    "payment-gateway": (
        SIGNING_KEY,
        "SERVICE_SSO_URL",
        "SERVICE_CART_URL",
        "SERVICE_CART_TIMEOUT",
        "SERVICE_NOTIFICATIONS_URL",
        "SSO_TOKEN_URL",
        "SSO_CLIENT_ID",
        "SSO_CLIENT_SECRET",
    ),
    "notifications": (SIGNING_KEY,),
    "traffic": (USERS,),
}
#: variables with a default, read when present
OPTIONAL_ENV: Final[Mapping[str, str]] = {
    USER_LIFETIME: "300",
    SERVICE_LIFETIME: "60",
}


class SettingsError(RuntimeError):
    """A required variable is missing or unusable; the message names it."""


def require(name: str, environ: Mapping[str, str] | None = None) -> str:
    value = (os.environ if environ is None else environ).get(name, "")
    if not value:
        raise SettingsError(f"environment variable {name} is not set")
    return value


def optional(name: str, environ: Mapping[str, str] | None = None) -> str:
    return (os.environ if environ is None else environ).get(name) or OPTIONAL_ENV[name]


def pairs(name: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``a:1,b:2`` -> ``{"a": "1", "b": "2"}`` (client secrets, user passwords)."""
    result: dict[str, str] = {}
    for item in require(name, environ).split(","):
        key, sep, value = item.strip().partition(":")
        if not sep or not key or not value:
            raise SettingsError(f"{name}: {item.strip()!r} is not NAME:SECRET")
        result[key] = value
    return result


def seconds(name: str, environ: Mapping[str, str] | None = None) -> float:
    raw = optional(name, environ)
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {raw}")
    return value


@cache
def signing_key() -> bytes:
    return require(SIGNING_KEY).encode()
