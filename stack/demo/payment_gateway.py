"""The demo's payment gateway: the seed's example made real.

A user pays for a cart. The gateway asks SSO who the user is and has the cart service
verify the cart, both on behalf of the user (the user's token is forwarded); then it
charges the card and, from a background task, has notifications tell the user, this time
as the gateway itself (its own client-credentials token).

Run: ``python -m uvicorn stack.demo.payment_gateway:app``. Reads ``SSO_SIGNING_KEY``,
``SERVICE_SSO_URL``, ``SERVICE_CART_URL``, ``SERVICE_NOTIFICATIONS_URL`` and
``SSO_TOKEN_URL`` / ``SSO_CLIENT_ID`` / ``SSO_CLIENT_SECRET``.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field

import sdk
from stack.demo import auth, tokens
from stack.demo.clients import CartClient, NotificationsClient, SSOClient

sdk.configure(service="payment-gateway", version="3.1.4")
log = sdk.get_logger("stack.demo.payment_gateway")


@dataclass
class Neighbours:
    sso: SSOClient
    cart: CartClient
    notifications: NotificationsClient

    async def aclose(self) -> None:
        await asyncio.gather(self.sso.aclose(), self.cart.aclose(), self.notifications.aclose())


_neighbours: Neighbours | None = None


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global _neighbours
    _neighbours = Neighbours(SSOClient(), CartClient(), NotificationsClient())
    try:
        yield
    finally:
        await _neighbours.aclose()
        _neighbours = None


app = FastAPI(title="payment-gateway", summary="Demo payments", lifespan=lifespan)
sdk.instrument(app)


def neighbours() -> Neighbours:
    if _neighbours is None:
        raise HTTPException(status_code=503, detail="starting up")
    return _neighbours


class PaymentRequest(BaseModel):
    cart_id: int = Field(ge=0)
    amount_cents: int = Field(ge=1)
    #: demo fault to act out along the way (see stack.demo.faults)
    fault: str | None = None


async def _who(n: Neighbours) -> dict[str, Any]:
    """The signed-in user's profile from SSO, asked with the user's own token."""
    response = await n.sso.get("/userinfo")
    if response.status_code != 200:
        raise HTTPException(status_code=401, detail="SSO does not know this session")
    profile: dict[str, Any] = response.json()
    return profile


async def _verify(n: Neighbours, payment_id: str, body: PaymentRequest) -> dict[str, Any]:
    """The cart service checks the amount, on behalf of the user; POST retried (idempotent)."""
    try:
        response = await n.cart.post(
            f"/carts/{body.cart_id}/verify",
            json={"payment_id": payment_id, "amount_cents": body.amount_cents, "fault": body.fault},
            retry=True,
        )
    except httpx.TimeoutException as exc:
        log.error("cart did not answer in time", cart_id=body.cart_id, exc_info=exc)
        raise HTTPException(status_code=504, detail="cart verification timed out") from None
    except httpx.HTTPError as exc:
        log.error("cart unreachable", cart_id=body.cart_id, exc_info=exc)
        raise HTTPException(status_code=502, detail="cart service unreachable") from None
    if response.status_code == 409:
        raise HTTPException(status_code=409, detail="the amount does not match the cart")
    if response.status_code != 200:
        log.error("cart verification failed", cart_id=body.cart_id, status=response.status_code)
        raise HTTPException(status_code=502, detail="cart verification failed")
    verdict: dict[str, Any] = response.json()
    return verdict


async def _charge(payment_id: str, amount_cents: int) -> None:
    await asyncio.sleep(random.uniform(0.01, 0.05))  # the card network's round trip
    log.info("card charged", payment_id=payment_id, amount_cents=amount_cents)


async def _notify(
    n: Neighbours, user: str, payment_id: str, amount: int, fault: str | None
) -> None:
    """Background task: runs after the response, so it calls as the service itself."""
    try:
        response = await n.notifications.post(
            "/notifications",
            json={
                "user": user,
                "channel": "push",
                "text": f"Payment of {amount / 100:.2f} EUR received",
                "payment_id": payment_id,
                "fault": fault,
            },
            as_service=True,
        )
    except (httpx.HTTPError, sdk.SSOError) as exc:
        log.error("could not notify the user", payment_id=payment_id, exc_info=exc)
        return
    if response.status_code >= 300:
        log.error("notification refused", payment_id=payment_id, status=response.status_code)


@app.post("/payments", status_code=201)
async def pay(
    body: PaymentRequest,
    background: BackgroundTasks,
    user: Annotated[tokens.Claims, Depends(auth.user)],
    n: Annotated[Neighbours, Depends(neighbours)],
) -> dict[str, Any]:
    payment_id = uuid.uuid4().hex[:16]
    with sdk.bound(payment_id=payment_id, cart_id=body.cart_id):
        log.info("payment requested", amount_cents=body.amount_cents, user=user.subject)
        profile = await _who(n)
        await _verify(n, payment_id, body)
        await _charge(payment_id, body.amount_cents)
        background.add_task(_notify, n, profile["sub"], payment_id, body.amount_cents, body.fault)
        return {"payment_id": payment_id, "status": "charged", "amount_cents": body.amount_cents}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
