"""The hopscope dashboard (Streamlit): ``hopscope dashboard --store URL`` runs
``streamlit run dashboards/app.py`` with the store URL in ``$HOPSCOPE_STORE``.

Pages: Requests (find requests), Trace (one request's hop chain; ``?trace=<id>`` opens
it), Logs (search and follow every line across services; ``?page=logs``) and Services
(dependency map, latency per route). The page, the trace and the filters
live in the URL, so a pasted link shows the same view and the browser's Back and Forward
buttons move between views (each change of view is one history entry). Importing this
module draws nothing; Streamlit runs it as ``__main__``.
"""

from __future__ import annotations

import streamlit as st

from dashboards.store import StoreError
from dashboards.ui import logs_page, nav, requests_page, services_page, trace_page, url_state
from dashboards.ui.data import store_at, store_url
from dashboards.ui.show import problem
from sdk.log import hide_url

_PAGES = {
    "requests": requests_page.render,
    "trace": trace_page.render,
    "logs": logs_page.render,
    "services": services_page.render,
}


def main() -> None:
    st.set_page_config(page_title="hopscope", layout="wide")
    url_state.begin()
    _draw()
    url_state.commit()


def _draw() -> None:
    """Draw the chosen page (its state goes to this run's URL)."""
    page = nav.choose()
    url = store_url()
    st.sidebar.caption("Store")
    st.sidebar.code(hide_url(url), language=None, wrap_lines=True)
    try:
        store = store_at(url)
    except StoreError as exc:
        problem("The store cannot be opened.", str(exc))
        return
    _PAGES[page](store)


if __name__ == "__main__":
    main()
