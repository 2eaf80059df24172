"""Signed bearer tokens of the demo's SSO: compact JWTs (HS256) made with the standard library.

SSO signs them; the other services check the signature and expiry locally with the shared
signing key, so a token works without a round trip to SSO (the payment gateway still asks SSO
about the user, which is the hop the demo wants to show).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Final, Literal

Kind = Literal["user", "service"]
_HEADER: Final = {"alg": "HS256", "typ": "JWT"}


class TokenError(ValueError):
    """The token is missing, malformed, badly signed or expired; the message says which."""


class TokenExpired(TokenError):
    """The token was valid once but is past its expiry (the caller should get a new one)."""


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str  # user name, or the client id of a service
    kind: Kind
    issued_at: float  # Unix seconds, sub-second precision
    expires_at: float
    scope: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sub": self.subject,
            "kind": self.kind,
            "iat": self.issued_at,
            "exp": self.expires_at,
            "scope": self.scope,
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, signing_input: str) -> str:
    return _b64(hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest())


def issue(key: bytes, subject: str, kind: Kind, ttl: float, scope: str = "") -> tuple[str, Claims]:
    """A new token for *subject*, valid for *ttl* seconds from now."""
    now = time.time()
    claims = Claims(subject, kind, now, now + ttl, scope)
    head = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims.as_dict(), separators=(",", ":")).encode())
    signing_input = f"{head}.{body}"
    return f"{signing_input}.{_sign(key, signing_input)}", claims


def verify(key: bytes, token: str, now: float | None = None) -> Claims:
    """The token's claims; :class:`TokenError` (or :class:`TokenExpired`) when it is no good."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed token")
    head, body, signature = parts
    if not hmac.compare_digest(signature, _sign(key, f"{head}.{body}")):
        raise TokenError("bad token signature")
    try:
        raw = json.loads(_unb64(body))
        claims = Claims(
            subject=str(raw["sub"]),
            kind=raw["kind"],
            issued_at=float(raw["iat"]),
            expires_at=float(raw["exp"]),
            scope=str(raw.get("scope", "")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenError(f"unreadable token claims ({type(exc).__name__})") from None
    if claims.kind not in ("user", "service"):
        raise TokenError(f"unknown token kind {claims.kind!r}")
    if (time.time() if now is None else now) >= claims.expires_at:
        raise TokenExpired("token expired")
    return claims


def bearer(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer ...`` header."""
    if not authorization:
        raise TokenError("no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("Authorization is not a bearer token")
    return token.strip()
