"""``url.path`` without secrets: JWT-shaped segments, and the values of route parameters
whose *name* is a secret key (``/reset/{token}``, ``/keys/{api_key}``).

A route parameter's value is known only once the router matched, after the request's
fields were bound; so the routes whose templates name a secret parameter are read from the
app once, and only a path that one of them matches is rewritten before anything is bound.
An app without such routes pays one attribute read per request.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from sdk.log._redaction import REDACTED, Redactor

#: how deep mounts inside mounts are followed
_MAX_DEPTH: Final = 8


class SecretRoutes:
    """Route patterns (Starlette's compiled ``path_regex``) with the secret parameters each
    names; ``hide(path)`` replaces those parameters' values in the path."""

    __slots__ = ("_routes",)

    def __init__(self, routes: list[tuple[re.Pattern[str], tuple[str, ...], Any]]) -> None:
        # (pattern, secret group names, child routes of a mount or None)
        self._routes = routes

    def hide(self, path: str, root_path: str = "") -> str:
        """*path* as a client sent it; routes match what follows the app's *root_path*."""
        start = len(root_path) if root_path and path.startswith(root_path) else 0
        spans: list[tuple[int, int]] = []
        _collect(self._routes, path[start:], start, spans, 0)
        if not spans:
            return path
        pieces: list[str] = []
        done = 0
        for start, end in sorted(spans):
            if start < done:
                continue
            pieces += (path[done:start], REDACTED)
            done = end
        pieces.append(path[done:])
        return "".join(pieces)


def _collect(
    routes: list[tuple[re.Pattern[str], tuple[str, ...], Any]],
    path: str,
    offset: int,
    spans: list[tuple[int, int]],
    depth: int,
) -> None:
    for pattern, secrets, children in routes:
        match = pattern.match(path)
        if match is None:
            continue
        spans += [(offset + match.start(g), offset + match.end(g)) for g in secrets]
        if children is not None and depth < _MAX_DEPTH and "path" in pattern.groupindex:
            # a mount hands "/" + the rest of the path to its own routes
            rest = match.start("path") - 1
            _collect(children, path[rest:], offset + rest, spans, depth + 1)
        if children is None:
            return  # the first route that matches handles the request


def starlette_secret_routes(app: object, redactor: Redactor) -> SecretRoutes | None:
    """The routes of a Starlette (or FastAPI) *app* that name a secret parameter; None when
    there are none, or *app* has no Starlette router."""
    routes = _compiled(getattr(getattr(app, "router", None), "routes", None), redactor, 0)
    return SecretRoutes(routes) if routes else None


def _compiled(
    routes: object, redactor: Redactor, depth: int
) -> list[tuple[re.Pattern[str], tuple[str, ...], Any]]:
    if not isinstance(routes, Iterable) or depth > _MAX_DEPTH:
        return []
    found: list[tuple[re.Pattern[str], tuple[str, ...], Any]] = []
    for route in routes:
        included = getattr(route, "effective_candidates", None)
        if callable(included):  # FastAPI's included router: its routes with the prefix
            with contextlib.suppress(Exception):  # its internals must not fail requests
                found += _compiled(included(), redactor, depth + 1)
            continue
        pattern = getattr(route, "path_regex", None)
        params = getattr(route, "param_convertors", None)
        if not isinstance(pattern, re.Pattern) or not isinstance(params, Mapping):
            continue
        children = getattr(route, "routes", None)
        inner = _compiled(children, redactor, depth + 1) if children else []
        secrets = tuple(
            name
            for name in params
            if name in pattern.groupindex
            and not (children and name == "path")
            and redactor.is_secret_key(name)
        )
        if secrets or inner:
            found.append((pattern, secrets, inner if children else None))
    return found


def hide_view_args(path: str, view_args: Mapping[str, Any] | None, redactor: Redactor) -> str:
    """*path* with the segments that hold a secret-named view argument's value replaced
    (Flask gives the arguments, not where they stand in the path; WSGI paths are decoded)."""
    if not view_args:
        return path
    values = {str(value) for name, value in view_args.items() if redactor.is_secret_key(name)}
    values.discard("")
    if not values:
        return path
    return "/".join(REDACTED if segment in values else segment for segment in path.split("/"))
