"""Store URLs -> open stores.

- ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` (the default is
  :data:`sdk.store._location.DEFAULT_STORE_URL`, where the collector writes by default);
- ``opensearch+http(s)://host:port`` and ``elasticsearch+http(s)://host:port``;
- plain ``http(s)://host:port``: the server's ``GET /`` tells which one it is.

``user:password@`` in a search URL is used for basic auth and never shown.
"""

from __future__ import annotations

import os
from typing import Final
from urllib.parse import urlsplit

from dashboards.store.base import Store, StoreError
from sdk.log import hide_url
from sdk.store import DEFAULT_STORE_URL

#: Environment variable the dashboard app reads its store URL from.
STORE_ENV: Final = "HOPSCOPE_STORE"


def default_store_url() -> str:
    return os.environ.get(STORE_ENV) or DEFAULT_STORE_URL


def open_store(url: str | None = None) -> Store:
    """Open the store at *url* (default: ``$HOPSCOPE_STORE``, else the embedded SQLite
    file). Raises :class:`StoreError` with the reason when it cannot be opened."""
    url = url or default_store_url()
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        from dashboards.store.sqlite import SqliteStore

        return SqliteStore.from_url(url)
    if scheme in ("http", "https") or scheme.startswith(("opensearch+", "elasticsearch+")):
        from dashboards.store.search import SearchStore

        return SearchStore.from_url(url)
    raise StoreError(
        f"unknown store URL {hide_url(url)!r}: use sqlite:///path.db, http(s)://host:port, "
        "opensearch+http://host:port or elasticsearch+http://host:port"
    )
