"""Where other services are and how to reach them, read from the environment.

A service's address is never written in code: ``SERVICE_<NAME>_URL`` names it (the name
upper-cased, dashes and dots to underscores), set by whoever deploys the service. The SSO
the service gets its own token from is ``SSO_TOKEN_URL`` with ``SSO_CLIENT_ID`` and
``SSO_CLIENT_SECRET``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Final, Literal

from pydantic import Field, HttpUrl, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from sdk.log._config import ConfigError
from sdk.log._redaction import hide_url

_NOT_ENV_CHAR: Final = re.compile(r"[^A-Z0-9]+")


def env_prefix(service: str) -> str:
    """``cart-api`` -> ``SERVICE_CART_API_``."""
    folded = _NOT_ENV_CHAR.sub("_", service.upper()).strip("_")
    if not folded:
        raise ConfigError(f"service name {service!r} cannot name an environment variable")
    return f"SERVICE_{folded}_"


class ServiceSettings(BaseSettings):
    """``SERVICE_<NAME>_URL`` (required), ``_TIMEOUT``, ``_CONNECT_TIMEOUT``, ``_RETRIES``,
    ``_VERIFY`` (false to skip TLS verification), ``_CA_BUNDLE``, ``_CLIENT_CERT``."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    url: HttpUrl
    timeout: float = Field(default=10.0, gt=0)
    connect_timeout: float = Field(default=3.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    verify: bool = True
    ca_bundle: str | None = None
    client_cert: str | None = None

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        return _urls_hidden(super().__repr_args__(), "url")


class SSOSettings(BaseSettings):
    """``SSO_TOKEN_URL``, ``SSO_CLIENT_ID``, ``SSO_CLIENT_SECRET``, optional ``SSO_SCOPE``,
    ``SSO_AUDIENCE``, ``SSO_TIMEOUT`` and ``SSO_AUTH_METHOD``: how the client authenticates
    (RFC 6749 2.3.1), HTTP Basic (``client_secret_basic``, the default) or the secret in
    the form body (``client_secret_post``, for SSOs that accept only that)."""

    model_config = SettingsConfigDict(env_prefix="SSO_", extra="ignore", case_sensitive=False)

    token_url: HttpUrl
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    scope: str | None = None
    audience: str | None = None
    timeout: float = Field(default=5.0, gt=0)
    auth_method: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        return _urls_hidden(super().__repr_args__(), "token_url")


def _urls_hidden(
    args: Iterable[tuple[str | None, Any]], url_field: str
) -> Iterator[tuple[str | None, Any]]:
    """``repr`` arguments with the URL shown as :func:`hide_url` shows it: a URL may carry
    a password, a token as its user or a secret in its query."""
    for name, value in args:
        yield name, hide_url(value) if name == url_field else value


def service_settings(service: str) -> ServiceSettings:
    """The settings of ``service``, with a clear error naming the variable that is wrong."""
    prefix = env_prefix(service)
    try:
        return ServiceSettings(_env_prefix=prefix)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(_explain(exc, prefix, f"the address of service {service!r}")) from None


def sso_settings() -> SSOSettings:
    try:
        return SSOSettings()  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(_explain(exc, "SSO_", "the SSO the service token comes from")) from None


def _explain(exc: ValidationError, prefix: str, what: str) -> str:
    problems = []
    for error in exc.errors():
        name = prefix + "_".join(str(p) for p in error["loc"]).upper()
        if error["type"] == "missing":
            problems.append(f"{name} is not set")
        else:
            problems.append(f"{name}: {error['msg']}")
    return f"{'; '.join(problems)} ({what})"
