"""``sdk.S2SClient`` / ``sdk.SyncS2SClient`` with a real SSO on loopback: the user's token
forwarded, the service's own token fetched once, cached, refreshed, replaced after a 401,
and never written anywhere."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hopscope_testing import sdk_service

import sdk
from sdk.client._settings import SSOSettings, service_settings
from sdk.inbound._credentials import reset_inbound, set_inbound

Record = dict[str, Any]


inprocess = sdk_service("inprocess")
peers = sdk_service("peers")


class Orders(sdk.S2SClient):
    service = "orders"


class SyncOrders(sdk.SyncS2SClient):
    service = "orders"


class Peers:
    def __init__(self, echo: Any, sso: Any, sso_url: str) -> None:
        self.echo, self.sso, self.sso_url = echo, sso, sso_url

    def settings(self, secret: str | None = None) -> SSOSettings:
        return SSOSettings(
            token_url=self.sso_url,
            client_id=self.sso.client_id,
            client_secret=secret or self.sso.client_secret,
        )


@pytest.fixture
def peer(capture: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Peers]:
    echo, sso = peers.EchoState(), peers.SSOState()
    with (
        inprocess.serve_asgi(peers.echo_app(echo)) as echo_url,
        inprocess.serve_asgi(peers.sso_app(sso)) as sso_url,
    ):
        monkeypatch.setenv("SERVICE_ORDERS_URL", echo_url)
        monkeypatch.setenv("SSO_TOKEN_URL", f"{sso_url}/oauth/token")
        monkeypatch.setenv("SSO_CLIENT_ID", sso.client_id)
        monkeypatch.setenv("SSO_CLIENT_SECRET", sso.client_secret)
        capture.take()
        running = Peers(echo, sso, f"{sso_url}/oauth/token")
        yield running
        written = capture.stream.getvalue()
        for secret in [sso.client_secret, *sso.issued]:
            assert secret.encode() not in written


def hops(capture: Any, target: str = "orders") -> list[Record]:
    return [r for r in capture.take() if r.get("service.target.name") == target]


def test_the_users_token_is_forwarded(peer: Peers, capture: Any) -> None:
    token = set_inbound("Bearer user-abc-123456")
    try:
        with SyncOrders() as orders:
            seen = orders.get("/echo").json()
    finally:
        reset_inbound(token)
    assert seen["authorization_digest"] == peers.digest("Bearer user-abc-123456")
    assert peer.sso.issued == []
    (hop,) = hops(capture)
    assert hop["hopscope.hop.as_service"] is False
    assert "user-abc" not in str(hop)


async def test_the_service_token_is_fetched_once_and_reused(peer: Peers, capture: Any) -> None:
    async with Orders() as orders:
        first = (await orders.get("/echo", as_service=True)).json()
        second = (await orders.post("/echo", as_service=True, json={"n": 1})).json()
    assert len(peer.sso.issued) == 1
    expected = peers.digest(f"Bearer {peer.sso.issued[0]}")
    assert first["authorization_digest"] == second["authorization_digest"] == expected
    calls = hops(capture)
    assert [h["hopscope.hop.as_service"] for h in calls] == [True, True]


async def test_a_burst_makes_one_sso_request(peer: Peers, capture: Any) -> None:
    peer.sso.delay = 0.3
    async with Orders() as orders:
        responses = await asyncio.gather(*(orders.get("/echo", as_service=True) for _ in range(50)))
    assert {r.status_code for r in responses} == {200}
    assert len(peer.sso.issued) == 1
    assert len(hops(capture, target="sso")) == 1


def test_threads_share_one_fetch(peer: Peers) -> None:
    peer.sso.delay = 0.2
    tokens = sdk.ServiceTokens(peer.settings())
    got: list[sdk.ServiceToken] = []
    threads = [threading.Thread(target=lambda: got.append(tokens.token())) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 16
    assert len({t.access_token for t in got}) == 1
    assert tokens.fetches == 1


def test_the_token_is_refreshed_before_it_expires(peer: Peers) -> None:
    peer.sso.lifetime = 1  # refreshed after half its life, at most 30 s before expiry
    tokens = sdk.ServiceTokens(peer.settings())
    first = tokens.token()
    assert tokens.token() is first
    time.sleep(0.6)
    assert tokens.token().access_token != first.access_token
    assert tokens.fetches == 2


def test_a_refused_token_is_replaced_once(peer: Peers, capture: Any) -> None:
    with SyncOrders() as orders:
        assert orders.get("/echo", as_service=True).status_code == 200
        peer.echo.refused.add(peers.digest(f"Bearer {peer.sso.issued[0]}"))
        capture.take()
        assert orders.get("/echo", as_service=True).status_code == 200
        calls = hops(capture)
        assert [h["http.response.status_code"] for h in calls] == [401, 200]
        assert len(peer.sso.issued) == 2
        # a service that refuses every token: one replacement, then the 401 is the answer
        peer.echo.refuse_all = True
        assert orders.get("/echo", as_service=True).status_code == 401
    assert [h["http.response.status_code"] for h in hops(capture)] == [401, 401]
    assert len(peer.sso.issued) == 3


def test_without_a_user_the_service_token_is_used(peer: Peers, capture: Any) -> None:
    with SyncOrders() as orders:
        seen = orders.get("/echo").json()  # a background job: no inbound request
    assert seen["authorization_digest"] == peers.digest(f"Bearer {peer.sso.issued[0]}")
    (hop,) = hops(capture)
    assert hop["hopscope.hop.as_service"] is True


def test_without_user_or_sso_no_authorization_is_sent(
    peer: Peers, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SSO_TOKEN_URL", "SSO_CLIENT_ID", "SSO_CLIENT_SECRET"):
        monkeypatch.delenv(name)
    with SyncOrders() as orders:
        assert orders.get("/echo").json()["authorization_digest"] is None
        with pytest.raises(sdk.ConfigError, match="SSO_TOKEN_URL is not set"):
            orders.get("/echo", as_service=True)


def test_wrong_credentials_give_a_clear_error_without_the_secret(peer: Peers, capture: Any) -> None:
    tokens = sdk.ServiceTokens(peer.settings(secret="wrong-secret-42"))
    with pytest.raises(sdk.SSOError) as raised:
        tokens.token()
    message = str(raised.value)
    assert peer.sso.client_id in message
    assert "401 invalid_client" in message
    assert "wrong-secret-42" not in message
    (hop,) = hops(capture, target="sso")
    assert hop["http.response.status_code"] == 401
    assert "wrong-secret-42" not in capture.stream.getvalue().decode()


def test_sso_errors_and_settings_never_show_a_secret_of_the_url(peer: Peers) -> None:
    refused = SSOSettings(
        token_url=peer.sso_url.replace("://", "://sso-user:URL-PASSWORD@", 1)
        + "?client_secret=QUERY-SECRET",
        client_id=peer.sso.client_id,
        client_secret="wrong-secret-42",
    )
    with pytest.raises(sdk.SSOError) as raised:
        sdk.ServiceTokens(refused).token()
    assert "refused the client credentials" in str(raised.value)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    unreachable = SSOSettings(
        token_url=f"http://TOKEN-AS-USER@127.0.0.1:{port}/token?sig=SIGNED",
        client_id="x",
        client_secret="y",
    )
    with pytest.raises(sdk.SSOError, match="could not reach the SSO") as unreached:
        sdk.ServiceTokens(unreachable).token()
    shown = [str(raised.value), str(unreached.value), repr(refused), str(refused)]
    shown += [repr(unreachable), f"{unreachable}"]
    for text in shown:
        for secret in ("URL-PASSWORD", "QUERY-SECRET", "TOKEN-AS-USER", "SIGNED", "wrong-secret"):
            assert secret not in text, text
    assert "sso-user:***@" in repr(refused)


def test_service_settings_never_show_a_secret_of_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_CART_URL", "https://svc:URL-PASSWORD@cart.example/?token=T1")
    settings = service_settings("cart")
    assert "URL-PASSWORD" not in repr(settings)
    assert "T1" not in repr(settings)
    assert "svc:***@cart.example" in repr(settings)


def test_an_unreachable_sso_gives_a_clear_error(capture: Any) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = SSOSettings(
        token_url=f"http://127.0.0.1:{port}/token", client_id="x", client_secret="y"
    )
    with pytest.raises(sdk.SSOError, match="could not reach the SSO"):
        sdk.ServiceTokens(settings).token()


class DictCache:
    def __init__(self) -> None:
        self.items: dict[str, sdk.ServiceToken] = {}

    def get(self, key: str) -> sdk.ServiceToken | None:
        return self.items.get(key)

    def set(self, key: str, token: sdk.ServiceToken) -> None:
        self.items[key] = token

    def delete(self, key: str) -> None:
        self.items.pop(key, None)


async def test_a_shared_cache_serves_every_provider(peer: Peers) -> None:
    cache = DictCache()
    one = sdk.ServiceTokens(peer.settings(), cache=cache)
    two = sdk.ServiceTokens(peer.settings(), cache=cache)
    assert (await one.atoken()).access_token == (await two.atoken()).access_token
    assert len(peer.sso.issued) == 1
    async with Orders(tokens=two) as orders:
        seen = (await orders.get("/echo", as_service=True)).json()
    assert seen["authorization_digest"] == peers.digest(f"Bearer {peer.sso.issued[0]}")


def test_tokens_do_not_show_in_repr(peer: Peers) -> None:
    token = sdk.ServiceTokens(peer.settings()).token()
    assert token.access_token not in repr(token)
    assert token.access_token not in repr(token.credential())
    assert token.access_token not in str(token.credential())


async def test_a_client_class_cache_is_shared_by_its_instances(peer: Peers) -> None:
    peer.sso.delay = 0.2

    class CachedOrders(sdk.S2SClient):
        service = "orders"
        token_cache = DictCache()

    clients = [CachedOrders() for _ in range(5)]
    try:
        responses = await asyncio.gather(*(c.get("/echo", as_service=True) for c in clients))
    finally:
        for client in clients:
            await client.aclose()
    assert {r.status_code for r in responses} == {200}
    assert len(peer.sso.issued) == 1
    assert CachedOrders.token_cache.items  # type: ignore[attr-defined]


TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


class TracedSSO:
    """The peer SSO behind the SDK's middleware, so its server hops land in the capture."""

    def __init__(self, state: Any, url: str) -> None:
        self.state, self.url = state, url

    def settings(self, **options: Any) -> SSOSettings:
        return SSOSettings.model_validate(
            {
                "token_url": f"{self.url}/oauth/token",
                "client_id": self.state.client_id,
                "client_secret": self.state.client_secret,
                **options,
            }
        )


