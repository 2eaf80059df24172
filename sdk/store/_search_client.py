"""One small request interface over the two official clients.

The sink speaks raw bodies (bytes it built itself) and reads every answer as
``(status, body)``, whatever the status; these classes hide which client carries the
request. Transport-level retries are off: the sink decides what to retry, and how often.
"""

from __future__ import annotations

import base64
import importlib
import os
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit, urlunsplit

from sdk.log._redaction import hide_url

#: Credentials from the environment, used when the URL carries none.
ENV_USERNAME: Final = "HOPSCOPE_SEARCH_USERNAME"
ENV_PASSWORD: Final = "HOPSCOPE_SEARCH_PASSWORD"  # noqa: S105 - a variable name
ENV_API_KEY: Final = "HOPSCOPE_SEARCH_API_KEY"

DEFAULT_TIMEOUT_S: Final = 30.0

#: The newest API version the pinned ``elasticsearch`` client speaks.
CLIENT_MAJOR: Final = 9

#: Address scheme -> the client that speaks to the server (``auto``: ask it, ``GET /``).
SCHEMES: Final = {
    "http": "auto",
    "https": "auto",
    "elasticsearch+http": "elasticsearch",
    "elasticsearch+https": "elasticsearch",
    "opensearch+http": "opensearch",
    "opensearch+https": "opensearch",
}


class SearchUnreachable(Exception):
    """No answer from the server (refused, reset, timed out, TLS failure)."""


@dataclass(frozen=True, slots=True)
class SearchResponse:
    status: int
    body: Any


