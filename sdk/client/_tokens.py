"""The service's own token: obtained from the SSO with OAuth2 client credentials, kept in a
cache (memory by default, pluggable), refreshed before it expires, fetched once per burst.

The SSO call is a hop like any other: it carries the ``traceparent`` of the request being
handled (a new trace when there is none) and is written as a client hop, so the SSO's
server hop joins the caller's chain. Its body excerpts are redacted like every other
(``client_secret``, ``access_token``); a token's text never appears in ``repr``, in
errors, or in a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

from sdk.inbound._credentials import Credential
from sdk.inbound._hops import ORIGIN_HEADER, ClientHop, Timing, body_excerpt
from sdk.inbound._propagation import RANDOM, SAMPLED, format_traceparent, new_span_id, new_trace_id
from sdk.inbound._request_scope import enclosing_parent
from sdk.log._configure import current_config
from sdk.log._redaction import hide_url

if TYPE_CHECKING:  # httpx and pydantic-settings load with the first fetch, not with ``sdk``
    import httpx

    from sdk.client._settings import SSOSettings

#: target name of the SSO's client hops.
SSO_TARGET: Final = "sso"
_DEFAULT_LIFETIME: Final = 300.0


class SSOError(RuntimeError):
    """The SSO did not give a token; the message says why (never the secret or a token)."""


@dataclass(frozen=True)
class ServiceToken:
    access_token: str = field(repr=False)
    expires_at: float  # wall clock (time.time()), so a shared cache can hold it
    refresh_at: float
    token_type: str = "Bearer"  # noqa: S105 - a scheme name, not a secret

    def credential(self) -> Credential:
        return Credential(f"{self.token_type} {self.access_token}")

    def usable(self, now: float) -> bool:
        return now < self.refresh_at


class TokenCache(Protocol):
    """Where service tokens are kept between calls (memory, Redis, a file...)."""

    def get(self, key: str) -> ServiceToken | None: ...
    def set(self, key: str, token: ServiceToken) -> None: ...
    def delete(self, key: str) -> None: ...


class MemoryTokenCache:
    """Tokens in this process's memory: the default, and the fastest."""

    def __init__(self) -> None:
        self._tokens: dict[str, ServiceToken] = {}

    def get(self, key: str) -> ServiceToken | None:
        return self._tokens.get(key)

    def set(self, key: str, token: ServiceToken) -> None:
        self._tokens[key] = token

    def delete(self, key: str) -> None:
        self._tokens.pop(key, None)


