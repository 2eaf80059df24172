"""The search-engine fixtures for every test module here (from conftest_search.py, which
the dashboards' tests load too)."""

from __future__ import annotations

from hopscope_testing import search_fixtures

_fx = search_fixtures()
search_engine = _fx.search_engine
engine = _fx.engine
proxy = _fx.proxy
es_proxy = _fx.es_proxy
