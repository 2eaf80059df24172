"""Running the dashboard app under Streamlit's ``AppTest`` against a store, and reading
what it drew."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.store import STORE_ENV

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
#: Generous: the first run of a process imports Streamlit, plotly and the app.
TIMEOUT = 120


def run_app(monkeypatch: pytest.MonkeyPatch, store_url: str, **params: str) -> AppTest:
    """The app's first run with *params* as the URL's query string."""
    monkeypatch.setenv(STORE_ENV, store_url)
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.query_params.update(params)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def elements(app: AppTest) -> Iterator[Any]:
    """Every element drawn (main area and sidebar), depth first."""
    stack: list[Any] = [app.main, app.sidebar]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(reversed(list(children.values())))
        else:
            yield node


def of_type(app: AppTest, kind: str) -> list[Any]:
    return [e for e in elements(app) if getattr(e, "type", None) == kind]


def texts(app: AppTest, kind: str) -> list[str]:
    """Values of the elements of one kind (``code``, ``markdown``, ``error`` ...)."""
    return [str(e.value) for e in of_type(app, kind)]


def spec(app: AppTest, kind: str) -> list[str]:
    """The spec (DOT or plotly JSON) of each ``graphviz_chart`` / ``plotly_chart``."""
    return [e.proto.spec for e in of_type(app, kind)]


def tables(app: AppTest) -> list[dict[str, list[Any]]]:
    return [e.value.to_dict("list") for e in of_type(app, "dataframe")]


#: Elements whose text Streamlit renders as markdown.
MARKDOWN_KINDS = (
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "error",
    "warning",
    "info",
    "success",
    "toast",
)


def markdown_texts(app: AppTest) -> list[str]:
    """Everything drawn as markdown: markdown elements, alerts, and every label."""
    out = texts(app, "").copy()
    for element in elements(app):
        kind = getattr(element, "type", "")
        if kind in MARKDOWN_KINDS:
            out.append(str(element.value))
        label = getattr(element, "label", None)
        if isinstance(label, str):
            out.append(label)
    stack: list[Any] = [app.main, app.sidebar]
    while stack:
        node = stack.pop()
        label = getattr(getattr(node, "proto", None), "expandable", None)
        if label is not None:
            out.append(str(label.label))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            stack.extend(children.values())
    return out
