"""The demo's cart service: shows a user's cart and verifies a payment against it.

Run: ``python -m uvicorn stack.demo.cart:app``. Reads ``SSO_SIGNING_KEY``. Acts out the
``slow``, ``error``, ``timeout`` and ``malformed`` faults (see :mod:`stack.demo.faults`).
"""

from __future__ import annotations

import asyncio
import sys
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field

import sdk
from stack.demo import auth, tokens
from stack.demo.catalog import cart_items, cart_total
from stack.demo.faults import SLOW_SECONDS, STALL_SECONDS, Fault, fault_of

sdk.configure(service="cart", version="2.3.0")
log = sdk.get_logger("stack.demo.cart")
app = FastAPI(title="cart", summary="Demo shopping carts")
sdk.instrument(app)

#: payments whose first verification already stalled (``timeout`` fault): the retry is quick
_stalled: OrderedDict[str, None] = OrderedDict()
_STALLED_KEPT = 1024


class PricingEngineError(RuntimeError):
    """The cart's pricing engine failed (the ``error`` fault)."""


class Verification(BaseModel):
    payment_id: str = Field(min_length=1, max_length=64)
    amount_cents: int = Field(ge=0)
    fault: str | None = None


def _first_stall(payment_id: str) -> bool:
    if payment_id in _stalled:
        return False
    _stalled[payment_id] = None
    while len(_stalled) > _STALLED_KEPT:
        _stalled.popitem(last=False)
    return True


@app.get("/carts/{cart_id}")
async def show_cart(
    cart_id: int, user: Annotated[tokens.Claims, Depends(auth.user)]
) -> dict[str, Any]:
    items = cart_items(cart_id)
    return {
        "cart_id": cart_id,
        "owner": user.subject,
        "items": [{"sku": i.sku, "name": i.name, "quantity": i.quantity} for i in items],
        "total_cents": cart_total(cart_id),
    }


@app.post("/carts/{cart_id}/verify")
async def verify_cart(
    cart_id: int, body: Verification, user: Annotated[tokens.Claims, Depends(auth.user)]
) -> dict[str, Any]:
    fault = fault_of(body.fault)
    with sdk.bound(payment_id=body.payment_id, cart_id=cart_id):
        if fault is Fault.SLOW:
            log.info("pricing cache cold, recomputing the cart", seconds=SLOW_SECONDS)
            await asyncio.sleep(SLOW_SECONDS)
        elif fault is Fault.TIMEOUT and _first_stall(body.payment_id):
            log.warning("pricing engine stalled", seconds=STALL_SECONDS)
            await asyncio.sleep(STALL_SECONDS)
        elif fault is Fault.MALFORMED:
            # A library that prints instead of logging: the collector must keep this line.
            sys.stdout.write(f"PRICING DEBUG cart={cart_id} recalculated by legacy engine\n")
            sys.stdout.flush()
        elif fault is Fault.ERROR:
            raise PricingEngineError(f"pricing engine returned no price for cart {cart_id}")
        total = cart_total(cart_id)
        if body.amount_cents != total:
            log.warning(
                "payment amount does not match the cart",
                amount_cents=body.amount_cents,
                total_cents=total,
            )
            raise HTTPException(status_code=409, detail="amount does not match the cart")
        log.info("cart verified", user=user.subject, total_cents=total)
        return {"cart_id": cart_id, "valid": True, "total_cents": total}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