@pytest.fixture
def traced_sso(capture: Any) -> Iterator[TracedSSO]:
    state = peers.SSOState()
    with inprocess.serve_asgi(sdk.instrument(peers.sso_app(state))) as url:
        capture.take()
        yield TracedSSO(state, url)
        written = capture.stream.getvalue()
        for secret in [state.client_secret, *state.issued]:
            assert secret.encode() not in written


def server_hop(records: list[Record], path: str) -> Record:
    (hop,) = [
        r for r in records if r.get("hopscope.hop.kind") == "server" and r["url.path"] == path
    ]
    return hop


def sso_client_hop(records: list[Record]) -> Record:
    (hop,) = [r for r in records if r.get("service.target.name") == "sso"]
    return hop


async def test_the_token_request_joins_the_trace_of_the_request(
    traced_sso: TracedSSO, capture: Any
) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    tokens = sdk.ServiceTokens(traced_sso.settings())

    async def work(request: Request) -> JSONResponse:
        await tokens.atoken()
        return JSONResponse({"fetches": tokens.fetches})

    front = sdk.instrument(Starlette(routes=[Route("/work", work)]))
    with inprocess.serve_asgi(front) as url:
        response = httpx.get(
            f"{url}/work", headers={"traceparent": f"00-{TRACE}-{PARENT}-01"}, timeout=30
        )
        assert response.json() == {"fetches": 1}
        records = inprocess.wait_for(capture.take, 3)
    caller = server_hop(records, "/work")
    fetch = sso_client_hop(records)
    sso = server_hop(records, "/oauth/token")
    assert (caller["trace.id"], caller["parent.id"]) == (TRACE, PARENT)
    assert (fetch["trace.id"], fetch["parent.id"]) == (TRACE, caller["span.id"])
    assert (sso["trace.id"], sso["parent.id"]) == (TRACE, fetch["span.id"])
    assert sso["service.origin.name"] == "cart"
    assert fetch["message"] == "sso POST /oauth/token -> 200"
    assert fetch["hopscope.hop.as_service"] is True
    assert fetch["http.request.body.content"] == "grant_type=client_credentials"
    answer = json.loads(fetch["http.response.body.content"])
    assert answer["access_token"] == "[REDACTED]"
    assert answer["expires_in"] == 300
    assert json.loads(sso["http.response.body.content"])["access_token"] == "[REDACTED]"


