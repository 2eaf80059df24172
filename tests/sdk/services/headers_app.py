"""A service whose failing handler holds the raw ASGI header list in a local variable.

Sentry captures the local variables of every frame, so ``GET /refuse`` puts the request's
headers into the event the way ASGI keeps them: ``[(b'cookie', b'...'), ...]``, each name
and its value in separate elements of a pair.
"""

from __future__ import annotations

from fastapi import FastAPI, Request

import sdk

sdk.configure()
app = FastAPI()
sdk.instrument(app)


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


def check_caller(request: Request) -> None:
    headers = request.scope["headers"]
    raise PermissionError(f"caller refused after {len(headers)} headers")


@app.get("/refuse")
async def refuse(request: Request) -> None:
    check_caller(request)
