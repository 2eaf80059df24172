"""Small peer services for the client tests, built per test (their state is per instance):
an echo service with failure modes, and an OAuth2 client-credentials SSO."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


@dataclass
class EchoState:
    calls: dict[str, int] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)  # digests of Authorization values
    refuse_all: bool = False


def echo_app(state: EchoState) -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        auth = request.headers.get("authorization")
        if auth is not None and (state.refuse_all or digest(auth) in state.refused):
            return JSONResponse({"error": "token refused"}, status_code=401)
        return JSONResponse(
            {
                "method": request.method,
                "authorization_digest": digest(auth) if auth else None,
                "origin": request.headers.get("x-hopscope-service"),
                "traceparent": request.headers.get("traceparent"),
                "query": str(request.query_params),
            }
        )

    async def flaky(request: Request) -> JSONResponse:
        """Fails ``fail`` times with ``code`` (and ``retry_after``) before it works."""
        key = request.path_params["key"]
        state.calls[key] = state.calls.get(key, 0) + 1
        if state.calls[key] <= int(request.query_params.get("fail", "0")):
            headers = {}
            if "retry_after" in request.query_params:
                headers["retry-after"] = request.query_params["retry_after"]
            code = int(request.query_params.get("code", "503"))
            return JSONResponse({"error": "busy"}, status_code=code, headers=headers)
        return JSONResponse({"key": key, "calls": state.calls[key]})

    async def stall(request: Request) -> JSONResponse:
        """Answers the first ``fail`` calls only after ``seconds`` (the caller times out)."""
        key = request.path_params["key"]
        state.calls[key] = state.calls.get(key, 0) + 1
        if state.calls[key] <= int(request.query_params.get("fail", "0")):
            await asyncio.sleep(float(request.query_params.get("seconds", "2")))
        return JSONResponse({"key": key, "calls": state.calls[key]})

    async def moved(request: Request) -> RedirectResponse:
        return RedirectResponse("/echo", status_code=307)

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(float(request.query_params.get("seconds", "2")))
        return JSONResponse({"slow": True})

    return Starlette(
        routes=[
            Route("/echo", echo, methods=["GET", "POST"]),
            Route("/flaky/{key}", flaky, methods=["GET", "POST"]),
            Route("/slow", slow),
            Route("/stall/{key}", stall, methods=["GET", "POST", "PUT"]),
            Route("/moved", moved),
        ]
    )


@dataclass
class SSOState:
    client_id: str = "svc-orders"
    client_secret: str = field(default_factory=lambda: "cs-" + secrets.token_hex(8))
    delay: float = 0.0
    lifetime: int = 300
    issued: list[str] = field(default_factory=list)
    traceparents: list[str | None] = field(default_factory=list)
    tracestates: list[str | None] = field(default_factory=list)


def sso_app(state: SSOState) -> Starlette:
    async def token(request: Request) -> JSONResponse:
        state.traceparents.append(request.headers.get("traceparent"))
        state.tracestates.append(request.headers.get("tracestate"))
        form = await request.form()
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        client_id, _, secret = base64.b64decode(encoded or b"").decode().partition(":")
        if scheme != "Basic":  # client_secret_post: the credentials in the form
            client_id, secret = str(form.get("client_id")), str(form.get("client_secret"))
        if (client_id, secret) != (state.client_id, state.client_secret):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        await asyncio.sleep(state.delay)
        value = "svc-" + secrets.token_urlsafe(20)
        state.issued.append(value)
        return JSONResponse(
            {"access_token": value, "token_type": "Bearer", "expires_in": state.lifetime}
        )

    return Starlette(routes=[Route("/oauth/token", token, methods=["POST"])])
