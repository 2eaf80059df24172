"""Reading an ``application/x-www-form-urlencoded`` body (OAuth2 token requests) and HTTP
Basic client credentials, with the standard library only."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, unquote_plus


def parse_form(body: bytes) -> dict[str, str]:
    """First value of each field; a body that is not valid UTF-8 gives an empty form."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` of an ``Authorization: Basic`` header (RFC 6749 2.3.1)."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(secret)
