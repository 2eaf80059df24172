"""Secrets in request paths and bodies, as a service under uvicorn (or werkzeug) writes
them: a JWT in a path segment, a route parameter whose name is a secret key, and a body
longer than ``max_body`` whose secret's key is escaped."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from flask import Flask
from hopscope_testing import sdk_service

import sdk

from ..conftest import hop_of

inprocess = sdk_service("inprocess")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLW9mLXRoZS1qd3Q"
RESET = "plain-reset-code-7f3a9"


def accounts() -> FastAPI:
    app = FastAPI()
    log = sdk.get_logger("accounts")

    @app.get("/reset/{token}")
    async def reset(token: str) -> dict[str, bool]:
        log.info("resetting a password")
        return {"ok": bool(token)}

    @app.get("/magic/{slug}")
    async def magic(slug: str) -> dict[str, bool]:
        log.info("a magic link")
        return {"ok": bool(slug)}

    @app.post("/profile")
    async def profile(request: Request) -> dict[str, bool]:
        await request.body()
        return {"ok": True}

    keys = APIRouter()

    @keys.get("/keys/{api_key}/usage")
    async def usage(api_key: str) -> dict[str, bool]:
        return {"ok": bool(api_key)}

    app.include_router(keys, prefix="/v1")
    return sdk.instrument(app)


def lines_of(capture: Any) -> list[dict[str, Any]]:
    """The service's lines (the test's own httpx client logs the URL it was given)."""
    records = inprocess.wait_for(capture.take)
    assert JWT not in json.dumps(records), records
    service = [r for r in records if not r.get("log.logger", "").startswith(("httpx", "httpcore"))]
    assert RESET not in json.dumps(service), service
    return service


def test_secret_route_parameters_and_jwts_never_reach_url_path(capture: Any) -> None:
    with inprocess.serve_asgi(accounts()) as url:
        capture.take()
        assert httpx.get(f"{url}/reset/{RESET}", params={"next": JWT}).json() == {"ok": True}
        records = lines_of(capture)
        hop = hop_of(records)
        assert hop["url.path"] == "/reset/[REDACTED]"
        assert hop["http.route"] == "/reset/{token}"
        assert hop["url.query"] == "next=[REDACTED]"
        (line,) = [r for r in records if r["message"] == "resetting a password"]
        assert line["url.path"] == "/reset/[REDACTED]"

        assert httpx.get(f"{url}/magic/{JWT}", params={"state": JWT + ";x=1"}).status_code == 200
        records = lines_of(capture)
        hop = hop_of(records)
        assert hop["url.path"] == "/magic/[REDACTED]"
        (line,) = [r for r in records if r["message"] == "a magic link"]
        assert line["url.path"] == "/magic/[REDACTED]"

        # a route with a harmless parameter name keeps its value; one under a prefix is found
        assert httpx.get(f"{url}/magic/spring-sale").status_code == 200
        assert hop_of(inprocess.wait_for(capture.take))["url.path"] == "/magic/spring-sale"
        assert httpx.get(f"{url}/v1/keys/{RESET}/usage").status_code == 200
        hop = hop_of(lines_of(capture))
        assert hop["url.path"] == "/v1/keys/[REDACTED]/usage"
        assert hop["http.route"] == "/v1/keys/{api_key}/usage"


def test_a_body_cut_at_max_body_is_redacted_before_the_cut(make_capture: Any) -> None:
    capture = make_capture(max_body=64)
    with inprocess.serve_asgi(accounts()) as url:
        capture.take()
        body = '{"notes": "' + "x" * 200 + '", "pass\\u0077ord": "hunter2-escaped"}'
        response = httpx.post(
            f"{url}/profile", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 200
        hop = hop_of(inprocess.wait_for(capture.take))
        content = hop["http.request.body.content"]
        assert "hunter2" not in json.dumps(hop)
        assert content.startswith('{"notes":"xxx')
        assert "truncated" in content
        assert len(content) <= 64
        assert hop["http.request.body.bytes"] == len(body)
        # too long to parse: the escaped key is still read as JSON reads it
        tail = '"pass\\u0077ord": "hunter2-escaped", "notes": "' + "y" * 5000 + '"}'
        response = httpx.post(
            f"{url}/profile", content="{" + tail, headers={"content-type": "application/json"}
        )
        hop = hop_of(inprocess.wait_for(capture.take))
        assert "hunter2" not in json.dumps(hop)


def test_flask_secret_view_arguments_are_hidden(capture: Any) -> None:
    app = Flask("accounts")
    log = sdk.get_logger("accounts")

    @app.get("/reset/<token>")
    def reset(token: str) -> dict[str, bool]:
        log.info("resetting a password")
        return {"ok": bool(token)}

    sdk.instrument(app)
    with inprocess.serve_wsgi(app) as url:
        capture.take()
        assert httpx.get(f"{url}/reset/{RESET}").json() == {"ok": True}
        records = lines_of(capture)
        assert hop_of(records)["url.path"] == "/reset/[REDACTED]"
        (line,) = [r for r in records if r["message"] == "resetting a password"]
        assert line["url.path"] == "/reset/[REDACTED]"
