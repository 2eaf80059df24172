"""The payment gateway of the README's "Testing your services" example (``payments.app``):
a FastAPI app that verifies bearer tokens, calls the cart, and has a health route, an admin
route and an always-failing one."""

from __future__ import annotations

from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException

import sdk

JWT_SECRET = "payments-example-signing-key-0123456789"

sdk.configure(service="payment-gateway", version="1.0.0")
log = sdk.get_logger("payments")
app = FastAPI()


class Cart(sdk.S2SClient):
    service = "cart"


def user(authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401)
    try:
        claims: dict[str, Any] = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(401) from None
    return claims


def admin(claims: Annotated[dict[str, Any], Depends(user)]) -> None:
    if "admin" not in claims.get("roles", []):
        raise HTTPException(403)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/payments", status_code=201)
async def pay(
    body: dict[str, int], claims: Annotated[dict[str, Any], Depends(user)]
) -> dict[str, str]:
    async with Cart() as cart:
        verdict = await cart.post(f"/carts/{body['cart_id']}/verify")
    if not verdict.json().get("ok"):
        raise HTTPException(409)
    log.info("card charged", cart_id=body["cart_id"], user=claims["sub"])
    return {"status": "charged"}


@app.post("/refunds", dependencies=[Depends(admin)])
def refund() -> dict[str, bool]:
    return {"refunded": True}


@app.get("/debug/fail", dependencies=[Depends(user)])
def fail() -> None:
    raise RuntimeError("this endpoint always fails")


sdk.instrument(app)
