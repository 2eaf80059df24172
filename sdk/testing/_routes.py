"""The routes an app declares, one per method, in the template style of the hop records
(``/carts/{cart_id}``), with the path a request to each is sent to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from sdk.inbound import flask_route, is_flask, is_starlette

#: methods a route answers unasked for (HEAD next to GET, OPTIONS everywhere)
_IMPLIED: Final = frozenset({"HEAD", "OPTIONS"})
_HTTP_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
_STARLETTE_PARAM: Final = re.compile(r"\{([^{}:]+)(?::[^{}]*)?\}")
_PARAM: Final = re.compile(r"\{([^{}]+)\}")
_SAMPLE_UUID: Final = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True, slots=True)
class AppRoute:
    """One method of one route: ``GET /carts/{cart_id}``, with a sample value per parameter
    (by its converter: ``1``, ``1.0``, a UUID, the first choice of an ``any``)."""

    method: str
    template: str
    samples: tuple[tuple[str, str], ...] = ()
    #: a route the framework serves itself (FastAPI's docs, Flask's static files)
    builtin: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.template)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"

    def path(self, path_params: Mapping[str, Any]) -> str:
        """The template with its parameters filled from ``path_params`` or the samples."""
        samples = dict(self.samples)

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            value = path_params[name] if name in path_params else samples.get(name, "1")
            return quote(str(value), safe="/")

        return _PARAM.sub(fill, self.template)


def template(text: str) -> str:
    """A route as a test may write it, in the one style: ``/b/<int:id>`` and ``/b/{id:int}``
    are ``/b/{id}``."""
    return _STARLETTE_PARAM.sub(r"{\1}", flask_route(text))


def route_key(method: str, route: str) -> tuple[str, str]:
    return (method.upper(), template(route))


def routes_of(app: Any) -> list[AppRoute]:
    """Every method of every route ``app`` declares (a Starlette or FastAPI app, mounts
    included, or a Flask app), in declaration order."""
    if is_starlette(app):
        builtin = {getattr(app, a, None) for a in _FASTAPI_DOCS} - {None}
        found = list(_starlette_routes(app.routes, "", {}, builtin))
    elif is_flask(app):
        found = list(_flask_routes(app))
    else:
        raise TypeError(
            f"sdk.testing: {type(app).__qualname__} is neither a Starlette/FastAPI app "
            "nor a Flask app, so its routes cannot be listed"
        )
    unique: dict[tuple[str, str], AppRoute] = {}
    for route in found:
        unique.setdefault(route.key, route)
    return list(unique.values())


_FASTAPI_DOCS: Final = ("openapi_url", "docs_url", "redoc_url", "swagger_ui_oauth2_redirect_url")


def _starlette_routes(
    routes: Iterable[Any], prefix: str, inherited: Mapping[str, str], builtin: set[Any]
) -> Iterator[AppRoute]:
    from starlette.endpoints import HTTPEndpoint
    from starlette.routing import Mount, Route

    for route in routes:
        samples = {**inherited, **_samples(getattr(route, "param_convertors", {}))}
        if isinstance(route, Mount):  # its own path without the "/{path:path}" it matches by
            samples.pop("path", None)
            mounted = prefix + template(route.path)
            yield from _starlette_routes(route.routes, mounted, samples, builtin)
        elif isinstance(route, Route):
            methods = route.methods
            if methods is None:  # an HTTPEndpoint class answers the methods it defines
                endpoint = route.endpoint
                is_class = isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint)
                methods = {m for m in _HTTP_METHODS if hasattr(endpoint, m.lower())}
                methods = methods if is_class else {"GET"}
            path = prefix + route.path_format
            for method in _declared(methods):
                yield AppRoute(method, path, tuple(samples.items()), route.path in builtin)


def _flask_routes(app: Any) -> Iterator[AppRoute]:
    for rule in app.url_map.iter_rules():
        samples = tuple(_samples(rule._converters).items())
        for method in _declared(rule.methods or {"GET"}):
            yield AppRoute(method, flask_route(rule.rule), samples, rule.endpoint == "static")


def _declared(methods: Iterable[str]) -> list[str]:
    upper = {m.upper() for m in methods}
    explicit = sorted(upper - _IMPLIED, key=_method_order)
    return explicit or sorted(upper, key=_method_order)


def _method_order(method: str) -> tuple[int, str]:
    return (_HTTP_METHODS.index(method) if method in _HTTP_METHODS else len(_HTTP_METHODS), method)


def _samples(converters: Mapping[str, Any]) -> dict[str, str]:
    return {name: _sample(converter) for name, converter in converters.items()}


def _sample(converter: Any) -> str:
    """A value the converter accepts (by its class name, the same in Starlette and Werkzeug)."""
    kind = type(converter).__name__
    if kind.startswith("Float"):
        return "1.0"
    if kind.startswith("UUID"):
        return _SAMPLE_UUID
    choices = getattr(converter, "items", None)
    if kind.startswith("Any") and choices:
        return str(sorted(choices)[0])
    return "1"
