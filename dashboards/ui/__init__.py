"""The dashboard's Streamlit pages and their rendering helpers. ``dashboards/app.py`` is
the entry point (``hopscope dashboard``); each page is one module with a ``render(store)``:

- :mod:`dashboards.ui.requests_page`: filters, the requests table, a latency histogram;
- :mod:`dashboards.ui.trace_page`: one request's hop chain, waterfall and hop details;
- :mod:`dashboards.ui.services_page`: dependency map and latency per route over time.

Pure helpers (no Streamlit): :mod:`~dashboards.ui.filters` (filters -> store query),
:mod:`~dashboards.ui.rows` (waterfall rows, folding and paging), :mod:`~dashboards.ui.graphs`
(Graphviz text), :mod:`~dashboards.ui.figures` (plotly figures), :mod:`~dashboards.ui.text`
(escaping record text for labels, charts and graphs).
"""

from dashboards.ui.filters import FilterError, RequestFilters, to_query
from dashboards.ui.rows import HopIndex, Row, flatten, page_of

__all__ = ["FilterError", "HopIndex", "RequestFilters", "Row", "flatten", "page_of", "to_query"]
