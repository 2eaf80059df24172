"""Small instrumented apps the kit's tests drive: FastAPI, Starlette and Flask."""

from __future__ import annotations

from typing import Any

import flask
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import sdk

sdk.configure(service="shop", version="1.0.0")
log = sdk.get_logger("apps")


class Cart(sdk.BaseClient):
    service = "cart"


shop = FastAPI()


@shop.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, Any]:
    log.info("item shown", item_id=item_id)
    return {"id": item_id}


@shop.post("/checkout", status_code=201)
async def checkout() -> dict[str, Any]:
    async with Cart() as cart:
        verdict = await cart.post("/carts/7/verify", json={"amount": 3})
    return {"cart": verdict.json()}


@shop.get("/health")
async def shop_health() -> dict[str, str]:
    return {"status": "ok"}


@shop.get("/debug/fail")
async def shop_fail() -> None:
    raise RuntimeError("this endpoint always fails")


sdk.instrument(shop)


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": request.path_params["name"]})


async def greeter_health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def greeter_fail(request: Request) -> JSONResponse:
    raise LookupError("this endpoint always fails")


greeter = sdk.instrument(
    Starlette(
        routes=[
            Route("/hello/{name}", hello),
            Route("/health", greeter_health),
            Route("/debug/fail", greeter_fail),
        ]
    )
)

shelf = flask.Flask("shelf")


@shelf.get("/books/<int:book_id>")
def book(book_id: int) -> dict[str, Any]:
    log.info("book shown", book_id=book_id)
    return {"id": book_id}


@shelf.get("/health")
def shelf_health() -> dict[str, str]:
    return {"status": "ok"}


@shelf.get("/debug/fail")
def shelf_fail() -> None:
    raise KeyError("this endpoint always fails")


sdk.instrument(shelf)
