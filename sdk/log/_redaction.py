"""Secrets never reach a log line: keys that name secrets (in any spelling: ``privateKey``,
``PRIVATE-KEY``, ``private_key``), URL userinfo, signed-URL query values, JWT-shaped values
anywhere, and bearer tokens and ``name: value`` pairs in free text are replaced before
anything is rendered.

A secret's name is not always its key: ASGI keeps headers as ``(name, value)`` pairs
(``[(b'cookie', b'...')]``), so the value of a pair whose first element is a secret header
name is replaced too, whether the pair is a tuple, a list or its printed text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final
from urllib.parse import unquote, unquote_plus

REDACTED: Final = "[REDACTED]"
#: what stands for a secret in a URL shown to people (see :func:`hide_url`)
HIDDEN: Final = "***"

#: key patterns redacted by default. Keys and patterns are compared in one spelling (lower
#: case, camelCase and ``-``/``.``/space separators folded: ``privateKey``, ``PRIVATE-KEY``
#: and ``private_key`` are one key). A pattern of up to four letters matches a whole word of
#: the key (``auth``: ``auth``, ``x_auth``, ``authToken``, not ``author``); a longer one
#: matches anywhere in it (``token``: ``access_token``, ``refreshToken``).
DEFAULT_KEYS: Final = (
    "authorization",
    "cookie",  # also set-cookie
    "password",
    "passwd",
    "pwd",
    "secret",  # also client_secret
    "token",  # also access_token, refresh_token, x-auth-token
    "id_token",
    "session_token",
    "jwt",
    "auth",
    "otp",
    "api_key",  # also apikey, api-key, apiKey
    "access_key",
    "private_key",
    "credential",
    "session",
    "signature",
)
#: patterns of at most this many letters match whole words of a key only
_WORD_PATTERN_MAX: Final = 4
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
#: a JWT (JWS or JWE): base64url parts, the first of a JSON object (``{"`` is ``eyJ``)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_.-]*")
_QUERY_SEPARATOR = re.compile(r"([&;])")


def _is_jwt(value: str) -> bool:
    return "eyJ" in value and _JWT.search(value) is not None


_MAX_DEPTH: Final = 32
#: a URL's "scheme://" (or a bare "//") and its authority, up to the path, query or fragment
_AUTHORITY = re.compile(r"((?:[A-Za-z][A-Za-z0-9+.-]*:)?//)([^/?#]*)")
#: where camelCase words meet: ``privateKey``, ``APIKey`` (before the ``K``)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def key_words(key: str) -> str:
    """*key* in the one spelling keys are compared in: its words lower-cased and joined by
    ``_`` (``privateKey``, ``PRIVATE-KEY``, ``private.key`` -> ``private_key``)."""
    return _NOT_ALNUM.sub("_", _CAMEL.sub("_", key).lower()).strip("_")


class Redactor:
    """Replaces secret values; one instance per configuration, its key lookups cached."""

    def __init__(self, extra_keys: Iterable[str] = ()) -> None:
        anywhere: list[str] = []
        words: list[str] = []
        for pattern in (*DEFAULT_KEYS, *extra_keys):
            spelled = key_words(pattern)
            if not spelled:
                raise ValueError(f"redaction key pattern {pattern!r} has no letter or digit")
            compact = spelled.replace("_", "")
            if len(compact) <= _WORD_PATTERN_MAX:
                words.append(spelled)
            else:
                anywhere.append(compact)
        self._anywhere = re.compile("|".join(re.escape(p) for p in anywhere))
        self._words = (
            re.compile(rf"(?:^|_)(?:{'|'.join(re.escape(p) for p in words)})(?:_|$)")
            if words
            else None
        )
        self.is_secret_key = lru_cache(maxsize=4096)(self._is_secret_key)

    def _is_secret_key(self, key: str | bytes) -> bool:
        spelled = key_words(_text_of(key))  # bytes keys (ASGI's) decoded once each, in the cache
        if self._anywhere.search(spelled.replace("_", "")) is not None:
            return True
        return self._words is not None and self._words.search(spelled) is not None

    def text(self, value: str) -> str:
        """Scrub credentials inside free text: URL userinfo, secret ``key=value`` pairs (query
        strings, form bodies, access-log request lines), bearer tokens, JWTs."""
        if len(value) < 6:  # shorter than any credential pattern below can match ("a://p@")
            return value
        if "://" in value and ("@" in value or "?" in value):
            value = _URL_IN_TEXT.sub(lambda m: self.url(m.group(0)), value)
        if "=" in value:  # key=value pairs: query strings without a scheme, form bodies
            value = _KEY_VALUE.sub(self._key_value, value)
        if ":" in value or " =" in value or "= " in value:  # "token: x", "password = x"
            if "ookie" in value or "OOKIE" in value:
                value = _COOKIE.sub(self._cookie, value)
            value = self._named(value)
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

    def _named(self, text: str) -> str:
        """``name: value`` and ``name = value`` with a secret name, value replaced.

        Found from each separator, the name read before it, rather than by one pattern over
        the whole text: a pattern that starts with a name is tried at every letter, and most
        text with a colon in it names no secret."""
        pieces: list[str] = []
        done = 0  # text before this index is in pieces
        at = -1
        while True:
            colon, equals = text.find(":", at + 1), text.find("=", at + 1)
            at = equals if colon < 0 or 0 <= equals < colon else colon
            if at < 0:
                break
            if at < done:
                continue
            end = at
            while end and text[end - 1] == " ":
                end -= 1
            # the word before the separator: a name's last characters end it
            word = _NAME_END.search(text, max(text.rfind(" ", 0, end) + 1, end - 64), end)
            if word is None:
                continue
            name = word.group(0)
            start = word.start()
            if start and _is_name_char(text[start - 1]):
                continue
            if not self.is_secret_key(name):
                continue
            value = _VALUE.match(text, at + 1)
            if value is None:
                continue
            secret = value.group(1)
            if secret.startswith(REDACTED) or secret[1:-1] == REDACTED:
                continue
            quote = secret[0] if secret[0] in "'\"" else ""
            pieces += (text[done : value.start(1)], quote, REDACTED, quote)
            done = value.end(1)
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)

    @staticmethod
    def _cookie(match: re.Match[str]) -> str:
        # every cookie of the header is a secret, up to the end of its line
        if match.group(3).startswith(REDACTED):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{REDACTED}"

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

    def url(self, url: str, hidden: str = REDACTED) -> str:
        """Drop the password of URL userinfo, the values of secret query parameters (and of
        such parameters in the fragment, where OAuth's implicit flow puts its tokens), and
        JWT-shaped values anywhere; *hidden* stands in their place.

        Read as text rather than parsed, so any URL gives an answer and an answer redacts to
        itself: ``urlsplit`` refuses ``user:[REDACTED]@host`` (brackets are for IPv6 hosts)."""
        rest, hash_mark, fragment = url.partition("#")
        rest, query_mark, query = rest.partition("?")
        # a lone user may be a token (https://TOKEN@host)
        rest = self.path(_hide_userinfo(rest, hidden, lone=hidden), hidden)
        if query:
            query = self.query(query, hidden)
        if "=" in fragment:
            fragment = self.query(fragment, hidden)
        elif "eyJ" in fragment:
            fragment = _JWT.sub(hidden, fragment)
        return rest + query_mark + query + hash_mark + fragment

    @staticmethod
    def path(path: str, hidden: str = REDACTED) -> str:
        """*path* with JWT-shaped segments replaced (``/reset/<jwt>``)."""
        if "eyJ" not in path:  # a substring test first: most paths hold no JWT
            return path
        return _JWT.sub(hidden, path)

    def query(self, query: str, hidden: str = REDACTED) -> str:
        """A query string (or form body) with the values of secret parameters and JWT-shaped
        values replaced; pairs split at ``&`` and at ``;``, everything else kept as written."""
        parts = _QUERY_SEPARATOR.split(query)
        changed = False
        # the pairs stand at even indexes, the separators between them at odd ones
        for index in range(0, len(parts), 2):
            name, equals, value = parts[index].partition("=")
            if not equals or value == hidden:
                continue
            if self._secret_param(unquote_plus(name)) or _is_jwt(unquote_plus(value)):
                parts[index] = f"{name}={hidden}"
                changed = True
        if not changed:
            return query
        return "".join(parts)

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
#: ``name: value``, ``name = value`` in free text (headers as printed, settings, prose):
#: the name ends at the separator, the value is a quoted string or one word
#: after an optional authorization scheme (``Authorization: Token x``)
_NAME_END = re.compile(r"[A-Za-z][\w.-]{0,63}\Z")
_VALUE = re.compile(
    r"\s*(\"[^\"\n]{0,2000}\"|'[^'\n]{0,2000}'|"
    r"(?:(?i:bearer|basic|token|digest|negotiate|ntlm|apikey|jwt|dpop|hoba|mac)\s+)?"
    r"[^\s,;'\"]+)"
)


def _is_name_char(char: str) -> bool:
    return char.isalnum() or char in "_.-"


#: a ``Cookie:`` or ``Set-Cookie:`` header as printed: every cookie in it, to the line's end
_COOKIE = re.compile(r"(?i)(?<![\w-])((?:set-)?cookie)(\s*[:=]\s*)([^\r\n]{1,4000})")
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


def hide_url(url: object) -> str:
    """A URL as people are shown it (error messages, the terminal, the dashboard, reprs):
    its password, a user given alone (often a token: ``https://TOKEN@host``), the values of
    secret query parameters and JWT-shaped values shown as ``***``. The rest stays as
    written, so the user still recognises their own URL (its host's case, an IPv6 host's
    brackets, a bad port that is the reason for the message). The one function for every
    URL shown; lines get the same treatment from :meth:`Redactor.url`."""
    return _defaults().url(str(url), HIDDEN)


@lru_cache(maxsize=1)
def _defaults() -> Redactor:
    return Redactor()


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
