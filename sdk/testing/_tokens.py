"""``tokens``: JWTs for the app under test, made with PyJWT (HS256 by default, RS256 with a
key pair generated for the test), with the roles, scopes and expiry a case needs."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

_HMAC = ("HS256", "HS384", "HS512")
_RSA = ("RS256", "RS384", "RS512")


class TokenFactory:
    """Makes tokens the app under test trusts when it verifies with :attr:`secret` (HS*) or
    :attr:`public_key` (RS*), and tokens it must refuse (expired, wrongly signed).

    ``claims`` are put on every token (a service's own claim names, ``kind="user"``);
    ``issuer`` and ``audience`` become ``iss`` and ``aud`` when set.
    """

    def __init__(
        self,
        algorithm: str = "HS256",
        *,
        secret: str | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> None:
        if algorithm not in _HMAC + _RSA:
            raise ValueError(f"algorithm {algorithm!r} is not one of {', '.join(_HMAC + _RSA)}")
        self.algorithm = algorithm
        self.issuer = issuer
        self.audience = audience
        self.claims = dict(claims or {})
        keys = _keys(algorithm, secret)
        self._signing, self.public_key = keys.signing, keys.public
        # PyJWT signs and verifies with key objects as it would with the PEM text, without
        # loading (and checking) an RSA key from PEM at every call, which takes ~50 ms
        self._key, self._verifier = keys.key, keys.verifier
        self._other: Any = None  # the key of wrong signatures, made on first use

    def __repr__(self) -> str:  # the key stays out of test reports
        return (
            f"TokenFactory({self.algorithm!r}, issuer={self.issuer!r}, audience={self.audience!r})"
        )

    @property
    def secret(self) -> str:
        """The HMAC key (HS*) or the private key in PEM (RS*) the tokens are signed with."""
        return self._signing

    @property
    def verification_key(self) -> str:
        """What the app passes to ``jwt.decode``: the secret (HS*) or the public key (RS*)."""
        return self.public_key if self.public_key is not None else self._signing

    def payload(
        self,
        sub: str = "ann",
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        expires_in: float = 300,
        **claims: Any,
    ) -> dict[str, Any]:
        """The claims :meth:`make` signs."""
        now = int(time.time())
        body: dict[str, Any] = {"sub": sub, "iat": now, "exp": now + int(expires_in)}
        body["roles"] = list(roles)
        scope = " ".join(scopes)
        if scope:
            body["scope"] = scope
        if self.issuer is not None:
            body["iss"] = self.issuer
        if self.audience is not None:
            body["aud"] = self.audience
        return {**body, **self.claims, **claims}

    def make(
        self,
        sub: str = "ann",
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        expires_in: float = 300,
        **claims: Any,
    ) -> str:
        """A valid token for ``sub`` with these roles and scopes."""
        body = self.payload(sub, roles, scopes, expires_in, **claims)
        return jwt.encode(body, self._key, algorithm=self.algorithm)

    def expired(
        self, sub: str = "ann", roles: Iterable[str] = (), scopes: Iterable[str] = (), **claims: Any
    ) -> str:
        """A token that expired a minute ago (issued two minutes ago)."""
        body = self.payload(sub, roles, scopes, -60, **claims)
        body["iat"] = body["exp"] - 60
        return jwt.encode(body, self._key, algorithm=self.algorithm)

    def wrong_signature(
        self, sub: str = "ann", roles: Iterable[str] = (), scopes: Iterable[str] = (), **claims: Any
    ) -> str:
        """A token like :meth:`make`'s, signed with another key of the same algorithm (one
        per factory: an RSA key takes a tenth of a second to make)."""
        if self._other is None:
            self._other = _keys(self.algorithm, None).key
        body = self.payload(sub, roles, scopes, **claims)
        return jwt.encode(body, self._other, algorithm=self.algorithm)

    def headers(
        self,
        sub: str = "ann",
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        expires_in: float = 300,
        **claims: Any,
    ) -> dict[str, str]:
        """``{"Authorization": "Bearer <a valid token>"}``."""
        return {"Authorization": f"Bearer {self.make(sub, roles, scopes, expires_in, **claims)}"}

    def decode(self, token: str) -> dict[str, Any]:
        """The claims of a token this factory made, verified as the app would."""
        decoded: dict[str, Any] = jwt.decode(
            token,
            self._verifier,
            algorithms=[self.algorithm],
            audience=self.audience,
            issuer=self.issuer,
        )
        return decoded


@dataclass(frozen=True, slots=True)
class _Keys:
    signing: str  # the HMAC secret, or the private key in PEM
    public: str | None  # the public key in PEM (RS*)
    key: Any  # what PyJWT signs with: the secret, or the private key object
    verifier: Any  # what PyJWT verifies with: the secret, or the public key object


def _keys(algorithm: str, secret: str | None) -> _Keys:
    if algorithm in _HMAC:
        text = secret or secrets.token_urlsafe(32)
        return _Keys(text, None, text, text)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if secret is not None:
        private = serialization.load_pem_private_key(secret.encode(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError(f"{algorithm} needs an RSA private key in PEM")
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = private.public_key()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return _Keys(pem, public_pem, private, public)
