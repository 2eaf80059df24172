"""The request loop of :mod:`sdk.client._base` without its I/O.

The async and sync clients differ only in how they wait: ``await`` or a blocking call.
Everything else an attempt involves — the origin header, the ``Authorization`` chosen,
the client hop record, whether and when to try again — lives here, once, so the two
loops cannot drift apart.

httpx is imported inside the functions that need it: this module loads with ``sdk``.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sdk.client._retry import RetryPolicy
from sdk.inbound._credentials import Credential
from sdk.inbound._hops import ORIGIN_HEADER, ClientHop, Timing, body_excerpt
from sdk.inbound._propagation import new_span_id, parse_traceparent
from sdk.log._configure import configure, current_config
from sdk.log._tracing import enclosing_hop

if TYPE_CHECKING:
    import httpx

#: what a client's ``_auth`` hands back for an attempt: the credential to send, whether it
#: is the service's own (None: no credential), and what to name if the callee refuses it.
Auth = tuple[Credential | None, bool | None, object]


def send_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """httpx takes these when sending, the rest when building the request."""
    return {k: kwargs.pop(k) for k in ("auth", "follow_redirects") if k in kwargs}


def name_origin(request: httpx.Request) -> None:
    """The callee's server hop names this service as the caller."""
    config = current_config() or configure()
    request.headers[ORIGIN_HEADER] = config.service


def set_authorization(request: httpx.Request, credential: Credential | None) -> None:
    if credential is not None:
        request.headers["authorization"] = credential.header()


def start_hop(
    target: str, request: httpx.Request, attempt: int, as_service: bool | None
) -> ClientHop:
    """The client hop of one attempt, timed from now; its span id is known once sent."""
    import httpx

    ids = enclosing_hop()
    url = request.url
    content_type = request.headers.get("content-type")
    try:
        content = request.content
    except httpx.RequestNotRead:  # a streamed body: nothing to quote
        content = b""
    return ClientHop(
        target=target,
        method=request.method,
        url=str(url),
        path=url.raw_path.decode("ascii", "replace").split("?", 1)[0],
        attempt=attempt,
        as_service=bool(as_service) if as_service is not None else False,
        timing=Timing(time.time_ns(), time.perf_counter_ns()),
        trace_id=ids[0] if ids else None,
        span_id=None,
        parent_id=ids[1] if ids else None,
        server=(url.host, url.port or (443 if url.scheme == "https" else 80)),
        request_body=body_excerpt(content_type, content) if content else None,
        request_type=content_type,
    )


def finish_hop(
    hop: ClientHop,
    request: httpx.Request,
    response: httpx.Response | None,
    error: BaseException | None = None,
) -> None:
    """Complete the hop with what came back (or the error) and write it."""
    import httpx

    now = time.perf_counter_ns()
    # the instrumentation put the attempt's span in the traceparent it sent
    sent = parse_traceparent(request.headers.get("traceparent"))
    if sent is not None:
        hop.trace_id, hop.span_id = sent.trace_id, sent.span_id
    else:
        hop.span_id = new_span_id()
    hop.error = error
    if response is not None:
        hop.status = response.status_code
        hop.response_type = response.headers.get("content-type")
        hop.response_body = body_excerpt(hop.response_type)
        with contextlib.suppress(httpx.ResponseNotRead):  # a streamed response
            hop.response_body.add(response.content)
    hop.write(now)


@dataclass
class Attempts:
    """The state of one call's attempts; the client loop does the sending and sleeping.

    Per attempt the loop calls :meth:`start` with the credential it obtained, sends, then
    :meth:`failed` or :meth:`answered`, and sleeps for the delay they return (None: stop).
    """

    target: str
    request: httpx.Request
    policy: RetryPolicy
    retry_unsafe: bool
    number: int = 0
    #: what the previous attempt used when it got a 401 (the provider forgets it), else None.
    refused: object = None
    #: what this attempt uses, for the 401 check.
    used: object = None
    #: a refused credential is replaced once, so a callee refusing every token ends the call.
    renewed: bool = False
    hop: ClientHop | None = field(default=None, repr=False)

    def start(self, auth: Auth) -> None:
        credential, as_service, self.used = auth
        self.number += 1
        self.refused = None
        set_authorization(self.request, credential)
        self.hop = start_hop(self.target, self.request, self.number, as_service)

    def failed(self, error: BaseException) -> float | None:
        """The attempt raised ``error``: its hop is written; seconds to wait, or None to
        give up (re-raise)."""
        self._finish(None, error)
        return self.policy.delay(
            self.number, self.request.method, error=error, retry_unsafe=self.retry_unsafe
        )

    def answered(self, response: httpx.Response) -> None:
        """The attempt got ``response``: its hop is written."""
        self._finish(response, None)

    def may_renew(self, response: httpx.Response) -> bool:
        """A 401 for a credential not yet replaced: worth asking the client for a new one."""
        return response.status_code == 401 and self.used is not None and not self.renewed

    def renew(self) -> None:
        """The next attempt goes with a new credential, the refused one forgotten."""
        self.refused, self.renewed = self.used, True

    def delay_after(self, response: httpx.Response) -> float | None:
        """Seconds to wait before trying again after ``response``, or None to return it."""
        return self.policy.delay(
            self.number, self.request.method, response=response, retry_unsafe=self.retry_unsafe
        )

    def _finish(self, response: httpx.Response | None, error: BaseException | None) -> None:
        if self.hop is not None:
            finish_hop(self.hop, self.request, response, error)
