"""Secrets never reach a log line: keys that name secrets, URL userinfo, signed-URL query
values and bearer tokens in free text are replaced before anything is rendered.

A secret's name is not always its key: ASGI keeps headers as ``(name, value)`` pairs
(``[(b'cookie', b'...')]``), so the value of a pair whose first element is a secret header
name is replaced too, whether the pair is a tuple, a list or its printed text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlencode

REDACTED: Final = "[REDACTED]"

#: key patterns redacted by default, matched anywhere in the key, case-insensitively.
DEFAULT_KEYS: Final = (
    "authorization",
    "cookie",  # also set-cookie
    "password",
    "passwd",
    "secret",  # also client_secret
    "token",  # also access_token, refresh_token, x-auth-token
    "api_key",
    "api-key",
    "apikey",
    "credential",
    "session",
    "signature",
    "private_key",
)
#: query parameters of signed URLs (S3, GCS, Azure SAS) besides the key patterns above.
SIGNED_URL_PARAMS: Final = frozenset(
    {
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
        "sig",
        "se",
        "sp",
        "sv",
        "key",
        "code",
    }
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*")
_MAX_DEPTH: Final = 32
#: a URL's "scheme://" (or a bare "//") and its authority, up to the path, query or fragment
_AUTHORITY = re.compile(r"((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)([^/?#]*)")


class Redactor:
    """Replaces secret values; one instance per configuration, its key lookups cached."""

    def __init__(self, extra_keys: Iterable[str] = ()) -> None:
        patterns = [*DEFAULT_KEYS, *(k.lower() for k in extra_keys)]
        self._key_pattern = re.compile("|".join(re.escape(p) for p in patterns), re.IGNORECASE)
        self.is_secret_key = lru_cache(maxsize=4096)(self._is_secret_key)

    def _is_secret_key(self, key: str | bytes) -> bool:
        key = _text_of(key)  # bytes keys (ASGI's) decoded once each, in the cache
        return self._key_pattern.search(key.replace("-", "_")) is not None or (
            self._key_pattern.search(key) is not None
        )

    def text(self, value: str) -> str:
        """Scrub credentials inside free text: URL userinfo, secret ``key=value`` pairs (query
        strings, form bodies, access-log request lines), bearer tokens, JWTs."""
        if len(value) < 6:  # shorter than any credential pattern below can match ("a://p@")
            return value
        if "://" in value and ("@" in value or "?" in value):
            value = _URL_IN_TEXT.sub(lambda m: self.url(m.group(0)), value)
        if "=" in value:  # key=value pairs: query strings without a scheme, form bodies
            value = _KEY_VALUE.sub(self._key_value, value)
        if "'" in value or '"' in value:  # one test for both quoted forms: most text has none
            if ":" in value:  # 'key': 'value' in reprs, JSON
                value = _QUOTED_PAIR.sub(self._quoted_pair, value)
            if "'," in value or '",' in value:  # (b'name', b'value') in reprs, ["name", ...]
                value = _QUOTED_ITEMS.sub(self._quoted_items, value)
        # Plain substring tests first: most text has none, and they cost far less than a regex.
        if (
            "earer" in value
            or "asic " in value
            or "eyJ" in value
            or "EARER" in value
            or "ASIC " in value
        ):
            value = _JWT.sub(REDACTED, _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", value))
        return value

    def _key_value(self, match: re.Match[str]) -> str:
        lead, key, single, double, bare = match.groups()
        secret = single if single is not None else double if double is not None else bare
        if not secret or secret == REDACTED:
            return match.group(0)
        name = unquote(key)
        # Signed-URL names (sig, key, code...) only count inside a query string: in prose,
        # "status code=500" is no secret.
        in_query = lead in ("?", "&", ";")
        if not (self._secret_param(name) if in_query else self.is_secret_key(name)):
            return match.group(0)
        quote = "'" if single is not None else '"' if double is not None else ""
        return f"{lead}{key}={quote}{REDACTED}{quote}"

    def _quoted_pair(self, match: re.Match[str]) -> str:
        key_quote, key, colon, quote, quoted, bare = match.groups()
        secret = quoted if quote else bare
        if not secret or secret == REDACTED or not self.is_secret_key(key):
            return match.group(0)
        quote = quote or ""
        return f"{key_quote}{key}{key_quote}{colon}{quote}{REDACTED}{quote}"

    def _quoted_items(self, match: re.Match[str]) -> str:
        lead, name_quote, name, comma, quote, secret = match.groups()
        if secret == REDACTED or not self.is_secret_key(name):
            return match.group(0)
        return f"{lead}{name_quote}{name}{name_quote}{comma}{quote}{REDACTED}{quote}"

    def is_secret_pair(self, items: Sequence[Any]) -> bool:
        """Whether *items* is a ``(name, value)`` pair whose name is a secret header name:
        str, bytes, or bytes as sentry-sdk prints them (``"b'cookie'"``)."""
        if len(items) != 2:
            return False
        name = header_name(items[0])
        return name is not None and self.is_secret_key(name)

    def url(self, url: str) -> str:
        """Drop the password of URL userinfo and the values of secret query parameters.

        Read as text rather than parsed, so any URL gives an answer and an answer redacts to
        itself: ``urlsplit`` refuses ``user:[REDACTED]@host`` (brackets are for IPv6 hosts)."""
        rest, hash_mark, fragment = url.partition("#")
        rest, query_mark, query = rest.partition("?")
        rest = _hide_userinfo(rest, REDACTED, lone=REDACTED)  # a lone user may be a token
        if query:
            query = self.query(query)
        return rest + query_mark + query + hash_mark + fragment

    def query(self, query: str) -> str:
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(self._secret_param(k) for k, _ in pairs):
            return query
        cleaned = [(k, REDACTED if self._secret_param(k) else v) for k, v in pairs]
        return urlencode(cleaned, safe="[]")

    def _secret_param(self, name: str) -> bool:
        return name.lower() in SIGNED_URL_PARAMS or self.is_secret_key(name)

    def value(self, value: Any, depth: int = 0) -> Any:
        """Redact at any depth of mappings and sequences; other objects pass unchanged."""
        if isinstance(value, str):
            return self.text(value)
        if depth > _MAX_DEPTH:
            return "[too deep]"
        if isinstance(value, Mapping):
            return {
                k: (
                    REDACTED
                    if isinstance(k, str | bytes) and self.is_secret_key(k)
                    else self.value(v, depth + 1)
                )
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            if self.is_secret_pair(value):
                return [value[0], REDACTED]
            return [self.value(v, depth + 1) for v in value]
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Header pairs as a dict of lower-case names, secrets replaced."""
        return {
            name.lower(): REDACTED if self.is_secret_key(name) else self.text(value)
            for name, value in headers
        }


