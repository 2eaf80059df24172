"""What the local demo runs: each service's app, port and environment.

The same variables ``docker-compose.yml`` sets, with loopback addresses and secrets made up
fresh for each run.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from stack.demo import APPS, settings
from stack.demo.faults import CART_TIMEOUT_SECONDS

#: start order: each service after the ones it calls
SERVICES: Final = ("sso", "cart", "notifications", "payment-gateway")
DEFAULT_PORTS: Final[Mapping[str, int]] = {
    "sso": 8101,
    "cart": 8102,
    "notifications": 8103,
    "payment-gateway": 8104,
}
DASHBOARD_PORT: Final = 8501
USERS: Final = ("alice", "bob", "carol")


@dataclass(frozen=True, slots=True)
class Secrets:
    """Made up for one run: nothing the demo signs or checks outlives it."""

    signing_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    gateway_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    passwords: Mapping[str, str] = field(
        default_factory=lambda: {u: secrets.token_urlsafe(12) for u in USERS}
    )

    @property
    def users(self) -> str:
        return ",".join(f"{u}:{p}" for u, p in self.passwords.items())


@dataclass(frozen=True, slots=True)
class ServicePlan:
    name: str
    app: str
    host: str
    port: int
    env: Mapping[str, str]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self, python: str = sys.executable) -> list[str]:
        return [python, "-m", "uvicorn", self.app, "--host", self.host, "--port", str(self.port)]


def service_env(host: str, ports: Mapping[str, int], keys: Secrets) -> dict[str, dict[str, str]]:
    """Each service's own variables (the process environment is added when it starts)."""

    def url(name: str) -> str:
        return f"http://{host}:{ports[name]}"

    common = {settings.SIGNING_KEY: keys.signing_key, "HOPSCOPE_ENVIRONMENT": "demo"}
    return {
        "sso": {
            **common,
            settings.CLIENTS: f"payment-gateway:{keys.gateway_secret}",
            settings.USERS: keys.users,
        },
        "cart": dict(common),
        "notifications": dict(common),
        "payment-gateway": {
            **common,
            "SERVICE_SSO_URL": url("sso"),
            "SERVICE_CART_URL": url("cart"),
            "SERVICE_CART_TIMEOUT": str(CART_TIMEOUT_SECONDS),
            "SERVICE_NOTIFICATIONS_URL": url("notifications"),
            "SSO_TOKEN_URL": f"{url('sso')}/token",
            "SSO_CLIENT_ID": "payment-gateway",
            "SSO_CLIENT_SECRET": keys.gateway_secret,
        },
    }


def demo_plan(host: str, ports: Mapping[str, int], keys: Secrets) -> list[ServicePlan]:
    envs = service_env(host, ports, keys)
    return [ServicePlan(n, APPS[n], host, ports[n], envs[n]) for n in SERVICES]
