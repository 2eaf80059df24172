"""``fake_services``: neighbouring services and the SSO answered in process by respx, by
service name, so a service's clients need no ``SERVICE_<NAME>_URL`` and no network.

Each fake service gets an address of its own under ``.hopscope.invalid`` (a name that never
resolves) and its ``SERVICE_<NAME>_URL`` points there for the test; clients made during the
test go there, write their client hop records as in production, and respx answers. A call to
a fake's address that no route matches gets a connection error and fails the test, which
lists the calls made.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import respx

from sdk.client._settings import env_prefix
from sdk.testing._tokens import TokenFactory

_DOMAIN = "hopscope.invalid"
_PARAM = re.compile(r"\{[^{}/]+\}")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def fake_host(service: str) -> str:
    """``payment-gateway`` -> ``payment-gateway.hopscope.invalid``."""
    label = re.sub(r"[^a-z0-9-]+", "-", service.lower()).strip("-") or "service"
    return f"{label}.{_DOMAIN}"


def path_pattern(template: str) -> str:
    """``/carts/{id}/verify`` -> a regex matching ``/carts/7/verify`` (a segment per param)."""
    parts = _PARAM.split(template)
    return "^" + "[^/]+".join(re.escape(p) for p in parts) + "$"


@dataclass(slots=True)
class Call:
    """One call a fake got: the service, the request and the response (None: no route)."""

    service: str
    request: httpx.Request
    response: httpx.Response | None

    def __str__(self) -> str:
        outcome = "no fake route" if self.response is None else str(self.response.status_code)
        path = self.request.url.raw_path.decode()
        return f"{self.service} {self.request.method} {path} -> {outcome}"


class FakeRoute:
    """One method and path template of a fake service; answers 200 with no body until
    :meth:`respond` says otherwise."""

    def __init__(self, service: str, method: str, path: str) -> None:
        self.service = service
        self.method = method
        self.path = path
        self._pattern = re.compile(path_pattern(path))
        self._response: Callable[[], httpx.Response] = lambda: httpx.Response(200)
        self.calls: list[httpx.Request] = []

    def matches(self, request: httpx.Request) -> bool:
        return request.method == self.method and bool(self._pattern.match(request.url.path))

    def respond(
        self,
        status: int = 200,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        text: str | None = None,
    ) -> FakeRoute:
        """Answer every matching call with this response."""
        if json is not None:
            self._response = lambda: httpx.Response(status, json=json, headers=headers)
        else:
            self._response = lambda: httpx.Response(status, text=text or "", headers=headers)
        return self

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        return self._response()

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def call_count(self) -> int:
        return len(self.calls)

    def __repr__(self) -> str:
        return f"<fake {self.service} {self.method} {self.path}>"


class FakeService:
    """The routes of one fake service: ``.get/.post/.put/.patch/.delete(path)``; the route
    added last wins when several match."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.host = fake_host(name)
        self.url = f"http://{self.host}"
        self.routes: list[FakeRoute] = []

    def route(self, method: str, path: str) -> FakeRoute:
        method = method.upper()
        if method not in _METHODS:
            raise ValueError(f"unknown HTTP method {method!r}")
        if not path.startswith("/"):
            raise ValueError(f"a fake route's path starts with '/': {path!r}")
        fake = FakeRoute(self.name, method, path)
        self.routes.append(fake)
        return fake

    def get(self, path: str) -> FakeRoute:
        return self.route("GET", path)

    def post(self, path: str) -> FakeRoute:
        return self.route("POST", path)

    def put(self, path: str) -> FakeRoute:
        return self.route("PUT", path)

    def patch(self, path: str) -> FakeRoute:
        return self.route("PATCH", path)

    def delete(self, path: str) -> FakeRoute:
        return self.route("DELETE", path)

    def answering(self, request: httpx.Request) -> FakeRoute | None:
        for fake in reversed(self.routes):
            if fake.matches(request):
                return fake
        return None