#: ``key=value`` after a start, ``?``, ``&``, ``;``, a space, a comma, a parenthesis or a
#: quote (a query string in a repr: ``b'password=...'``)
_KEY_VALUE = re.compile(
    r"(^|[?&;\s,('\"])([A-Za-z0-9_.%\[\]-]+)="
    r"(?:'([^']{0,2000})'|\"([^\"]{0,2000})\"|([^&;#\s\"'<>,)]*))"
)
#: ``'key': 'value'`` or ``"key": "value"``: Python reprs and JSON text of objects.
#: Quoted values are bounded so that text full of unclosed quotes stays linear to scan.
_QUOTED_PAIR = re.compile(
    r"([\"'])([A-Za-z0-9_. -]{1,64})\1(\s*:\s*)"
    r"(?:([\"'])(.{0,2000}?)(?<!\\)\4|([^,{}\[\]\s()\"']+))"
)
#: the longest header name the rules below take
_MAX_NAME: Final = 64
#: an HTTP header name: an RFC 9110 token
_TOKEN: Final = rf"[!#$%&*+.^_`|~0-9A-Za-z-]{{1,{_MAX_NAME}}}"
#: ``(b'name', b'value')``, ``('name', 'value')`` or ``["name", "value"]``: a header pair in
#: a repr or JSON text; a value cut off by truncation (never closed) counts to the end.
_QUOTED_ITEMS = re.compile(
    rf"([(\[]\s*b?)([\"'])({_TOKEN})\2(\s*,\s*b?)([\"'])"
    r"((?:\\.|(?!\5).){0,2000})(?:\5(?=\s*[)\]])|\Z)"
)
#: an HTTP header name (an RFC 9110 token), or bytes of one as Python prints them
_HEADER_NAME = re.compile(rf"(?:b(['\"]))?({_TOKEN})(?(1)\1)")
#: the longest text :data:`_HEADER_NAME` matches: the longest name printed as bytes
_MAX_NAME_TEXT: Final = len("b''") + _MAX_NAME
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+")


def without_password(url: str) -> str:
    """A URL of a store or sink with its password shown as ``***``: for messages, the
    terminal and summaries, where the user should still recognise their own URL (its host
    as written, an IPv6 one in its brackets; a bad port, the reason for a message, kept)."""
    return _hide_userinfo(url, "***")


def _hide_userinfo(url: str, password: str, lone: str | None = None) -> str:
    """*url* with the password of its userinfo replaced by *password*, and a userinfo of a
    user alone by *lone* when given. Read as text: it never refuses a URL."""
    authority = _AUTHORITY.match(url)
    if authority is None or "@" not in authority.group(2):
        return url
    userinfo, _, host = authority.group(2).rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if colon:
        hidden = f"{user}:{password}"
    elif lone is not None:
        hidden = lone
    else:
        return url
    return f"{authority.group(1)}{hidden}@{host}{url[authority.end() :]}"


def header_name(item: object) -> str | None:
    """The name *item* gives if it can be an HTTP header name (str or bytes, or bytes as
    Python prints them: ``"b'cookie'"``); None for anything else."""
    if not isinstance(item, str | bytes) or len(item) > _MAX_NAME_TEXT:
        return None
    return _header_name(item)


@lru_cache(maxsize=4096)
def _header_name(item: str | bytes) -> str | None:
    # remembered: every two-item list or tuple a redactor walks asks about its first item,
    # and a short text (the length test above) is all that reaches the cache
    match = _HEADER_NAME.fullmatch(_text_of(item))
    return match.group(2) if match else None


def _text_of(item: str | bytes) -> str:
    # latin-1 decodes any bytes, as HTTP header bytes are read
    return item if isinstance(item, str) else item.decode("latin-1")