def test_a_token_fetched_outside_a_request_starts_a_trace_of_its_own(
    traced_sso: TracedSSO, capture: Any
) -> None:
    traced_sso.state.lifetime = 1  # the second call fetches again
    tokens = sdk.ServiceTokens(traced_sso.settings())
    tokens.token()
    first = inprocess.wait_for(capture.take, 2)
    time.sleep(0.6)
    tokens.token()
    second = inprocess.wait_for(capture.take, 2)
    traces = []
    for records in (first, second):
        fetch, sso = sso_client_hop(records), server_hop(records, "/oauth/token")
        assert "parent.id" not in fetch
        assert sso["trace.id"] == fetch["trace.id"]
        assert sso["parent.id"] == fetch["span.id"]
        traces.append(fetch["trace.id"])
    assert traces[0] != traces[1]


def test_an_unsampled_request_asks_for_its_token_unsampled(
    traced_sso: TracedSSO, capture: Any
) -> None:
    from sdk.inbound._request_scope import RequestScope

    scope = RequestScope("GET", "/job", f"00-{TRACE}-{PARENT}-00")
    scope.enter("GET", "/job", None)
    try:
        sdk.ServiceTokens(traced_sso.settings()).token()
    finally:
        scope.exit()
    records = inprocess.wait_for(capture.take, 2)
    fetch, sso = sso_client_hop(records), server_hop(records, "/oauth/token")
    assert (fetch["trace.id"], fetch["parent.id"]) == (TRACE, scope.span_id)
    assert sso["parent.id"] == fetch["span.id"]
    assert traced_sso.state.traceparents[-1].endswith("-00")


