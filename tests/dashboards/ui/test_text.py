"""Record text made safe for markdown labels, plotly and Graphviz."""

from __future__ import annotations

from dashboards.ui.text import dot_string, md_escape, ms, plotly_text


def test_markdown_specials_are_escaped() -> None:
    escaped = md_escape("**bold** [x](http://e) <b> :red[y]\nnext")
    assert "\n" not in escaped
    for ch in "*[]()<>:":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch)


def test_plotly_text_escapes_tags() -> None:
    assert plotly_text("<img src=x onerror=alert(1)> & co") == (
        "&lt;img src=x onerror=alert(1)&gt; &amp; co"
    )


def test_dot_strings_are_quoted() -> None:
    assert dot_string('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c\\nd"'


def test_durations_read_well() -> None:
    assert [ms(0.4242), ms(12.34), ms(1250)] == ["0.42 ms", "12.3 ms", "1.25 s"]
    assert [ms(-80), ms(-2500)] == ["-80.0 ms", "-2.50 s"]
