"""What the collector (writing) and the dashboards (reading) share about a store: where the
embedded one lives by default, and the client of a search engine (Elasticsearch,
OpenSearch). The layouts derived from the schema are in :mod:`sdk.schema`."""

from sdk.store._location import DEFAULT_STORE_URL, STATE_DIR, STATE_FILE, store_url_in
from sdk.store._search_client import (
    SCHEMES,
    ElasticsearchClient,
    Endpoint,
    OpenSearchClient,
    SearchClient,
    SearchResponse,
    SearchUnreachable,
    open_client,
    plain_http_url,
    short_error,
)

__all__ = [
    "DEFAULT_STORE_URL",
    "SCHEMES",
    "STATE_DIR",
    "STATE_FILE",
    "ElasticsearchClient",
    "Endpoint",
    "OpenSearchClient",
    "SearchClient",
    "SearchResponse",
    "SearchUnreachable",
    "open_client",
    "plain_http_url",
    "short_error",
    "store_url_in",
]
