"""``check_auth`` / ``assert_auth`` / ``auth_cases``: every route of a FastAPI, a Starlette and
a Flask app against the requests it must refuse; a route that forgot its check is caught."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)


def literally(*lines: str) -> list[str]:
    """fnmatch patterns: ``*`` stays a wildcard, ``[`` is a bracket (findings have them)."""
    return [line.replace("[", "[[]") for line in lines]


TOKENS = """
import pytest
import guarded
from sdk.testing import TokenFactory

@pytest.fixture
def tokens():
    return TokenFactory(secret=guarded.KEY)
"""


def test_protected_apps_pass(suite: pytest.Pytester) -> None:
    suite.makeconftest('pytest_plugins = ["sdk.testing"]\n' + TOKENS)
    suite.makepyfile(
        test_protected="""
        import guarded
        import sdk.testing

        ADMIN = {("POST", "/refunds"): ["admin"]}

        def test_fastapi(tokens):
            app = guarded.make_fastapi()
            sdk.testing.assert_auth(app, tokens, public={("GET", "/health")}, roles=ADMIN)

        def test_starlette(tokens):
            app = guarded.make_starlette()
            roles = {**ADMIN, ("DELETE", "/refunds"): "admin"}
            sdk.testing.assert_auth(app, tokens, public={("GET", "/health")}, roles=roles)

        def test_flask(tokens, hop_records):
            app = guarded.make_flask()
            findings = sdk.testing.check_auth(
                app, tokens, public={("GET", "/health")}, roles=ADMIN
            )
            assert findings == []
            # the requests were real ones, through the instrumented app: one hop each
            statuses = {h["http.response.status_code"] for h in hop_records.hops(kind="server")}
            assert statuses == {200, 201, 401, 403, 404}   # 404: the static route's sample
            routes = {h["http.route"] for h in hop_records.hops(kind="server")}
            assert "/books/{book_id}" in routes
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_findings_name_method_route_case_and_status(suite: pytest.Pytester) -> None:
    suite.makeconftest('pytest_plugins = ["sdk.testing"]\n' + TOKENS)
    suite.makepyfile(
        test_findings="""
        import guarded
        import sdk.testing

        def test_forgotten_role_and_check(tokens):
            app = guarded.make_fastapi(forget="/refunds")
            findings = sdk.testing.check_auth(app, tokens, public={("GET", "/health")},
                                              roles={("POST", "/refunds"): ["admin"]})
            cases = [(f.method, f.route, f.case, f.status) for f in findings]
            assert cases == [
                ("POST", "/refunds", case, 201)
                for case in ("no-authorization", "token-scheme", "bearer-alone", "basic",
                             "expired", "wrong-signature", "missing-role")
            ]

        def test_a_public_route_must_only_not_fail(tokens):
            app = guarded.make_starlette()
            public = {("GET", "/health"), ("GET", "/api/items/{item_id}")}
            roles = {("POST", "/refunds"): ["admin"], ("DELETE", "/refunds"): ["admin"]}
            assert sdk.testing.check_auth(app, tokens, public=public, roles=roles) == []

        def test_untrusted_tokens_are_reported(tokens):
            other = sdk.testing.TokenFactory()          # a key the app does not know
            app = guarded.make_flask()
            findings = sdk.testing.check_auth(app, other, public={("GET", "/health")})
            assert {(f.route, f.case, f.status) for f in findings} == {
                ("/books/{book_id}", "valid-token", 401),
                ("/refunds", "valid-token", 401),
            }
            assert "the app does not trust these tokens" in str(findings[0])

        def test_path_params_fill_the_path(tokens, hop_records):
            app = guarded.make_fastapi()
            sdk.testing.check_auth(app, tokens, public={("GET", "/health")},
                                   roles={("POST", "/refunds"): "admin"},
                                   path_params={"order_id": 42})
            paths = {h["url.path"] for h in hop_records.hops(kind="server")}
            assert "/orders/42" in paths
            assert "/docs" in paths       # FastAPI's own documentation counts as public
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_an_unprotected_route_fails_listing_the_findings(suite: pytest.Pytester) -> None:
    suite.makeconftest('pytest_plugins = ["sdk.testing"]\n' + TOKENS)
    suite.makepyfile(
        test_unprotected="""
        import guarded
        import sdk.testing

        def test_every_endpoint_is_protected(tokens):
            app = guarded.make_fastapi(forget="/orders/{order_id}")
            sdk.testing.assert_auth(app, tokens, public={("GET", "/health")},
                                    roles={("POST", "/refunds"): ["admin"]})
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        literally(
            "*AssertionError: assert_auth: 6 finding(s):",
            "*  GET /orders/{order_id} [no-authorization: no Authorization header] answered 200,"
            " expected 401 or 403",
            "*  GET /orders/{order_id} [token-scheme: Authorization: Token <valid token>]*",
            "*  GET /orders/{order_id} [bearer-alone: *",
            "*  GET /orders/{order_id} [basic: *",
            "*  GET /orders/{order_id} [expired: an expired token] answered 200*",
            "*  GET /orders/{order_id} [wrong-signature: a token signed with another key]*",
        )
    )
    assert "eyJ" not in result.stdout.str()  # no token text in the report


def test_each_route_and_case_is_a_test_of_its_own(suite: pytest.Pytester) -> None:
    suite.makeconftest('pytest_plugins = ["sdk.testing"]\n' + TOKENS)
    suite.makepyfile(
        test_cases="""
        import pytest
        import guarded
        import sdk.testing

        app = guarded.make_flask(forget="/refunds")

        @pytest.mark.parametrize("case", sdk.testing.auth_cases(
            app, public={("GET", "/health")}, roles={("POST", "/refunds"): ["admin"]}
        ))
        def test_auth(case, tokens):
            case.check(tokens)
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider", "-v")
    # 4 routes (static included) x 7 cases, and 1 more (missing-role) for /refunds
    result.assert_outcomes(passed=22, failed=7)
    result.stdout.fnmatch_lines(
        literally(
            "*test_auth?GET /health no-authorization? PASSED*",
            "*test_auth?GET /books/{book_id} wrong-signature? PASSED*",
            "*test_auth?POST /refunds missing-role? FAILED*",
            "*AssertionError: assert_auth: POST /refunds [missing-role: a valid token without "
            "the route's role] answered 201, expected 401 or 403",
        )
    )


def test_routes_the_app_lacks_are_refused(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_unknown="""
        import pytest
        import guarded
        import sdk.testing

        def test_unknown(tokens):
            app = guarded.make_flask()
            with pytest.raises(ValueError) as info:
                sdk.testing.check_auth(app, tokens, public={("GET", "/healthz")})
            assert str(info.value).splitlines() == [
                "check_auth: the app has no route GET /healthz; its routes:",
                "  GET /static/{filename}",
                "  GET /health",
                "  GET /books/{book_id}",
                "  POST /refunds",
            ]
            # a route may be written as its framework writes it
            sdk.testing.check_auth(app, tokens, public={("get", "/books/<uuid:book_id>")})
            with pytest.raises(ValueError, match="both as public and in roles"):
                sdk.testing.check_auth(app, tokens, public={("GET", "/health")},
                                       roles={("GET", "/health"): ["x"]})
            with pytest.raises(TypeError, match="neither a Starlette/FastAPI app nor a Flask"):
                sdk.testing.check_auth(object(), tokens)
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