class FakeSSO:
    """The SSO service tokens come from (OAuth2 client credentials), for ``as_service=True``
    calls: it hands out tokens of the test's :class:`TokenFactory` and counts the requests."""

    host = f"sso-token.{_DOMAIN}"

    def __init__(self, tokens: TokenFactory) -> None:
        self.token_url = f"http://{self.host}/token"
        self.client_id = f"test-{secrets.token_hex(4)}"
        self.client_secret = secrets.token_urlsafe(16)
        self.tokens = tokens
        #: claims put on every service token (``kind="service"``, roles)
        self.claims: dict[str, Any] = {}
        self.expires_in = 300
        self.issued: list[str] = []

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or request.url.path != "/token":
            return httpx.Response(404, json={"error": "not_found"})
        token = self.tokens.make(sub=self.client_id, expires_in=self.expires_in, **self.claims)
        self.issued.append(token)
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        return httpx.Response(200, json=body)

    @property
    def token_requests(self) -> int:
        """How many token requests the SSO got."""
        return len(self.issued)

    def __repr__(self) -> str:
        return f"<fake SSO {self.token_url}, {self.token_requests} token request(s)>"


class FakeServices:
    """``fake_services("cart")`` is the fake of service ``cart`` (made on first use);
    ``fake_services.sso`` the SSO service tokens come from."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tokens: TokenFactory) -> None:
        self._monkeypatch = monkeypatch
        self._services: dict[str, FakeService] = {}
        self._lock = threading.Lock()
        self.log: list[Call] = []
        self.sso = FakeSSO(tokens)
        self._router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        # One route takes every fake address and answers by our own routes (added at any
        # time); everything else goes to the real network untouched.
        self._router.route(host__regex=rf"\.{re.escape(_DOMAIN)}$").mock(side_effect=self._answer)
        self._router.route().pass_through()
        monkeypatch.setenv("SSO_TOKEN_URL", self.sso.token_url)
        monkeypatch.setenv("SSO_CLIENT_ID", self.sso.client_id)
        monkeypatch.setenv("SSO_CLIENT_SECRET", self.sso.client_secret)

    def __call__(self, service: str) -> FakeService:
        fake = self._services.get(service)
        if fake is None:
            fake = self._services[service] = FakeService(service)
            self._monkeypatch.setenv(f"{env_prefix(service)}URL", fake.url)
        return fake

    def _answer(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host == self.sso.host:
            return self._logged(Call("sso (token)", request, self.sso.answer(request)))
        fake = next((f for f in self._services.values() if f.host == host), None)
        route = fake.answering(request) if fake is not None else None
        if route is None:
            self._logged(Call(fake.name if fake else host, request, None))
            raise httpx.ConnectError(f"no fake route answers {request.method} {request.url}")
        return self._logged(Call(route.service, request, route.answer(request)))

    def _logged(self, call: Call) -> httpx.Response:
        with self._lock:
            self.log.append(call)
        assert call.response is not None
        return call.response

    def start(self) -> None:
        self._router.start()

    def stop(self) -> None:
        self._router.stop()
        _forget_shared_tokens(self.sso)

    @property
    def calls(self) -> list[str]:
        """Every call made to a fake, in order: ``cart POST /carts/7/verify -> 200``."""
        return [str(call) for call in self.log]

    def problems(self) -> str | None:
        """Why the test must fail, or None: calls to a fake that no route answered."""
        unmatched = [call for call in self.log if call.response is None]
        if not unmatched:
            return None
        routes = [
            f"{r.service} {r.method} {r.path}" for f in self._services.values() for r in f.routes
        ]
        return "\n".join(
            [
                f"fake_services: {len(unmatched)} call(s) matched no fake route",
                "calls made:",
                *(f"  {c}" for c in self.calls),
                "fake routes:",
                *(f"  {r}" for r in routes or ["(none)"]),
            ]
        )


def _forget_shared_tokens(sso: FakeSSO) -> None:
    """Drop the process-wide token provider made for this test's SSO (its cached token)."""
    from sdk.client import ServiceTokens

    with ServiceTokens._shared_lock:
        for key in [k for k in ServiceTokens._shared if k[1] == sso.client_id]:
            del ServiceTokens._shared[key]
