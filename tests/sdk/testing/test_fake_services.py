"""``fake_services``: neighbours answered by service name, with their client hops written;
an unmatched call fails the test listing the calls; the fake SSO for service tokens."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)


def test_checkout_against_a_fake_cart(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_checkout="""
        from fastapi.testclient import TestClient
        from apps import shop

        def test_checkout(hop_records, fake_services, monkeypatch):
            monkeypatch.delenv("SERVICE_CART_URL", raising=False)
            cart = fake_services("cart")
            verify = cart.post("/carts/{id}/verify").respond(200, json={"ok": True})
            r = TestClient(shop).post("/checkout")
            assert r.status_code == 201, r.text
            assert r.json() == {"cart": {"ok": True}}
            assert verify.call_count == 1
            assert verify.calls[0].url.path == "/carts/7/verify"
            hop_records.assert_chain('''
                shop POST /checkout 201
                  -> cart POST /carts/7/verify 200
            ''')
            [client] = hop_records.hops(kind="client")
            assert client["service.target.name"] == "cart"
            assert fake_services.calls == ["cart POST /carts/7/verify -> 200"]
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_an_unmatched_call_fails_listing_the_calls(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_unmatched="""
        from fastapi.testclient import TestClient
        from apps import shop

        def test_checkout(fake_services):
            fake_services("cart").get("/carts/{id}").respond(200, json={})
            TestClient(shop, raise_server_exceptions=False).post("/checkout")
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*fake_services: 1 call(s) matched no fake route",
            "*calls made:",
            "*  cart POST /carts/7/verify -> no fake route",
            "*fake routes:",
            "*  cart GET /carts/{id}",
        ]
    )


def test_service_tokens_come_from_the_fake_sso(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_sso="""
        import asyncio
        import sdk

        class Notifications(sdk.S2SClient):
            service = "notifications"

        def test_as_service(fake_services, tokens, hop_records):
            sent = fake_services("notifications").post("/notifications").respond(202)

            async def notify():
                async with Notifications() as client:
                    for _ in range(2):
                        r = await client.post("/notifications", json={}, as_service=True)
                        assert r.status_code == 202

            asyncio.run(notify())
            assert fake_services.sso.token_requests == 1   # fetched once, then cached
            bearer = sent.calls[0].headers["authorization"].removeprefix("Bearer ")
            assert tokens.decode(bearer)["sub"] == fake_services.sso.client_id
            targets = [h["service.target.name"] for h in hop_records.hops(kind="client")]
            assert targets == ["sso", "notifications", "notifications"]
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_synchronous_clients_are_answered_too(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_sync="""
        import sdk

        class Cart(sdk.SyncBaseClient):
            service = "cart"

        class Notifications(sdk.SyncS2SClient):
            service = "notifications"

        def test_sync(fake_services, hop_records):
            fake_services("cart").get("/carts/{id}").respond(200, json={"items": 3})
            fake_services("notifications").post("/notifications").respond(202)
            with Cart() as cart:
                assert cart.get("/carts/7").json() == {"items": 3}
            with Notifications() as notifications:
                r = notifications.post("/notifications", json={}, as_service=True)
                assert r.status_code == 202
            assert fake_services.sso.token_requests == 1
            assert fake_services.calls == [
                "cart GET /carts/7 -> 200",
                "sso (token) POST /token -> 200",
                "notifications POST /notifications -> 202",
            ]
            assert len(hop_records.hops(kind="client")) == 3
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_real_addresses_are_left_alone(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_real="""
        import httpx, pytest

        def test_real(fake_services):
            fake_services("cart")
            with pytest.raises(httpx.ConnectError):
                httpx.get("http://127.0.0.1:9/", timeout=2)   # the discard port: refused
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
