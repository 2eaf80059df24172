"""The pytest side of the kit: its fixtures, and the checks that fail a test after it ran
(an invalid line written, a call no fake answered, a secret in a Sentry event)."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, Protocol

import pytest

from sdk.testing._fakes import FakeServices
from sdk.testing._records import HopRecords, capturing
from sdk.testing._sentry import SentryEvents, capturing_sentry
from sdk.testing._tokens import TokenFactory


class _Checked(Protocol):
    def problems(self) -> str | None: ...


#: fixtures whose ``problems()`` are asked after the test function returned
_CHECKED = ("hop_records", "fake_services", "sentry_events")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield  # a test that failed already is reported as it failed
    values: dict[str, Any] = getattr(item, "funcargs", {})
    if isinstance(events := values.get("sentry_events"), SentryEvents):
        events.secrets |= _secrets_held(values)
    found = [p for name in _CHECKED if name in values if (p := _problems(values[name]))]
    if found:
        pytest.fail("\n".join(found), pytrace=False)
    return result


def _problems(kit: _Checked) -> str | None:
    return kit.problems()


def _secrets_held(values: dict[str, Any]) -> set[str]:
    """The secrets the test's own fixtures hold: the token key, the fake SSO client secret."""
    held = set()
    if isinstance(tokens := values.get("tokens"), TokenFactory):
        held.add(tokens.secret)
    if isinstance(fakes := values.get("fake_services"), FakeServices):
        held.add(fakes.sso.client_secret)
    return held


@pytest.fixture
def hop_records() -> Iterator[HopRecords]:
    """Every line the SDK writes in this process during the test, instead of on stdout."""
    with capturing(HopRecords()) as records:
        yield records


@pytest.fixture
def tokens() -> TokenFactory:
    """A :class:`TokenFactory` (HS256, a new secret per test); override this fixture in a
    conftest for another algorithm, issuer, audience or default claims."""
    return TokenFactory()


@pytest.fixture
def fake_services(monkeypatch: pytest.MonkeyPatch, tokens: TokenFactory) -> Iterator[FakeServices]:
    """Neighbouring services and the SSO, answered in process by service name."""
    fakes = FakeServices(monkeypatch, tokens)
    fakes.start()
    try:
        yield fakes
    finally:
        fakes.stop()


@pytest.fixture
def sentry_events() -> Iterator[SentryEvents]:
    """The Sentry events of this test: sentry-sdk started as ``sdk.configure`` starts it,
    each event kept in process instead of sent; a secret in any of them fails the test."""
    with capturing_sentry() as events:
        yield events
