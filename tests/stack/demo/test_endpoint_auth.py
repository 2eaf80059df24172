"""Every protected endpoint of the demo services refuses what it must (the seed's
"checking authorization configurations"): every route of every app through the kit's
``auth_cases`` (no token, malformed headers, a bad signature, an expired token, the wrong
kind of token), the reasons the real servers give, and no token text in a log line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sdk.testing import AuthCase, TokenFactory, auth_cases
from stack.demo import APPS, settings, tokens
from stack.launch import free_port
from stack.launch.ports import wait_listening

from .conftest import demo_app

KEY = "endpoint-auth-test-key-0123456789abcdef"
USER = {"kind": "user"}
SERVICE = {"kind": "service"}
#: service -> (its public routes, each protected route -> the kind of token it takes)
ROUTES: dict[str, tuple[set[tuple[str, str]], dict[tuple[str, str], dict[str, str]]]] = {
    "sso": ({("GET", "/health"), ("POST", "/token")}, {("GET", "/userinfo"): USER}),
    "cart": (
        {("GET", "/health")},
        {("GET", "/carts/{cart_id}"): USER, ("POST", "/carts/{cart_id}/verify"): USER},
    ),
    "notifications": ({("GET", "/health")}, {("POST", "/notifications"): SERVICE}),
    "payment-gateway": ({("GET", "/health")}, {("POST", "/payments"): USER}),
}


def _cases() -> list[Any]:
    cases = []
    for service, (public, kinds) in ROUTES.items():
        for param in auth_cases(demo_app(service), public=public, roles=kinds):
            cases.append(pytest.param(*param.values, id=f"{service} {param.id}"))
    return cases


@pytest.fixture
def signing_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(settings.SIGNING_KEY, KEY)
    settings.signing_key.cache_clear()
    yield KEY
    settings.signing_key.cache_clear()


@pytest.mark.parametrize("case", _cases())
def test_every_route_refuses_what_it_must(case: AuthCase, signing_key: str) -> None:
    """In process, every route of every demo app; a token "without the role" is one of the
    other kind (a service token where a user's is due), which must get a 403."""
    other = USER if case.grant == SERVICE else SERVICE
    case.check(TokenFactory(secret=signing_key, claims=other))


@dataclass(frozen=True)
class Endpoint:
    service: str
    method: str
    path: str
    kind: tokens.Kind
    body: dict[str, Any] | None = None
    #: the status a right token gets with this (deliberately invalid or harmless) request
    accepted: int = 200


ENDPOINTS = (
    Endpoint("sso", "GET", "/userinfo", "user"),
    Endpoint("cart", "GET", "/carts/7", "user"),
    Endpoint(
        "cart", "POST", "/carts/7/verify", "user", {"payment_id": "p", "amount_cents": -1}, 422
    ),
    Endpoint(
        "notifications",
        "POST",
        "/notifications",
        "service",
        {"user": "alice", "text": "hello"},
        202,
    ),
    Endpoint(
        "payment-gateway", "POST", "/payments", "user", {"cart_id": 7, "amount_cents": 0}, 422
    ),
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    logs = tmp_path_factory.mktemp("auth")
    nowhere = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "SSO_SIGNING_KEY": KEY,
        "SSO_CLIENTS": "payment-gateway:gw-secret",
        "SSO_USERS": "alice:alice-password",
        "SERVICE_SSO_URL": nowhere,
        "SERVICE_CART_URL": nowhere,
        "SERVICE_NOTIFICATIONS_URL": nowhere,
        "SSO_TOKEN_URL": f"{nowhere}/token",
        "SSO_CLIENT_ID": "payment-gateway",
        "SSO_CLIENT_SECRET": "gw-secret",
    }
    ports = {name: free_port() for name in APPS}
    processes = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(ports[name]),
            ],
            env=env,
            stdout=(logs / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for name, app in APPS.items()
    }
    deadline = time.monotonic() + 90
    for name, port in ports.items():
        while not wait_listening("127.0.0.1", port):
            assert processes[name].poll() is None, (logs / f"{name}.log").read_text()[-2000:]
            assert time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.1)
    try:
        yield {"urls": {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, "logs": logs}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(30)


def _call(servers: dict[str, Any], endpoint: Endpoint, authorization: str | None) -> httpx.Response:
    headers = {"authorization": authorization} if authorization else {}
    return httpx.request(
        endpoint.method,
        servers["urls"][endpoint.service] + endpoint.path,
        json=endpoint.body,
        headers=headers,
        timeout=30,
    )


def _token(kind: tokens.Kind, key: str = KEY, ttl: float = 60) -> str:
    return tokens.issue(key.encode(), "alice" if kind == "user" else "payment-gateway", kind, ttl)[
        0
    ]


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.service}{e.path}")
def test_refusals_say_why(servers: dict[str, Any], endpoint: Endpoint) -> None:
    other: tokens.Kind = "service" if endpoint.kind == "user" else "user"
    expired = _token(endpoint.kind, ttl=0.001)
    time.sleep(0.01)
    refusals = {
        "no Authorization header": None,
        "Authorization is not a bearer token": f"Token {_token(endpoint.kind)}",
        "malformed token": "Bearer not-a-token",
        "bad token signature": f"Bearer {_token(endpoint.kind, key='another-key')}",
        "token expired": f"Bearer {expired}",
    }
    for reason, authorization in refusals.items():
        response = _call(servers, endpoint, authorization)
        assert response.status_code == 401, (reason, response.text)
        assert response.json()["detail"] == reason
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    wrong_kind = _call(servers, endpoint, f"Bearer {_token(other)}")
    assert wrong_kind.json()["detail"] == f"this endpoint takes a {endpoint.kind} token"
    right = _call(servers, endpoint, f"Bearer {_token(endpoint.kind)}")
    assert right.status_code == endpoint.accepted, right.text