def test_the_token_request_keeps_the_flags_and_tracestate_of_its_request(
    traced_sso: TracedSSO, capture: Any
) -> None:
    from sdk.inbound._request_scope import RequestScope

    scope = RequestScope("GET", "/job", f"00-{TRACE}-{PARENT}-02", ["rojo=1,congo=2"])
    scope.enter("GET", "/job", None)
    try:
        sdk.ServiceTokens(traced_sso.settings()).token()
    finally:
        scope.exit()
    inprocess.wait_for(capture.take, 2)
    assert traced_sso.state.traceparents[-1].startswith(f"00-{TRACE}-")
    assert traced_sso.state.traceparents[-1].endswith("-02")  # random, not sampled
    assert traced_sso.state.tracestates[-1] == "rojo=1,congo=2"


def test_a_token_request_of_its_own_trace_says_its_id_is_random(
    traced_sso: TracedSSO, capture: Any
) -> None:
    sdk.ServiceTokens(traced_sso.settings()).token()
    inprocess.wait_for(capture.take, 2)
    assert traced_sso.state.traceparents[-1].endswith("-03")
    assert traced_sso.state.tracestates[-1] is None


async def test_a_secret_sent_in_the_form_is_redacted(traced_sso: TracedSSO, capture: Any) -> None:
    tokens = sdk.ServiceTokens(traced_sso.settings(auth_method="client_secret_post"))
    assert (await tokens.atoken()).access_token == traced_sso.state.issued[0]
    records = inprocess.wait_for(capture.take, 2)
    fetch, sso = sso_client_hop(records), server_hop(records, "/oauth/token")
    for body in (fetch["http.request.body.content"], sso["http.request.body.content"]):
        assert "grant_type=client_credentials" in body
        assert f"client_id={traced_sso.state.client_id}" in body
        assert "client_secret=%5BREDACTED%5D" in body or "client_secret=[REDACTED]" in body
    assert json.loads(fetch["http.response.body.content"])["access_token"] == "[REDACTED]"
