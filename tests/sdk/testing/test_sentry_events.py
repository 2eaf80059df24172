"""``sentry_events``: the events the real sentry-sdk makes, started as ``sdk.configure`` starts
it, kept in process; a secret in any event fails the test without being shown."""

from __future__ import annotations

import pytest

from sdk.log import Redactor
from sdk.testing import SentryEvent, SentryEvents

pytest_plugins = ("pytester",)


def test_an_error_reaches_sentry_tagged_with_its_trace(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_errors="""
        import pytest
        import sentry_sdk
        from fastapi.testclient import TestClient
        from apps import greeter, shelf, shop

        def test_fastapi(sentry_events, hop_records):
            r = TestClient(shop, raise_server_exceptions=False).get("/debug/fail")
            assert r.status_code == 500
            [event] = sentry_events
            [hop] = hop_records.hops(kind="server")
            assert event.trace_id == hop["trace.id"]
            assert event.exception_type == "RuntimeError"
            assert event.message == "this endpoint always fails"
            assert event.event["release"] == "1.0.0"          # as sdk.configure set it up
            assert event.event["tags"]["service.name"] == "shop"
            assert "trace.id=" in repr(event)

        def test_starlette(sentry_events, hop_records):
            r = TestClient(greeter, raise_server_exceptions=False).get("/debug/fail")
            assert r.status_code == 500
            [event] = sentry_events
            assert event.exception_type == "LookupError"
            assert event.trace_id == hop_records.hops(kind="server")[0]["trace.id"]

        def test_flask(sentry_events, hop_records):
            r = shelf.test_client().get("/debug/fail", buffered=True)
            assert r.status_code == 500            # Flask answered the exception itself
            [event] = sentry_events
            assert event.exception_type == "KeyError"
            assert event.trace_id == hop_records.hops(kind="server")[0]["trace.id"]

        def test_flask_propagating_reports_once(sentry_events, monkeypatch):
            monkeypatch.setitem(shelf.config, "PROPAGATE_EXCEPTIONS", True)
            with pytest.raises(KeyError):
                shelf.test_client().get("/debug/fail", buffered=True)
            [event] = sentry_events
            assert event.exception_type == "KeyError"

        def test_nothing_is_reported_after_the_test():
            assert not sentry_sdk.get_client().is_active()
        """
    )
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=5)


def test_a_secret_in_an_event_fails_the_test_without_showing_it(suite: pytest.Pytester) -> None:
    suite.makepyfile(
        test_leak="""
        import sentry_sdk

        def test_leaks_the_signing_key(sentry_events, tokens):
            sentry_sdk.capture_message(f"signing with {tokens.secret}")
            assert len(sentry_events) == 1
        """
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*sentry_events: 1 secret(s) in the events:",
            "*  event 1: *message*: a secret of this test",
        ]
    )


def test_the_check_finds_patterns_keys_and_pairs() -> None:
    events = SentryEvents(Redactor())
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJlLXRleHQ"
    events.append(SentryEvent({"message": "ok", "tags": {"trace.id": "abc"}}))
    events.append(
        SentryEvent(
            {
                "extra": {"note": f"got {jwt}", "api_key": "k-123", "password": "[REDACTED]"},
                "request": {"headers": [["Authorization", "Basic dXNlcjpwYXNz"]]},
                "breadcrumbs": {"values": [{"message": "held s3cr3t-value"}]},
            }
        )
    )
    events.secrets.add("s3cr3t-value")
    problems = events.problems()
    assert problems is not None
    assert problems.splitlines() == [
        "sentry_events: 4 secret(s) in the events:",
        "  event 2: extra.note: a credential pattern (bearer token, JWT, key=value)",
        "  event 2: extra.api_key: a secret key's value, not redacted",
        "  event 2: request.headers[0]: a secret header's value, not redacted",
        "  event 2: breadcrumbs.values[0].message: a secret of this test",
    ]
    for secret in (jwt, "k-123", "dXNlcjpwYXNz", "s3cr3t-value"):
        assert secret not in problems
    assert events[0].trace_id == "abc"
    assert events[0].exception_type is None
    assert SentryEvents(Redactor()).problems() is None
