"""The demo's notifications service: an SMS / push stand-in, called by services only.

Run: ``python -m uvicorn stack.demo.notifications:app``. Reads ``SSO_SIGNING_KEY``. Acts
out the ``expired-token`` fault: the first service token it sees for such a payment counts
as expired (as after a key rotation), so the caller must fetch a new one and retry.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field

import sdk
from stack.demo import auth, tokens
from stack.demo.faults import Fault, fault_of

sdk.configure(service="notifications", version="0.9.1")
log = sdk.get_logger("stack.demo.notifications")
app = FastAPI(title="notifications", summary="Demo SMS and push notifications")
sdk.instrument(app)

#: payment -> when its ``expired-token`` fault began: tokens issued before count as expired
_rotations: OrderedDict[str, float] = OrderedDict()
_ROTATIONS_KEPT = 1024


class Notification(BaseModel):
    user: str = Field(min_length=1, max_length=64)
    channel: Literal["sms", "push"] = "push"
    text: str = Field(min_length=1, max_length=512)
    payment_id: str | None = Field(default=None, max_length=64)
    fault: str | None = None


def _rotation_of(payment_id: str) -> float:
    if payment_id not in _rotations:
        _rotations[payment_id] = time.time()
        while len(_rotations) > _ROTATIONS_KEPT:
            _rotations.popitem(last=False)
    return _rotations[payment_id]


@app.post("/notifications", status_code=202)
async def send(
    body: Notification, caller: Annotated[tokens.Claims, Depends(auth.service)]
) -> dict[str, Any]:
    # the token is checked (a dependency) before the body, so a caller without one learns
    # nothing about what the endpoint takes; the rotation needs the body, so it comes after
    if (
        fault_of(body.fault) is Fault.EXPIRED_TOKEN
        and body.payment_id
        and caller.issued_at < _rotation_of(body.payment_id)
    ):
        raise auth.reject("token expired")
    notification_id = uuid.uuid4().hex[:12]
    log.info(
        "notification sent",
        notification_id=notification_id,
        channel=body.channel,
        recipient=body.user,
        requested_by=caller.subject,
        payment_id=body.payment_id,
    )
    return {"id": notification_id, "channel": body.channel, "queued": True}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
