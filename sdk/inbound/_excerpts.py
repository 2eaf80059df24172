"""Body excerpts for hop records: the first bytes of a JSON, form or text body, redacted.

Only bodies whose content type says they are text are kept; others (binary, multipart)
are counted but not quoted. Redaction comes before the cut: up to :data:`PARSE_FACTOR` times
the limit is kept and parsed, so a secret's key is read as JSON reads it (an escaped
``"pass\u0077ord"`` too) and only then is the redacted text cut to the limit. A body longer
than that cannot be parsed, so its secret values are found by pattern instead.
"""

from __future__ import annotations

import re
from typing import Final

import orjson

from sdk.log._redaction import REDACTED, Redactor
from sdk.log._truncation import MARKER

#: a "key": value pair of (possibly cut) JSON text; the value may be a string or a scalar.
_JSON_PAIR: Final = re.compile(r'"((?:[^"\\]|\\.){1,200})"(\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}\]\s]+)')
_FORM: Final = "application/x-www-form-urlencoded"
#: how many times the excerpt's limit is kept for redaction before the cut
PARSE_FACTOR: Final = 16


def kind_of(content_type: str | None) -> str | None:
    """``json``, ``form`` or ``text`` for bodies worth quoting, None for the rest."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media == _FORM:
        return "form"
    if media.startswith("text/") or media in {"application/xml", "application/problem+xml"}:
        return "text"
    return None


class BodyExcerpt:
    """Collects a body that arrives in chunks (at most ``PARSE_FACTOR * limit`` bytes of it)
    and counts it all; its excerpt is at most ``limit`` long."""

    __slots__ = ("_chunks", "_kept", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._kept = 0
        self._chunks: list[bytes] = []

    def add(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        room = self.limit * PARSE_FACTOR - self._kept
        if room > 0:
            piece = data[:room]
            self._chunks.append(piece)
            self._kept += len(piece)

    @property
    def complete(self) -> bool:
        return self.size == self._kept

    def data(self) -> bytes:
        return self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)

    def text(self, kind: str | None, redactor: Redactor) -> str | None:
        """The redacted excerpt, with a marker saying how much was cut; None if not quotable."""
        if kind is None or not self.size:
            return None
        text = excerpt(self.data(), kind, redactor, self.complete)
        if self.size > self.limit:
            # marker included, the excerpt stays within the limit, so it is not cut again
            marker = MARKER.format(self.size - self.limit).replace("chars", "bytes")
            text = text[: max(self.limit - len(marker), 0)] + marker
        return text


def excerpt(data: bytes, kind: str, redactor: Redactor, complete: bool = True) -> str:
    """Redacted text of a body (or of its first part, when ``complete`` is false)."""
    if kind == "json":
        if complete:
            try:
                parsed = orjson.loads(data)
            except orjson.JSONDecodeError:
                pass
            else:
                return orjson.dumps(redactor.value(parsed)).decode()
        return _redact_json_text(data.decode("utf-8", "backslashreplace"), redactor)
    text = data.decode("utf-8", "backslashreplace")
    if kind == "form":  # the same encoding as a query string
        return redactor.text(redactor.query(text))
    return redactor.text(text)


def _redact_json_text(text: str, redactor: Redactor) -> str:
    def pair(match: re.Match[str]) -> str:
        if redactor.is_secret_key(_json_key(match.group(1))):
            return f'"{match.group(1)}"{match.group(2)}"{REDACTED}"'
        return match.group(0)

    return redactor.text(_JSON_PAIR.sub(pair, text))


def _json_key(quoted: str) -> str:
    """A key as JSON reads it: ``pass\\u0077ord`` is ``password``."""
    if "\\" not in quoted:
        return quoted
    try:
        key = orjson.loads(f'"{quoted}"')
    except orjson.JSONDecodeError:
        return quoted
    return key if isinstance(key, str) else quoted
