"""Servers for the provisioning tests: the osmem OpenSearch-API engine for the Elasticsearch
step, and a loopback uvicorn server answering the few Kibana and Graylog API calls the
steps make (those servers do not run here), recording what it was sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, HTTPException, Request
from hopscope_testing import engine as engine
from hopscope_testing import search_engine as search_engine

from stack.launch import free_port


@dataclass
class Seen:
    imports: list[list[dict[str, Any]]] = field(default_factory=list)
    packs: dict[str, dict[str, Any]] = field(default_factory=dict)
    installs: list[dict[str, Any]] = field(default_factory=list)


def _stand_in(seen: Seen) -> FastAPI:
    app = FastAPI()

    def need(request: Request, header: str) -> None:
        if not request.headers.get(header):
            raise HTTPException(400, f"missing {header} header")
        if not request.headers.get("authorization", "").startswith("Basic "):
            raise HTTPException(401, "no credentials")

    @app.get("/api/status")
    async def status() -> dict[str, Any]:
        return {"status": {"overall": {"level": "available"}}}

    @app.post("/api/saved_objects/_import")
    async def import_objects(request: Request) -> dict[str, Any]:
        need(request, "kbn-xsrf")
        if request.query_params.get("overwrite") != "true":
            raise HTTPException(409, "conflict")
        form = await request.form()
        upload = form["file"]
        assert not isinstance(upload, str)
        lines = (await upload.read()).decode().splitlines()
        objects = [json.loads(line) for line in lines]
        seen.imports.append(objects)
        return {"success": True, "successCount": len(objects), "errors": []}

    @app.get("/api/system/lbstatus")
    async def lbstatus() -> str:
        return "ALIVE"

    @app.get("/api/system/content_packs/{pack_id}")
    async def get_pack(pack_id: str, request: Request) -> dict[str, Any]:
        need(request, "x-requested-by")
        if pack_id not in seen.packs:
            raise HTTPException(404, "not found")
        return {"content_pack_revisions": {"1": seen.packs[pack_id]}}

    @app.post("/api/system/content_packs", status_code=201)
    async def upload_pack(request: Request) -> dict[str, Any]:
        need(request, "x-requested-by")
        pack = await request.json()
        seen.packs[pack["id"]] = pack
        return {}

    @app.get("/api/system/content_packs/{pack_id}/installations")
    async def installations(pack_id: str, request: Request) -> dict[str, Any]:
        need(request, "x-requested-by")
        mine = [i for i in seen.installs if i["pack"] == pack_id]
        return {"installations": mine, "total": len(mine)}

    @app.post("/api/system/content_packs/{pack_id}/{rev}/installations")
    async def install(pack_id: str, rev: int, request: Request) -> dict[str, Any]:
        need(request, "x-requested-by")
        if pack_id not in seen.packs or seen.packs[pack_id]["rev"] != rev:
            raise HTTPException(404, "no such revision")
        seen.installs.append({"pack": pack_id, "rev": rev, **(await request.json())})
        return {"entities": []}

    return app


@dataclass
class StandIn:
    url: str
    seen: Seen


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    seen = Seen()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(_stand_in(seen), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield StandIn(f"http://127.0.0.1:{port}", seen)
    server.should_exit = True
    thread.join(10)
