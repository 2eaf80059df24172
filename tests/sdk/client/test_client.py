"""``sdk.BaseClient`` / ``sdk.SyncBaseClient`` against a real server on loopback: addresses
from the environment, one client hop per attempt, retries, timeouts and connection errors.
respx is used only to inject a failure the real server cannot produce on demand."""

from __future__ import annotations

import email.utils
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from hopscope_testing import sdk_service

import sdk
from sdk.inbound._propagation import span_id_of

Record = dict[str, Any]


inprocess = sdk_service("inprocess")
peers = sdk_service("peers")
FAST = sdk.RetryPolicy(retries=2, backoff=0.01, max_delay=0.05)


class Shop(sdk.BaseClient):
    service = "shop"


class SyncShop(sdk.SyncBaseClient):
    service = "shop"


@pytest.fixture
def shop(capture: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    state = peers.EchoState()
    with inprocess.serve_asgi(peers.echo_app(state)) as url:
        monkeypatch.setenv("SERVICE_SHOP_URL", url)
        capture.take()
        yield state


def client_hops(capture: Any) -> list[Record]:
    return [r for r in capture.take() if r.get("hopscope.hop.kind") == "client"]


def test_a_missing_address_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERVICE_CART_API_URL", raising=False)

    class CartApi(sdk.BaseClient):
        service = "cart-api"

    with pytest.raises(sdk.ConfigError, match="SERVICE_CART_API_URL is not set"):
        CartApi()
    monkeypatch.setenv("SERVICE_CART_API_URL", "not a url")
    with pytest.raises(sdk.ConfigError, match="SERVICE_CART_API_URL: "):
        SyncShop(service="cart-api")


def test_tls_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SERVICE_VAULT_URL", "https://vault.internal:8200")
    monkeypatch.setenv("SERVICE_VAULT_VERIFY", "false")
    with SyncShop(service="vault") as client:
        assert client.verify is False
        assert str(client.http.base_url) == "https://vault.internal:8200/"
    missing = tmp_path / "no-such-ca.pem"
    monkeypatch.setenv("SERVICE_VAULT_CA_BUNDLE", str(missing))
    with pytest.raises(sdk.ConfigError, match="SERVICE_VAULT_CA_BUNDLE="):
        SyncShop(service="vault")


async def test_one_client_hop_with_the_traceparent_it_sent(shop: Any, capture: Any) -> None:
    async with Shop(retry_policy=FAST) as client:
        response = await client.get("/echo", params={"page": 2, "access_token": "tok-999"})
    assert response.status_code == 200
    sent = response.json()
    hops = client_hops(capture)
    assert len(hops) == 1
    hop = hops[0]
    assert hop["message"] == "shop GET /echo -> 200"
    assert hop["span.id"] == span_id_of(sent["traceparent"])
    assert hop["trace.id"] == sent["traceparent"].split("-")[1]
    assert sent["origin"] == "cart"  # the calling service names itself
    assert hop["service.target.name"] == "shop"
    assert hop["hopscope.hop.attempt"] == 1
    assert hop["hopscope.hop.as_service"] is False
    assert hop["http.response.status_code"] == 200
    assert hop["event.outcome"] == "success"
    assert hop["url.path"] == "/echo"
    assert "tok-999" not in hop["url.full"]
    assert hop["url.full"].startswith(f"http://127.0.0.1:{hop['server.port']}/echo?page=2")
    assert json.loads(hop["http.response.body.content"])["method"] == "GET"
    assert hop["http.response.body.bytes"] == len(response.content)


def test_a_password_in_the_url_is_redacted_and_the_rest_kept(shop: Any, capture: Any) -> None:
    base = os.environ["SERVICE_SHOP_URL"]
    with SyncShop(base_url=base.replace("http://", "http://bob:pw-123@", 1)) as client:
        assert client.get("/echo", params={"page": 2}).status_code == 200
    (hop,) = client_hops(capture)
    assert "pw-123" not in hop["url.full"]
    assert hop["url.full"] == f"http://bob:[REDACTED]@127.0.0.1:{hop['server.port']}/echo?page=2"


def test_send_options_pass_through(shop: Any, capture: Any) -> None:
    with SyncShop(retry_policy=FAST) as client:
        assert client.get("/moved").status_code == 307
        followed = client.get("/moved", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.json()["method"] == "GET"
    assert [h["http.response.status_code"] for h in client_hops(capture)] == [307, 200]


def test_retries_show_as_attempts_and_stop_on_success(shop: Any, capture: Any) -> None:
    with SyncShop(retry_policy=FAST) as client:
        response = client.get("/flaky/a", params={"fail": 2})
    assert response.status_code == 200
    hops = client_hops(capture)
    assert [h["hopscope.hop.attempt"] for h in hops] == [1, 2, 3]
    assert [h["http.response.status_code"] for h in hops] == [503, 503, 200]
    assert [h["event.outcome"] for h in hops] == ["failure", "failure", "success"]
    assert len({h["span.id"] for h in hops}) == 3
    assert shop.calls["a"] == 3


async def test_post_is_retried_only_when_the_caller_says_so(shop: Any, capture: Any) -> None:
    async with Shop(retry_policy=FAST) as client:
        refused = await client.post("/flaky/p", params={"fail": 1}, json={"n": 1})
        assert refused.status_code == 503
        assert len(client_hops(capture)) == 1
        accepted = await client.post("/flaky/q", params={"fail": 1}, json={"n": 1}, retry=True)
    assert accepted.status_code == 200
    hops = client_hops(capture)
    assert [h["http.response.status_code"] for h in hops] == [503, 200]
    assert hops[0]["http.request.body.content"] == '{"n":1}'


def test_retry_after_is_honoured_and_4xx_is_final(shop: Any, capture: Any) -> None:
    with SyncShop(retry_policy=FAST) as client:
        ok = client.get("/flaky/r", params={"fail": 1, "code": 429, "retry_after": 0})
        assert ok.status_code == 200
        assert [h["http.response.status_code"] for h in client_hops(capture)] == [429, 200]
        gone = client.get("/flaky/g", params={"fail": 5, "code": 404})
    assert gone.status_code == 404
    assert len(client_hops(capture)) == 1


def test_connection_refused_is_retried_then_raised(capture: Any) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        SyncShop(base_url=f"http://127.0.0.1:{port}", retry_policy=FAST) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get("/echo")
    hops = client_hops(capture)
    assert [h["hopscope.hop.attempt"] for h in hops] == [1, 2, 3]
    for hop in hops:
        assert hop["error.type"] == "httpx.ConnectError"
        assert hop["event.outcome"] == "failure"
        assert "http.response.status_code" not in hop
        assert hop["message"] == "shop GET /echo -> ConnectError"


async def test_a_read_timeout_is_retried_for_idempotent_methods(shop: Any, capture: Any) -> None:
    async with Shop(timeout=0.3, retry_policy=FAST) as client:
        response = await client.get("/stall/g", params={"fail": 1, "seconds": 2})
        assert response.status_code == 200
        hops = client_hops(capture)
        assert [h["hopscope.hop.attempt"] for h in hops] == [1, 2]
        assert hops[0]["error.type"] == "httpx.ReadTimeout"
        assert hops[0]["log.level"] == "error"
        assert "http.response.status_code" not in hops[0]
        assert hops[1]["http.response.status_code"] == 200
        assert shop.calls["g"] == 2
        # a read timeout on every attempt: the retries are used up, the last error raised
        with pytest.raises(httpx.ReadTimeout):
            await client.put("/stall/u", params={"fail": 9, "seconds": 2})
    assert [h.get("error.type") for h in client_hops(capture)] == ["httpx.ReadTimeout"] * 3


async def test_a_read_timeout_of_a_post_is_retried_only_when_the_caller_says_so(
    shop: Any, capture: Any
) -> None:
    async with Shop(timeout=0.3, retry_policy=FAST) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/stall/p", params={"fail": 1, "seconds": 2}, json={"n": 1})
        hops = client_hops(capture)
        assert [h["error.type"] for h in hops] == ["httpx.ReadTimeout"]
        assert shop.calls["p"] == 1
        response = await client.post(
            "/stall/q", params={"fail": 1, "seconds": 2}, json={"n": 1}, retry=True
        )
    assert response.status_code == 200
    hops = client_hops(capture)
    assert [h.get("error.type") for h in hops] == ["httpx.ReadTimeout", None]
    assert shop.calls["q"] == 2


def test_injected_connect_error_then_success(shop: Any, capture: Any) -> None:
    with respx.mock(assert_all_called=True) as mock:
        mock.get(url__regex=r".*/echo$").mock(
            side_effect=[httpx.ConnectError("connection reset by the network"), httpx.Response(204)]
        )
        with SyncShop(retry_policy=FAST) as client:
            assert client.get("/echo").status_code == 204
    hops = client_hops(capture)
    assert [h.get("error.type") for h in hops] == ["httpx.ConnectError", None]
    assert [h.get("http.response.status_code") for h in hops] == [None, 204]


def test_retry_policy_delays() -> None:
    policy = sdk.RetryPolicy(retries=3, backoff=0.1, max_delay=5.0)
    ok = httpx.Response(200)
    busy = httpx.Response(503)
    later = httpx.Response(429, headers={"retry-after": "2"})
    date = email.utils.formatdate(time.time() + 3, usegmt=True)
    dated = httpx.Response(503, headers={"retry-after": date})
    assert policy.delay(1, "GET", response=ok) is None
    assert policy.delay(1, "POST", response=busy) is None
    assert policy.delay(1, "POST", response=busy, retry_unsafe=True) is not None
    assert policy.delay(4, "GET", response=busy) is None  # retries used up
    for attempt in (1, 2, 3):
        wait = policy.delay(attempt, "GET", response=busy)
        assert wait is not None
        assert 0 <= wait <= 0.1 * 2 ** (attempt - 1)
    assert policy.delay(1, "GET", response=later) == 2.0
    dated_wait = policy.delay(1, "GET", response=dated)
    assert dated_wait is not None
    assert 1.0 <= dated_wait <= 3.0
    assert policy.delay(1, "GET", error=httpx.ConnectTimeout("t")) is not None
    assert policy.delay(1, "GET", error=httpx.ReadTimeout("t")) is not None
    assert policy.delay(1, "DELETE", error=httpx.ReadTimeout("t")) is not None
    assert policy.delay(1, "POST", error=httpx.ReadTimeout("t")) is None
    assert policy.delay(1, "PATCH", error=httpx.ReadTimeout("t"), retry_unsafe=True) is not None
    assert policy.delay(4, "GET", error=httpx.ReadTimeout("t")) is None  # retries used up
    assert policy.delay(1, "GET", error=httpx.WriteError("t")) is None
    assert policy.delay(1, "GET", error=ValueError("not a transport error")) is None


HEAVY = ("httpx", "pydantic_settings", "opentelemetry.instrumentation.httpx", "opentelemetry.sdk")


def test_defining_clients_and_middleware_loads_no_http_stack(run_python: Any) -> None:
    """``import sdk`` runs in every ``hopscope`` command and at every service's start: the
    HTTP stack loads when the first client is made, not before."""
    code = f"""
import sys
import sdk

class Cart(sdk.S2SClient):
    service = "cart"

class SyncCart(sdk.SyncBaseClient):
    service = "cart"

assert callable(sdk.instrument) and sdk.HopMiddleware and sdk.HopWSGIMiddleware
policy = sdk.RetryPolicy(retries=1)
tokens = sdk.ServiceTokens
print([m for m in {HEAVY!r} if m in sys.modules])
with SyncCart(base_url="http://127.0.0.1:9") as cart:
    print([m for m in {HEAVY[:3]!r} if m not in sys.modules])
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr.decode()
    before, after = done.stdout.decode().splitlines()
    assert before == "[]"
    assert after == "[]"  # and a client, once made, has them all
