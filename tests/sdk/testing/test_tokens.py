"""``TokenFactory``: tokens PyJWT verifies with the factory's key, and the ones it refuses."""

from __future__ import annotations

import jwt
import pytest

from sdk.testing import TokenFactory


def test_hs256_tokens_carry_roles_scopes_issuer_and_audience() -> None:
    factory = TokenFactory(issuer="https://sso.test", audience="payments", claims={"kind": "user"})
    token = factory.make(sub="ann", roles=["buyer"], scopes=["pay", "read"], tenant="t1")
    claims = jwt.decode(
        token, factory.secret, algorithms=["HS256"], audience="payments", issuer="https://sso.test"
    )
    assert claims["sub"] == "ann"
    assert claims["roles"] == ["buyer"]
    assert claims["scope"] == "pay read"
    assert (claims["kind"], claims["tenant"]) == ("user", "t1")
    assert claims["exp"] - claims["iat"] == 300
    assert factory.public_key is None
    assert factory.secret not in repr(factory)


def test_rs256_tokens_verify_with_the_public_key_only() -> None:
    factory = TokenFactory("RS256")
    assert factory.public_key is not None
    assert factory.public_key.startswith("-----BEGIN PUBLIC KEY-----")
    token = factory.make(sub="svc")
    assert jwt.decode(token, factory.public_key, algorithms=["RS256"])["sub"] == "svc"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(factory.wrong_signature(), factory.public_key, algorithms=["RS256"])


def test_expired_and_wrongly_signed_tokens_are_refused() -> None:
    factory = TokenFactory()
    with pytest.raises(jwt.ExpiredSignatureError):
        factory.decode(factory.expired(roles=["admin"]))
    with pytest.raises(jwt.InvalidSignatureError):
        factory.decode(factory.wrong_signature())
    assert factory.decode(factory.make())["sub"] == "ann"


def test_headers_are_a_bearer_authorization() -> None:
    factory = TokenFactory(secret="a-secret-of-at-least-thirty-two-bytes!")
    [(name, value)] = factory.headers(sub="bob", roles=["admin"]).items()
    assert name == "Authorization"
    scheme, token = value.split(" ")
    assert scheme == "Bearer"
    assert factory.decode(token)["roles"] == ["admin"]


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="'none' is not one of HS256"):
        TokenFactory("none")
