"""``check_health`` and ``check_error_reporting``: the universal checks pass on a FastAPI, a
Starlette and a Flask app, and fail saying what is wrong."""

from __future__ import annotations

import pytest

pytest_plugins = ("pytester",)


def test_the_checks_pass_on_every_framework(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_checks="""
        import pytest
        import sdk.testing
        from apps import greeter, shelf, shop

        FRAMEWORKS = ["fastapi", "starlette", "flask"]

        @pytest.mark.parametrize("app", [shop, greeter, shelf], ids=FRAMEWORKS)
        def test_health(app, hop_records):
            hop = sdk.testing.check_health(app)
            assert hop["http.route"] == "/health"
            # the check's own capture leaves the test's records whole
            assert hop_records.hops(kind="server") == [hop]

        @pytest.mark.parametrize(
            ("app", "error"),
            [(shop, "RuntimeError"), (greeter, "LookupError"), (shelf, "KeyError")],
            ids=FRAMEWORKS,
        )
        def test_error_reporting(app, error, capfd):
            event = sdk.testing.check_error_reporting(app, "/debug/fail")
            assert event.exception_type == error
            assert capfd.readouterr().out == ""      # the records were captured, not printed
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=6)


def test_the_checks_fail_saying_why(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_failing="""
        import pytest
        import sdk
        import sdk.testing
        from fastapi import FastAPI
        from apps import shop

        sick = FastAPI()

        @sick.get("/health")
        def health():
            sdk.get_logger("sick").error("database unreachable")
            return {"status": "degraded"}

        sdk.instrument(sick)

        def test_health_logging_an_error():
            with pytest.raises(AssertionError) as info:
                sdk.testing.check_health(sick)
            assert str(info.value).splitlines() == [
                "check_health: GET /health:",
                "  wrote a line at level error: 'database unreachable'",
            ]

        def test_no_health_route():
            with pytest.raises(AssertionError, match="answered 404, expected 200"):
                sdk.testing.check_health(sick, "/healthz")

        def test_a_route_that_does_not_fail():
            with pytest.raises(AssertionError) as info:
                sdk.testing.check_error_reporting(shop, "/health")
            assert str(info.value).splitlines() == [
                "check_error_reporting: GET /health:",
                "  answered 200, expected 500",
                "  its server hop record has no error.type",
                "  made 0 Sentry event(s), expected exactly 1",
            ]
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)
