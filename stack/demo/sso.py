"""The demo's SSO: issues user tokens (password grant) and service tokens (OAuth2 client
credentials), and tells a service who a user token belongs to (``/userinfo``).

Run: ``python -m uvicorn stack.demo.sso:app``. Reads ``SSO_SIGNING_KEY``, ``SSO_CLIENTS``,
``SSO_USERS`` and, optionally, ``SSO_USER_TOKEN_TTL`` / ``SSO_SERVICE_TOKEN_TTL``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse

import sdk
from stack.demo import auth, settings, tokens
from stack.demo.forms import basic_credentials, parse_form

sdk.configure(service="sso", version="1.0.0")
log = sdk.get_logger("stack.demo.sso")
app = FastAPI(title="sso", summary="Demo single sign-on: user and service tokens")
sdk.instrument(app)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    log.warning("token refused", error=error, reason=description)
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _known(secrets: dict[str, str], name: str, secret: str) -> bool:
    expected = secrets.get(name)
    # compare even for unknown names, so timing does not tell which names exist
    return hmac.compare_digest((expected or "\0").encode(), secret.encode()) and bool(expected)


def _grant(subject: str, kind: tokens.Kind, ttl: float, scope: str) -> dict[str, Any]:
    token, claims = tokens.issue(settings.signing_key(), subject, kind, ttl, scope)
    log.info("token issued", subject=subject, grant_kind=kind, expires_in=int(ttl))
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(claims.expires_at - claims.issued_at),
        "scope": scope,
    }


@app.post("/token", response_model=None)
async def token(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> dict[str, Any] | JSONResponse:
    form = parse_form(await request.body())
    grant_type = form.get("grant_type", "")
    if grant_type == "password":
        name, password = form.get("username", ""), form.get("password", "")
        if not _known(settings.pairs(settings.USERS), name, password):
            return _oauth_error(400, "invalid_grant", "unknown user or wrong password")
        ttl = settings.seconds(settings.USER_LIFETIME)
        return _grant(name, "user", ttl, form.get("scope", "payments"))
    if grant_type == "client_credentials":
        basic = basic_credentials(authorization)
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if not _known(settings.pairs(settings.CLIENTS), client_id, secret):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        ttl = settings.seconds(settings.SERVICE_LIFETIME)
        return _grant(client_id, "service", ttl, form.get("scope", "internal"))
    return _oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r}")


@app.get("/userinfo")
async def userinfo(user: Annotated[tokens.Claims, Depends(auth.user)]) -> dict[str, Any]:
    """Who the bearer is (OpenID Connect's userinfo), asked by services on the user's behalf."""
    return {
        "sub": user.subject,
        "name": user.subject.capitalize(),
        "email": f"{user.subject}@shop.example",
        "scope": user.scope,
    }


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
