"""Requests sent to the app under test in process: Starlette's ``TestClient`` for a Starlette
or FastAPI app, Flask's test client for a Flask app (with ``buffered=True``: the server hop
of a WSGI request is written when its response is closed, which buffering does at once)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sdk.inbound import is_flask, is_starlette


@dataclass(frozen=True, slots=True)
class Answer:
    """What the app answered: its status, and the exception's type when one escaped it
    (a Flask app with ``PROPAGATE_EXCEPTIONS``), counted as a 500."""

    status: int
    raised: str | None = None


class Caller(Protocol):
    def __call__(
        self, method: str, path: str, headers: Mapping[str, str] | None = None
    ) -> Answer: ...


def caller(app: Any) -> Caller:
    """A function sending one request to ``app``; ``TypeError`` for an app it cannot drive."""
    if is_starlette(app):
        return _starlette_caller(app)
    if is_flask(app):
        return _flask_caller(app)
    raise TypeError(
        f"sdk.testing: {type(app).__qualname__} is neither a Starlette/FastAPI app nor a Flask app"
    )


def _starlette_caller(app: Any) -> Caller:
    from starlette.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=False)

    def call(method: str, path: str, headers: Mapping[str, str] | None = None) -> Answer:
        return Answer(client.request(method, path, headers=dict(headers or {})).status_code)

    return call


def _flask_caller(app: Any) -> Caller:
    client = app.test_client()

    def call(method: str, path: str, headers: Mapping[str, str] | None = None) -> Answer:
        try:
            response = client.open(path, method=method, headers=dict(headers or {}), buffered=True)
        except Exception as exc:  # noqa: BLE001 - the app's own exception is the finding
            return Answer(500, type(exc).__name__)
        status: int = response.status_code
        response.close()
        return Answer(status)

    return call
