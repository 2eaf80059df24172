"""The demo SSO's signed tokens."""

from __future__ import annotations

import time

import pytest

from stack.demo import tokens

KEY = b"k" * 32


def test_issued_token_verifies_with_its_claims() -> None:
    token, claims = tokens.issue(KEY, "alice", "user", 60, "payments")
    assert tokens.verify(KEY, token) == claims
    assert (claims.subject, claims.kind, claims.scope) == ("alice", "user", "payments")


def test_expired_token_is_refused_as_expired() -> None:
    token, claims = tokens.issue(KEY, "payment-gateway", "service", 5)
    with pytest.raises(tokens.TokenExpired, match="token expired"):
        tokens.verify(KEY, token, now=claims.expires_at)


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t + "x", "bad token signature"),
        (lambda t: t.replace(".", "", 1), "malformed token"),
        (lambda t: "a.b.c", "bad token signature"),
    ],
)
def test_tampered_tokens_are_refused(mangle: object, reason: str) -> None:
    token, _ = tokens.issue(KEY, "alice", "user", 60)
    with pytest.raises(tokens.TokenError, match=reason):
        tokens.verify(KEY, mangle(token))  # type: ignore[operator]


def test_other_key_is_refused() -> None:
    token, _ = tokens.issue(KEY, "alice", "user", 60)
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(b"other" * 8, token)


def test_bearer_header() -> None:
    assert tokens.bearer("Bearer abc.def.ghi") == "abc.def.ghi"
    for bad in (None, "", "Basic abc", "Bearer  "):
        with pytest.raises(tokens.TokenError):
            tokens.bearer(bad)


def test_issued_at_has_sub_second_precision() -> None:
    _, first = tokens.issue(KEY, "a", "user", 60)
    time.sleep(0.01)
    _, second = tokens.issue(KEY, "a", "user", 60)
    assert second.issued_at > first.issued_at
