"""The Elasticsearch / OpenSearch sink: bulk requests into dated indices."""

from collector.sinks.search.sink import RetryPolicy, SearchSink

__all__ = ["RetryPolicy", "SearchSink"]
