"""Apps whose routes check bearer tokens, for ``check_auth``: a FastAPI, a Starlette and a
Flask one, each with a public health route, a route for any signed-in user and one for
admins. ``make_*(forget=...)`` leaves the auth check off the named route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import flask
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

import sdk

KEY = "guarded-apps-signing-key-0123456789abcdef"


def refusal(authorization: str | None, role: str | None = None) -> int | None:
    """401 or 403 for a request these credentials do not let through, else None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Bearer" or not token:
        return 401
    try:
        claims = jwt.decode(token, KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        return 401
    if role is not None and role not in claims.get("roles", []):
        return 403
    return None


def make_fastapi(forget: str | None = None) -> FastAPI:
    app = FastAPI()

    def needs(role: str | None, route: str) -> Callable[..., None]:
        def dependency(authorization: Annotated[str | None, Header()] = None) -> None:
            if route == forget:
                return
            status = refusal(authorization, role)
            if status is not None:
                raise HTTPException(status)

        return dependency

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/orders/{order_id}", dependencies=[Depends(needs(None, "/orders/{order_id}"))])
    def order(order_id: int) -> dict[str, int]:
        return {"id": order_id}

    @app.post("/refunds", dependencies=[Depends(needs("admin", "/refunds"))], status_code=201)
    def refund() -> dict[str, bool]:
        return {"refunded": True}

    return sdk.instrument(app)


def make_starlette(forget: str | None = None) -> Starlette:
    def guard(role: str | None, route: str, request: Request) -> Response | None:
        status = None if route == forget else refusal(request.headers.get("authorization"), role)
        return None if status is None else JSONResponse({"error": "no"}, status)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def item(request: Request) -> Response:
        refused = guard(None, "/api/items/{item_id}", request)
        return refused or JSONResponse({"id": request.path_params["item_id"]})

    class Refunds(HTTPEndpoint):
        async def post(self, request: Request) -> Response:
            return guard("admin", "/refunds", request) or JSONResponse({"ok": True}, 201)

        async def delete(self, request: Request) -> Response:
            return guard("admin", "/refunds", request) or Response(status_code=204)

    routes = [
        Route("/health", health),
        Mount("/api", routes=[Route("/items/{item_id:int}", item)]),
        Route("/refunds", Refunds),
    ]
    return sdk.instrument(Starlette(routes=routes))


def make_flask(forget: str | None = None) -> flask.Flask:
    app = flask.Flask("guarded")

    def guard(role: str | None, route: str) -> Any:
        if route == forget:
            return None
        status = refusal(flask.request.headers.get("authorization"), role)
        return None if status is None else ({"error": "no"}, status)

    @app.get("/health")
    def health() -> Any:
        return {"status": "ok"}

    @app.get("/books/<uuid:book_id>")
    def book(book_id: Any) -> Any:
        return guard(None, "/books/<uuid:book_id>") or {"id": str(book_id)}

    @app.post("/refunds")
    def refund() -> Any:
        return guard("admin", "/refunds") or ({"ok": True}, 201)

    return sdk.instrument(app)
