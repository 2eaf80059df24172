"""Checking the bearer token of an inbound request, the same way in every demo service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, HTTPException

from stack.demo import tokens
from stack.demo.settings import signing_key


def reject(reason: str) -> HTTPException:
    """401 with the OAuth2 error header, which tells an S2S client to fetch a new token."""
    return HTTPException(
        status_code=401,
        detail=reason,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'},
    )


def check(authorization: str | None, kind: tokens.Kind | None = None) -> tokens.Claims:
    """The caller's claims, or a 401 (a 403 for a token of the wrong kind)."""
    try:
        claims = tokens.verify(signing_key(), tokens.bearer(authorization))
    except tokens.TokenError as exc:
        raise reject(str(exc)) from None
    if kind is not None and claims.kind != kind:
        raise HTTPException(status_code=403, detail=f"this endpoint takes a {kind} token")
    return claims


def user(authorization: Annotated[str | None, Header()] = None) -> tokens.Claims:
    """FastAPI dependency: the request was made on behalf of a signed-in user."""
    return check(authorization, "user")


def service(authorization: Annotated[str | None, Header()] = None) -> tokens.Claims:
    """FastAPI dependency: the request was made by a service with its own token."""
    return check(authorization, "service")
