"""``sdk.testing``: the pytest kit for services that use hopscope.

Load it in a service's ``conftest.py`` (it is not loaded by merely installing the SDK)::

    pytest_plugins = ["sdk.testing"]

Fixtures: ``hop_records`` (the records the SDK writes during the test, checked against the
schema, with the hop chain they make), ``fake_services`` (neighbouring services and the SSO
answered in process by service name), ``tokens`` (a :class:`TokenFactory` of JWTs),
``sentry_events`` (the Sentry events of the test, kept in process, checked for secrets).
Checks: :func:`check_auth` / :func:`assert_auth` (every route refuses bad credentials), and
:func:`auth_cases` to give each route and case a test of its own; :func:`check_health` and
:func:`check_error_reporting` (the health route, and the always-failing one reaching Sentry).
Needs the ``testing`` extra (``pip install hopscope[testing]``).
"""

from __future__ import annotations

from sdk.testing._auth import AuthCase, AuthFinding, assert_auth, auth_cases, check_auth
from sdk.testing._fakes import Call, FakeRoute, FakeService, FakeServices, FakeSSO
from sdk.testing._plugin import fake_services as fake_services
from sdk.testing._plugin import hop_records as hop_records
from sdk.testing._plugin import pytest_runtest_call as pytest_runtest_call
from sdk.testing._plugin import sentry_events as sentry_events
from sdk.testing._plugin import tokens as tokens
from sdk.testing._records import HopRecords, InvalidLine
from sdk.testing._sentry import SentryEvent, SentryEvents
from sdk.testing._tokens import TokenFactory
from sdk.testing._universal import check_error_reporting, check_health

__all__ = [
    "AuthCase",
    "AuthFinding",
    "Call",
    "FakeRoute",
    "FakeSSO",
    "FakeService",
    "FakeServices",
    "HopRecords",
    "InvalidLine",
    "SentryEvent",
    "SentryEvents",
    "TokenFactory",
    "assert_auth",
    "auth_cases",
    "check_auth",
    "check_error_reporting",
    "check_health",
    "fake_services",
    "hop_records",
    "pytest_runtest_call",
    "sentry_events",
    "tokens",
]