class ServiceTokens:
    """Hands out the service token; one instance per SSO client, shared by all clients.

    ``token()`` (sync) and ``atoken()`` (async) return a cached token while it is fresh;
    otherwise exactly one caller (per thread pool, per event loop) asks the SSO and the
    others wait for its answer. ``invalidate(token)`` after a 401 makes the next call
    fetch a new one.
    """

    _shared: ClassVar[dict[tuple[str, str, int], ServiceTokens]] = {}
    _shared_lock: ClassVar = threading.Lock()

    def __init__(
        self,
        settings: SSOSettings | None = None,
        *,
        cache: TokenCache | None = None,
        refresh_margin: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if settings is None:
            from sdk.client._settings import sso_settings

            settings = sso_settings()
        self.settings = settings
        self.cache: TokenCache = cache if cache is not None else MemoryTokenCache()
        self.refresh_margin = refresh_margin
        self.key = f"{self.settings.token_url}|{self.settings.client_id}"
        self._transport = transport
        self._async_transport = async_transport
        self._lock = threading.Lock()
        self._flights: dict[asyncio.AbstractEventLoop, asyncio.Task[ServiceToken]] = {}
        self.fetches = 0  # SSO requests made, for operators and tests

    @classmethod
    def shared(
        cls, settings: SSOSettings | None = None, cache: TokenCache | None = None
    ) -> ServiceTokens:
        """The process-wide instance for these SSO settings (from the environment by
        default) and cache, so that every client of the process shares one fetch."""
        if settings is None:
            from sdk.client._settings import sso_settings

            settings = sso_settings()
        key = (str(settings.token_url), settings.client_id, id(cache))
        with cls._shared_lock:
            tokens = cls._shared.get(key)
            if tokens is None:
                tokens = cls._shared[key] = cls(settings, cache=cache)
            return tokens

    # -- handing out ---------------------------------------------------------------------

    def _cached(self) -> ServiceToken | None:
        token = self.cache.get(self.key)
        return token if token is not None and token.usable(time.time()) else None

    def token(self) -> ServiceToken:
        token = self._cached()
        if token is not None:
            return token
        with self._lock:
            token = self._cached()
            if token is None:
                token = self._fetch()
                self.cache.set(self.key, token)
            return token

    async def atoken(self) -> ServiceToken:
        token = self._cached()
        if token is not None:
            return token
        loop = asyncio.get_running_loop()
        flight = self._flights.get(loop)
        if flight is None:
            flight = loop.create_task(self._afetch_and_keep())
            self._flights[loop] = flight
            flight.add_done_callback(lambda _t: self._flights.pop(loop, None))
        return await asyncio.shield(flight)

    async def _afetch_and_keep(self) -> ServiceToken:
        token = self._cached()  # another loop or thread may have fetched meanwhile
        if token is None:
            token = await self._afetch()
            self.cache.set(self.key, token)
        return token

    def invalidate(self, token: ServiceToken) -> None:
        """Forget ``token`` (the callee refused it), unless a newer one replaced it already."""
        if self.cache.get(self.key) == token:
            self.cache.delete(self.key)

    # -- asking the SSO ------------------------------------------------------------------

    def _request(self, http: httpx.Client | httpx.AsyncClient, hop: ClientHop) -> httpx.Request:
        """The token request, with the hop's ``traceparent``; ``hop`` gets its body excerpt."""
        form = {"grant_type": "client_credentials"}
        if self.settings.scope:
            form["scope"] = self.settings.scope
        if self.settings.audience:
            form["audience"] = self.settings.audience
        if self.settings.auth_method == "client_secret_post":
            form["client_id"] = self.settings.client_id
            form["client_secret"] = self.settings.client_secret.get_secret_value()
        headers = {"accept": "application/json"}
        if hop.trace_id is not None and hop.span_id is not None:
            headers["traceparent"] = format_traceparent(hop.trace_id, hop.span_id, hop.flags)
            if hop.tracestate:
                headers["tracestate"] = hop.tracestate
        config = current_config()
        if config is not None:
            headers[ORIGIN_HEADER] = config.service
        request = http.build_request("POST", hop.url, data=form, headers=headers)
        hop.request_type = request.headers.get("content-type")
        hop.request_body = body_excerpt(hop.request_type, request.content)
        return request

    def _auth(self) -> httpx.Auth | None:
        import httpx

        if self.settings.auth_method == "client_secret_post":
            return None
        secret = self.settings.client_secret.get_secret_value()
        return httpx.BasicAuth(self.settings.client_id, secret)

    def _fetch(self) -> ServiceToken:
        import httpx

        with (
            self._exchange() as exchange,
            httpx.Client(transport=self._transport, timeout=self.settings.timeout) as http,
        ):
            request = self._request(http, exchange.hop)
            response = exchange.response = http.send(request, auth=self._auth())
        return self._token_of(response)

    async def _afetch(self) -> ServiceToken:
        import httpx

        with self._exchange() as exchange:
            async with httpx.AsyncClient(
                transport=self._async_transport, timeout=self.settings.timeout
            ) as http:
                request = self._request(http, exchange.hop)
                response = exchange.response = await http.send(request, auth=self._auth())
        return self._token_of(response)

    @contextlib.contextmanager
    def _exchange(self) -> Iterator[_Exchange]:
        """One SSO request, whichever way it is sent: counted and written as a client hop
        however it ends; a transport error becomes an :class:`SSOError` naming the URL and
        the error's kind."""
        import httpx

        exchange = _Exchange(self._hop())
        try:
            yield exchange
        except httpx.HTTPError as exc:
            exchange.hop.error = exc
            raise SSOError(
                f"could not reach the SSO at {hide_url(exchange.hop.url)}: {type(exc).__name__}"
            ) from None
        finally:
            self.fetches += 1
            _finish(exchange.hop, exchange.response)

    def _hop(self) -> ClientHop:
        import httpx

        url = httpx.URL(str(self.settings.token_url))
        parent = enclosing_parent()
        return ClientHop(
            target=SSO_TARGET,
            method="POST",
            url=str(url),
            path=url.path,
            attempt=1,
            as_service=True,
            timing=Timing(time.time_ns(), time.perf_counter_ns()),
            trace_id=parent.trace_id if parent else new_trace_id(),
            span_id=new_span_id(),
            parent_id=parent.span_id if parent else None,
            server=(url.host, url.port or (443 if url.scheme == "https" else 80)),
            flags=parent.flags if parent else SAMPLED | RANDOM,
            tracestate=parent.state.to_header() if parent and parent.state else None,
        )

    def _token_of(self, response: httpx.Response) -> ServiceToken:
        if response.status_code != 200:
            raise SSOError(
                f"the SSO at {hide_url(self.settings.token_url)} refused the client credentials of "
                f"{self.settings.client_id!r}: {response.status_code} {_oauth_error(response)}"
            )
        try:
            body: Any = response.json()
            access = body["access_token"]
        except (ValueError, KeyError, TypeError):
            raise SSOError(
                f"the SSO at {hide_url(self.settings.token_url)} answered without an access_token"
            ) from None
        if not isinstance(access, str) or not access:
            raise SSOError(
                f"the SSO at {hide_url(self.settings.token_url)} sent an empty access_token"
            )
        lifetime = body.get("expires_in", _DEFAULT_LIFETIME)
        if not isinstance(lifetime, int | float) or lifetime <= 0:
            lifetime = _DEFAULT_LIFETIME
        now = time.time()
        margin = min(self.refresh_margin, float(lifetime) / 2)
        kind = body.get("token_type")
        return ServiceToken(
            access_token=access,
            expires_at=now + float(lifetime),
            refresh_at=now + float(lifetime) - margin,
            token_type="Bearer" if not isinstance(kind, str) or kind.lower() == "bearer" else kind,
        )


@dataclass
class _Exchange:
    """The hop of an SSO request and, once it came, the response."""

    hop: ClientHop
    response: httpx.Response | None = None


def _finish(hop: ClientHop, response: httpx.Response | None) -> None:
    now = time.perf_counter_ns()
    if response is not None:
        hop.status = response.status_code
        hop.response_type = response.headers.get("content-type")
        hop.response_body = body_excerpt(hop.response_type, response.content)
    hop.write(now)


def _oauth_error(response: httpx.Response) -> str:
    """The OAuth2 ``error`` code of a refusal (a fixed vocabulary, safe to show)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error)[:64] if isinstance(error, str) else ""
