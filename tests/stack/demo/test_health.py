"""Every demo service passes the kit's health check: 200, one server hop, no error line."""

from __future__ import annotations

import pytest

import sdk.testing
from stack.demo import APPS

from .conftest import demo_app


@pytest.mark.parametrize("service", sorted(APPS))
def test_health(service: str) -> None:
    hop = sdk.testing.check_health(demo_app(service))
    assert hop["http.route"] == "/health"
    assert hop["http.response.status_code"] == 200
