"""The services of the chain tests, one module, the role picked by ``CHAIN_ROLE``.

``a``: ``GET /pay/{cart_id}`` calls b on behalf of the user.
``b``: ``GET /orders/{order_id}`` requires the user's token, calls c as the service.
``c``: ``GET /work/{item}`` requires a service token; ``boom`` raises, ``flaky-*`` answers
503 twice before it works, ``slow-*`` sleeps a little; ``POST /admin/revoke`` refuses the
tokens seen so far (as if the SSO had revoked them); the websocket ``/ws/{item}`` echoes
one message, raises after reading it when the item is ``boom``, and echoes every message
until the client closes when it is ``listen``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, StreamingResponse

import sdk

ROLE = os.environ["CHAIN_ROLE"]
sdk.configure()
log = sdk.get_logger("chain")
app = FastAPI()
sdk.instrument(app)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


class BClient(sdk.S2SClient):
    service = "b"


class CClient(sdk.S2SClient):
    service = "c"


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@app.get("/pay/{cart_id}")
async def pay(cart_id: str) -> JSONResponse:
    log.info("paying", cart_id=cart_id)
    async with BClient() as b:
        r = await b.get(f"/orders/{cart_id}")
    return JSONResponse({"b_status": r.status_code, "b": r.json()}, status_code=r.status_code)


@app.get("/orders/{order_id}")
async def order(order_id: str, request: Request) -> JSONResponse:
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer user-"):
        return JSONResponse({"error": "a user token is required"}, status_code=401)
    log.info("order received", order_id=order_id)
    async with CClient() as c:
        r = await c.get(f"/work/{order_id}", as_service=True)
    body = {"user_token_digest": digest(auth.removeprefix("Bearer ")), "c_status": r.status_code}
    if r.status_code == 200:
        body["c"] = r.json()
    # 500, not 502: a gateway error would make a retry of the whole chain
    return JSONResponse(body, status_code=200 if r.status_code == 200 else 500)


revoked: set[str] = set()
seen: set[str] = set()
flaky: dict[str, int] = {}


@app.get("/work/{item}")
async def work(item: str, request: Request) -> JSONResponse:
    auth = request.headers.get("authorization", "")
    token = auth.removeprefix("Bearer ")
    if not auth.startswith("Bearer svc-") or digest(token) in revoked:
        return JSONResponse({"error": "a service token is required"}, status_code=401)
    seen.add(digest(token))
    if item == "boom":
        raise ValueError(f"cannot work on {item}")
    if item.startswith("flaky"):
        failures = flaky.get(item, 0)
        flaky[item] = failures + 1
        if failures < 2:
            return JSONResponse({"error": "busy"}, status_code=503, headers={"retry-after": "0"})
    if item.startswith("slow"):
        await asyncio.sleep(0.05)
    log.info("working", item=item)
    return JSONResponse({"item": item, "service_token_digest": digest(token)})


@app.post("/admin/revoke")
async def revoke() -> dict[str, int]:
    revoked.update(seen)
    return {"revoked": len(revoked)}


@app.get("/stream")
async def stream() -> StreamingResponse:
    async def chunks():  # type: ignore[no-untyped-def]
        for n in range(5):
            yield f"chunk {n}\n".encode()

    return StreamingResponse(chunks(), media_type="text/plain")


@app.websocket("/ws/{item}")
async def echo(websocket: WebSocket, item: str) -> None:
    await websocket.accept()
    if item == "listen":  # until the client closes: Starlette raises WebSocketDisconnect then
        while True:
            await websocket.send_text(f"echo {await websocket.receive_text()}")
    text = await websocket.receive_text()
    if item == "boom":
        raise ValueError(f"cannot stream {item}")
    await websocket.send_text(f"echo {text}")
    await websocket.close()
