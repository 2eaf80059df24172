"""``check_auth`` / ``assert_auth``: every route of an app against the requests it must
refuse (the seed's "checking authorization configurations").

Each protected route must answer 401 or 403 to a request with no ``Authorization``, a
malformed one (``Token <token>``, ``Bearer`` alone, ``Basic ...``), an expired token, a token
with a wrong signature and, for a route listed in ``roles``, a valid token without the
right; and it must not answer 401 to a valid token (with the right), else the app does not
trust the tokens and the refusals prove nothing. A public route must answer none of these
with a 5xx. Findings name the method, the route template, the case and the status.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import pytest

from sdk.testing._calling import Answer, Caller, caller
from sdk.testing._routes import AppRoute, route_key, routes_of
from sdk.testing._tokens import TokenFactory

#: (method, route) -> the roles a token needs (its ``roles`` claim), or the claims that
#: grant the right (``{"kind": "service"}``, ``{"scope": "refunds:write"}``)
Roles = Mapping[tuple[str, str], Iterable[str] | Mapping[str, Any]]
Header = Callable[[TokenFactory, Mapping[str, Any]], str | None]

_BASIC: Final = base64.b64encode(b"ann:not-a-bearer-token").decode()


@dataclass(frozen=True, slots=True)
class _Case:
    name: str
    description: str
    header: Header
    #: the request a protected route must accept (not answer 401)
    accepted: bool = False


_REFUSALS: Final = (
    _Case("no-authorization", "no Authorization header", lambda t, g: None),
    _Case(
        "token-scheme", "Authorization: Token <valid token>", lambda t, g: f"Token {t.make(**g)}"
    ),
    _Case("bearer-alone", "Authorization: Bearer (no token)", lambda t, g: "Bearer"),
    _Case("basic", "Authorization: Basic <user:password>", lambda t, g: f"Basic {_BASIC}"),
    _Case("expired", "an expired token", lambda t, g: f"Bearer {t.expired(**g)}"),
    _Case(
        "wrong-signature",
        "a token signed with another key",
        lambda t, g: f"Bearer {t.wrong_signature(**g)}",
    ),
)
_MISSING_RIGHT: Final = _Case(
    "missing-role", "a valid token without the route's role", lambda t, g: f"Bearer {t.make()}"
)
_VALID: Final = _Case(
    "valid-token",
    "a valid token (with the route's role)",
    lambda t, g: f"Bearer {t.make(**g)}",
    True,
)


@dataclass(frozen=True, slots=True)
class AuthFinding:
    """A route that answered a case as it must not: method, route template, case, status."""

    method: str
    route: str
    case: str
    description: str
    status: int
    expected: str
    hint: str = ""

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return (
            f"{self.method} {self.route} [{self.case}: {self.description}] answered "
            f"{self.status}, expected {self.expected}{hint}"
        )


class AuthCase:
    """One route and one case, checked on its own (a test id each, by :func:`auth_cases`)."""

    def __init__(
        self,
        app: Any,
        route: AppRoute,
        case: _Case,
        *,
        public: bool,
        grant: Mapping[str, Any],
        path: str,
    ) -> None:
        self.app = app
        self.route = route
        self.case = case
        self.public = public
        self.grant = dict(grant)
        self.path = path

    @property
    def id(self) -> str:
        return f"{self.route} {self.case.name}"

    def __repr__(self) -> str:
        return f"<AuthCase {self.id}>"

    def run(self, tokens: TokenFactory, send: Caller | None = None) -> AuthFinding | None:
        """Send the request; the finding, or None when the route answered as it must."""
        header = self.case.header(tokens, self.grant)
        headers = {} if header is None else {"Authorization": header}
        answer = (send or caller(self.app))(self.route.method, self.path, headers)
        expected, ok = self._judge(answer)
        if ok:
            return None
        status = answer.status
        hint = f"raised {answer.raised}" if answer.raised else ""
        if status == 404 and self.route.samples and not hint:
            hint = f"path {self.path}: give its parameters with path_params="
        if self.case.accepted and status == 401:
            hint = "the app does not trust these tokens, so its refusals prove nothing"
        return AuthFinding(
            self.route.method,
            self.route.template,
            self.case.name,
            self.case.description,
            status,
            expected,
            hint,
        )

    def check(self, tokens: TokenFactory) -> None:
        """Fail (``AssertionError``) with the finding, if there is one."""
        finding = self.run(tokens)
        if finding is not None:
            raise AssertionError(f"assert_auth: {finding}")

    def _judge(self, answer: Answer) -> tuple[str, bool]:
        """(what was expected, whether the answer is it)."""
        if self.public:
            return "no 5xx", answer.status < 500
        if self.case.accepted:
            return "anything but 401", answer.status != 401
        return "401 or 403", answer.status in (401, 403)


def plan_auth(
    app: Any,
    *,
    public: Iterable[tuple[str, str]] = (),
    roles: Roles | None = None,
    path_params: Mapping[str, Any] | None = None,
) -> list[AuthCase]:
    """The cases :func:`check_auth` sends, in route order. FastAPI's documentation routes and
    Flask's static route count as public unless ``roles`` lists them. A route in ``public`` or
    ``roles`` that the app does not declare is a ``ValueError`` listing the app's routes."""
    routes = routes_of(app)
    declared = {r.key for r in routes}
    public_keys = {route_key(m, p) for m, p in public}
    grants = {route_key(m, p): _grant(right) for (m, p), right in (roles or {}).items()}
    unknown = sorted((public_keys | set(grants)) - declared)
    if unknown:
        listed = "\n".join(f"  {r}" for r in routes) or "  (none)"
        named = ", ".join(f"{m} {p}" for m, p in unknown)
        raise ValueError(f"check_auth: the app has no route {named}; its routes:\n{listed}")
    both = sorted(public_keys & set(grants))
    if both:
        named = ", ".join(f"{m} {p}" for m, p in both)
        raise ValueError(f"check_auth: {named} is listed both as public and in roles")
    params = dict(path_params or {})
    cases: list[AuthCase] = []
    for route in routes:
        grant = grants.get(route.key)
        is_public = route.key in public_keys or (route.builtin and grant is None)
        kinds = [*_REFUSALS, *([_MISSING_RIGHT] if grant is not None else []), _VALID]
        path = route.path(params)
        cases.extend(
            AuthCase(app, route, kind, public=is_public, grant=grant or {}, path=path)
            for kind in kinds
        )
    return cases