@dataclass(frozen=True, slots=True, repr=False)
class Endpoint:
    """Where the server is and how to log in; ``repr`` and ``display`` never show secrets."""

    url: str  # scheme://host:port[/prefix], without userinfo
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    verify_certs: bool = True
    ca_certs: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    compress: bool = False  # gzip request bodies (worth it over a slow link)

    @property
    def display(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"Endpoint({self.url!r})"

    @classmethod
    def parse(
        cls,
        http_url: str,
        *,
        verify_certs: bool = True,
        ca_certs: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        compress: bool = False,
    ) -> Endpoint:
        """``http(s)://[user:password@]host[:port][/prefix]``; credentials missing from the
        URL come from :data:`ENV_USERNAME`/:data:`ENV_PASSWORD` or :data:`ENV_API_KEY`."""
        parts = urlsplit(http_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) address: {hide_url(http_url)!r}")
        netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        if ":" in (parts.hostname or "") and not netloc.startswith("["):
            netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
        clean = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        username = unquote(parts.username) if parts.username else os.environ.get(ENV_USERNAME)
        password = unquote(parts.password) if parts.password else os.environ.get(ENV_PASSWORD)
        return cls(
            url=clean,
            username=username or None,
            password=password if username else None,
            api_key=None if username else os.environ.get(ENV_API_KEY) or None,
            verify_certs=verify_certs,
            ca_certs=ca_certs,
            timeout_s=timeout_s,
            compress=compress,
        )


class SearchClient(ABC):
    """A connection to one cluster, by one of the official clients."""

    flavour: str

    @abstractmethod
    def request(
        self, method: str, path: str, body: bytes | None = None, *, ndjson: bool = False
    ) -> SearchResponse:
        """Send one request; raise :class:`SearchUnreachable` when nothing answered."""

    @abstractmethod
    def close(self) -> None: ...


class OpenSearchClient(SearchClient):
    """``opensearch-py``; also used to ask an unknown server what it is."""

    flavour = "opensearch"

    def __init__(self, endpoint: Endpoint) -> None:
        from opensearchpy import OpenSearch

        auth = (endpoint.username, endpoint.password or "") if endpoint.username else None
        headers = {"authorization": f"ApiKey {endpoint.api_key}"} if endpoint.api_key else None
        self._client = OpenSearch(
            hosts=[endpoint.url],
            http_auth=auth,
            headers=headers,
            verify_certs=endpoint.verify_certs,
            ca_certs=endpoint.ca_certs,
            timeout=endpoint.timeout_s,
            max_retries=0,
            retry_on_status=(),
            retry_on_timeout=False,
            http_compress=endpoint.compress,
        )

    def request(
        self, method: str, path: str, body: bytes | None = None, *, ndjson: bool = False
    ) -> SearchResponse:
        from opensearchpy.exceptions import ConnectionError as OsConnectionError
        from opensearchpy.exceptions import TransportError

        mimetype = "application/x-ndjson" if ndjson else "application/json"
        try:
            data = self._client.transport.perform_request(
                method, path, headers={"content-type": mimetype}, body=body
            )
        except OsConnectionError as exc:
            raise SearchUnreachable(_describe(exc)) from None
        except TransportError as exc:
            status = exc.status_code
            return SearchResponse(status if isinstance(status, int) else 599, exc.info)
        return SearchResponse(200, data)

    def close(self) -> None:
        self._client.close()


class ElasticsearchClient(SearchClient):
    """The official ``elasticsearch`` client's transport.

    The client itself rewrites every ``application/json`` media type to
    ``compatible-with=<client major>`` (9), which an older server refuses; requests go
    through its transport instead, with media types for :attr:`compatible_with` (the
    server's major, see :func:`open_elasticsearch`) and the login headers set here.
    """

    flavour = "elasticsearch"

    def __init__(self, endpoint: Endpoint, compatible_with: int = 8) -> None:
        _import_without_arrow("elasticsearch")
        from elasticsearch import Elasticsearch

        self.compatible_with = compatible_with
        tls: dict[str, Any] = {"ca_certs": endpoint.ca_certs} if endpoint.ca_certs else {}
        self._client = Elasticsearch(
            hosts=[endpoint.url],
            **tls,
            verify_certs=endpoint.verify_certs,
            request_timeout=endpoint.timeout_s,
            max_retries=0,
            retry_on_status=(),
            retry_on_timeout=False,
            http_compress=endpoint.compress,
        )
        self._login = _login_headers(endpoint)
        self._timeout_s = endpoint.timeout_s

    def _mimetype(self, kind: str) -> str:
        if self.compatible_with < 8:
            return f"application/{kind}"
        return f"application/vnd.elasticsearch+{kind}; compatible-with={self.compatible_with}"

    def request(
        self, method: str, path: str, body: bytes | None = None, *, ndjson: bool = False
    ) -> SearchResponse:
        from elastic_transport import TransportError

        headers = {**self._login, "accept": self._mimetype("json")}
        if body is not None:
            headers["content-type"] = self._mimetype("x-ndjson" if ndjson else "json")
        try:
            meta, answer = self._client.transport.perform_request(
                method,
                path,
                headers=headers,
                body=body,
                request_timeout=self._timeout_s,
                max_retries=0,
                retry_on_status=(),
                retry_on_timeout=False,
            )
        except TransportError as exc:
            raise SearchUnreachable(_describe(exc)) from None
        # The client's own check: every successful answer names the product.
        if 200 <= meta.status < 300 and meta.headers.get("x-elastic-product") != "Elasticsearch":
            raise SearchUnreachable(
                "the server does not identify as Elasticsearch; for OpenSearch use an "
                "opensearch+http(s):// address"
            )
        return SearchResponse(meta.status, answer)

    def close(self) -> None:
        self._client.close()


def open_elasticsearch(endpoint: Endpoint) -> ElasticsearchClient:
    """An :class:`ElasticsearchClient` speaking the server's major version: asked with
    plain media types first, which every version accepts."""
    client = ElasticsearchClient(endpoint, compatible_with=0)
    answer = client.request("GET", "/")
    if answer.status >= 300:
        client.close()
        raise SearchUnreachable(f"GET / answered {answer.status}: {short_error(answer.body)}")
    version = answer.body.get("version", {}) if isinstance(answer.body, dict) else {}
    client.compatible_with = compatible_major(version.get("number"))
    return client


def _login_headers(endpoint: Endpoint) -> dict[str, str]:
    if endpoint.username:
        pair = f"{endpoint.username}:{endpoint.password or ''}".encode()
        return {"authorization": f"Basic {base64.b64encode(pair).decode()}"}
    if endpoint.api_key:
        return {"authorization": f"ApiKey {endpoint.api_key}"}
    return {}


def _import_without_arrow(module: str) -> None:
    """Import *module* while ``pyarrow`` counts as absent, unless something imported it
    already. The elasticsearch client imports pyarrow (and numpy) eagerly for its Arrow
    serializer, about 55 MiB of resident memory that a process shipping JSON never uses.
    A ``None`` entry in ``sys.modules`` makes that import fail the documented way; it is
    removed again, so a later ``import pyarrow`` elsewhere in the process still works."""
    if module in sys.modules or "pyarrow" in sys.modules:
        return
    sys.modules["pyarrow"] = None  # type: ignore[assignment]
    try:
        importlib.import_module(module)
    finally:
        if sys.modules.get("pyarrow", False) is None:
            del sys.modules["pyarrow"]


def _describe(exc: Exception) -> str:
    # The clients' messages name the host, never the credentials.
    return f"{type(exc).__name__}: {exc}"


def detect_client(endpoint: Endpoint) -> SearchClient:
    """Ask the server what it is (``GET /``) and return the matching client."""
    probe = OpenSearchClient(endpoint)
    answer = probe.request("GET", "/")
    version = answer.body.get("version", {}) if isinstance(answer.body, dict) else {}
    if answer.status < 300 and version.get("distribution") == "opensearch":
        return probe
    probe.close()
    if answer.status >= 300:
        raise SearchUnreachable(f"GET / answered {answer.status}: {short_error(answer.body)}")
    return ElasticsearchClient(endpoint, compatible_major(version.get("number")))


def open_client(endpoint: Endpoint, flavour: str) -> SearchClient:
    """The client for a :data:`SCHEMES` flavour (only ``opensearch`` sends nothing yet)."""
    if flavour == "opensearch":
        return OpenSearchClient(endpoint)
    if flavour == "elasticsearch":
        return open_elasticsearch(endpoint)
    return detect_client(endpoint)


def plain_http_url(url: str) -> str:
    """A :data:`SCHEMES` address as plain ``http(s)://`` (no flavour prefix, no query)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.split("+")[-1], parts.netloc, parts.path, "", ""))


def major_version(number: Any) -> int:
    try:
        return int(str(number).split(".", 1)[0])
    except ValueError:
        return 8


def compatible_major(number: Any) -> int:
    """The API version to ask a server of version *number* for: its own major, at most
    the client's (a newer server answers in the client's version)."""
    return min(major_version(number), CLIENT_MAJOR)


def short_error(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return f"{error.get('type', 'error')}: {error.get('reason', '')}"
        return str(error)[:300]
    return str(body)[:300]
