"""A small SSO for the tests: OAuth2 client credentials at ``POST /token``.

It issues opaque ``svc-...`` tokens to the one client it knows (``SSO_EXPECT_ID`` /
``SSO_EXPECT_SECRET``, sent with HTTP Basic auth), waits ``SSO_DELAY`` seconds before
answering (so a burst of callers overlaps one fetch) and tells the test what it issued.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import sdk

sdk.configure()
app = FastAPI()
sdk.instrument(app)
issued: list[str] = []


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.post("/token")
async def token(request: Request) -> JSONResponse:
    form = await request.form()
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        client_id = secret = ""
    if (
        scheme.lower() != "basic"
        or client_id != os.environ["SSO_EXPECT_ID"]
        or secret != os.environ["SSO_EXPECT_SECRET"]
    ):
        return JSONResponse({"error": "invalid_client"}, status_code=401)
    if form.get("grant_type") != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    await asyncio.sleep(float(os.environ.get("SSO_DELAY", "0")))
    value = "svc-" + secrets.token_urlsafe(24)
    issued.append(value)
    lifetime = int(os.environ.get("SSO_LIFETIME", "300"))
    return JSONResponse({"access_token": value, "token_type": "Bearer", "expires_in": lifetime})


@app.get("/issued")
async def issued_tokens() -> dict[str, object]:
    """For the test only: the tokens handed out (under a key the SDK redacts in logs)."""
    return {"count": len(issued), "access_tokens": issued}
