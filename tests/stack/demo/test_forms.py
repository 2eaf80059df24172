"""OAuth2 token request bodies and Basic client credentials."""

from __future__ import annotations

import base64

from stack.demo.forms import basic_credentials, parse_form


def test_parse_form() -> None:
    form = parse_form(b"grant_type=client_credentials&client_id=pay%2Dgw&scope=")
    assert form == {"grant_type": "client_credentials", "client_id": "pay-gw", "scope": ""}
    assert parse_form(b"\xff\xfe") == {}


def test_basic_credentials() -> None:
    encoded = base64.b64encode(b"payment-gateway:s%3Acret").decode()
    assert basic_credentials(f"Basic {encoded}") == ("payment-gateway", "s:cret")
    assert basic_credentials("Bearer abc") is None
    assert basic_credentials("Basic !!!") is None
    assert basic_credentials(f"Basic {base64.b64encode(b'nocolon').decode()}") is None
    assert basic_credentials(None) is None
