"""The inbound request's credentials, kept where only the S2S client can read them.

The middleware stores the caller's ``Authorization`` header here so that a call made on
behalf of the user can forward it. It lives in its own context variable, apart from the
fields every log line carries, so it can never end up in a record.
"""

from __future__ import annotations

from contextvars import ContextVar, Token


class Credential:
    """An ``Authorization`` header value whose text never shows in ``repr``/``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def header(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Credential([REDACTED])"

    __str__ = __repr__


_inbound: ContextVar[Credential | None] = ContextVar("hopscope_inbound_credential", default=None)


def set_inbound(authorization: str | None) -> Token[Credential | None]:
    return _inbound.set(Credential(authorization) if authorization else None)


def reset_inbound(token: Token[Credential | None]) -> None:
    _inbound.reset(token)


def inbound() -> Credential | None:
    """The ``Authorization`` of the request being handled, if it had one."""
    return _inbound.get()