@pytest.mark.slow
def test_sso_grants(servers: dict[str, Any]) -> None:
    url = servers["urls"]["sso"] + "/token"
    user = httpx.post(
        url, data={"grant_type": "password", "username": "alice", "password": "alice-password"}
    )
    assert user.status_code == 200
    claims = tokens.verify(KEY.encode(), user.json()["access_token"])
    assert (claims.subject, claims.kind) == ("alice", "user")
    wrong = httpx.post(
        url, data={"grant_type": "password", "username": "alice", "password": "guess"}
    )
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    basic = httpx.post(
        url, data={"grant_type": "client_credentials"}, auth=("payment-gateway", "gw-secret")
    )
    form = httpx.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": "payment-gateway",
            "client_secret": "gw-secret",
        },
    )
    for response in (basic, form):
        assert response.status_code == 200
        assert tokens.verify(KEY.encode(), response.json()["access_token"]).kind == "service"
    bad_client = httpx.post(
        url, data={"grant_type": "client_credentials"}, auth=("payment-gateway", "nope")
    )
    assert (bad_client.status_code, bad_client.json()["error"]) == (401, "invalid_client")
    unknown = httpx.post(url, data={"grant_type": "implicit"})
    assert unknown.json()["error"] == "unsupported_grant_type"


@pytest.mark.slow
def test_no_secret_reaches_a_log_line(servers: dict[str, Any]) -> None:
    """Tokens, passwords and client secrets sent to the services are in no line they wrote
    (whichever other tests of this module ran in this process, their secrets too)."""
    sso = servers["urls"]["sso"]
    granted = httpx.post(
        f"{sso}/token",
        data={"grant_type": "password", "username": "alice", "password": "alice-password"},
    )
    httpx.post(
        f"{sso}/token",
        data={"grant_type": "client_credentials"},
        auth=("payment-gateway", "gw-secret"),
    )
    httpx.post(
        f"{sso}/token", data={"grant_type": "password", "username": "alice", "password": "guess"}
    )
    token = granted.json()["access_token"]
    assert httpx.get(f"{sso}/userinfo", headers={"authorization": f"Bearer {token}"}).is_success
    time.sleep(0.5)  # lines are written as requests end; let the pipes catch up
    text = "\n".join(p.read_text() for p in Path(servers["logs"]).glob("*.log"))
    assert "Bearer ey" not in text
    assert "eyJ" not in text  # no JWT, not even inside a body excerpt
    for secret in ("alice-password", "gw-secret", KEY):
        assert secret not in text
    sso = [
        json.loads(line)
        for line in (Path(servers["logs"]) / "sso.log").read_text().splitlines()
        if line.startswith("{")
    ]
    assert {"token issued", "token refused"} <= {record["message"] for record in sso}
