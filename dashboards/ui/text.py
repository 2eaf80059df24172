"""Data from records as safe text for the places Streamlit or plotly would interpret it:
widget and expander labels (Streamlit markdown), chart labels and hover text (plotly's
HTML subset), Graphviz labels (DOT strings). Log content itself is shown with
``st.code``/``st.text``/``st.dataframe``, which render text literally."""

from __future__ import annotations

import html

#: ASCII punctuation Streamlit's markdown gives a meaning to (CommonMark lets any ASCII
#: punctuation be escaped with a backslash; ``:`` starts ``:red[...]`` and ``:emoji:``).
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~$:&=\"'")


def md_escape(text: str) -> str:
    """*text* shown literally where Streamlit renders markdown (labels, options)."""
    flat = " ".join(text.splitlines())
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in flat)


def plotly_text(text: str) -> str:
    """*text* shown literally in plotly labels and hover boxes (which read a few tags)."""
    return html.escape(text, quote=False)


def dot_string(text: str) -> str:
    """A double-quoted DOT string whose content is shown as is."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\r", " ").replace("\n", "\\n")
    return f'"{escaped}"'


def ms(value: float) -> str:
    """Milliseconds for people: ``0.42 ms``, ``12.3 ms``, ``1.25 s``."""
    if abs(value) >= 1000:
        return f"{value / 1000:.2f} s"
    if abs(value) >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def ns_ms(value: int) -> str:
    return ms(value / 1e6)


def shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