def _grant(right: Iterable[str] | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(right, Mapping):
        return dict(right)
    if isinstance(right, str):
        return {"roles": [right]}
    return {"roles": list(right)}


def check_auth(
    app: Any,
    tokens: TokenFactory,
    *,
    public: Iterable[tuple[str, str]] = (),
    roles: Roles | None = None,
    path_params: Mapping[str, Any] | None = None,
) -> list[AuthFinding]:
    """Every route of ``app`` (Starlette, FastAPI or Flask) against every case; the findings.

    ``public``: ``(method, route)`` pairs anyone may call. ``roles``: ``(method, route)`` ->
    the roles a token needs, or the claims that grant the right. ``path_params``: values
    for path parameters by name (else a sample by converter: ``1``, ``1.0``, a UUID).
    Routes are written as templates, ``/carts/{cart_id}`` (a Flask ``<int:cart_id>`` too).
    """
    cases = plan_auth(app, public=public, roles=roles, path_params=path_params)
    send = caller(app)
    return [f for case in cases if (f := case.run(tokens, send)) is not None]


def assert_auth(
    app: Any,
    tokens: TokenFactory,
    *,
    public: Iterable[tuple[str, str]] = (),
    roles: Roles | None = None,
    path_params: Mapping[str, Any] | None = None,
) -> None:
    """:func:`check_auth`, failing (``AssertionError``) with every finding listed."""
    findings = check_auth(app, tokens, public=public, roles=roles, path_params=path_params)
    if findings:
        listed = "\n".join(f"  {f}" for f in findings)
        raise AssertionError(f"assert_auth: {len(findings)} finding(s):\n{listed}")


def auth_cases(
    app: Any,
    *,
    public: Iterable[tuple[str, str]] = (),
    roles: Roles | None = None,
    path_params: Mapping[str, Any] | None = None,
) -> list[Any]:
    """The cases as ``pytest.param``\\ s, one test id per route and case::

    @pytest.mark.parametrize("case", sdk.testing.auth_cases(app, public={("GET", "/health")}))
    def test_auth(case, tokens):
        case.check(tokens)
    """
    cases = plan_auth(app, public=public, roles=roles, path_params=path_params)
    return [pytest.param(case, id=case.id) for case in cases]
