"""Elasticsearch / OpenSearch sink: ``_bulk`` ``create`` requests into dated indices.

Addresses (the credentials in the userinfo, or else in ``HOPSCOPE_SEARCH_USERNAME`` and
``HOPSCOPE_SEARCH_PASSWORD``, or ``HOPSCOPE_SEARCH_API_KEY``)::

    http(s)://host:9200                 asks the server what it is (GET /)
    elasticsearch+http(s)://host:9200   the elasticsearch client
    opensearch+http(s)://host:9200      the opensearch-py client

Query options: ``target=dated`` (default; ``hopscope-records-YYYY.MM.DD``) or
``target=stream`` (data stream ``hopscope-records-stream``, where the server has them),
``template=false`` (do not install the index template), ``verify=false``,
``ca=/path/ca.pem``, ``timeout=30`` (seconds), ``max_body=8388608`` (bytes per request),
``compress=true`` (gzip request bodies).

What each answer means:

- created, or 409 on ``create`` (the id is already stored): stored;
- 429 or 5xx for an item or for the whole request: sent again, only the failed items,
  after a jittered exponential pause; still failing after the last attempt: the batch is
  unavailable (the collector spools and comes back, and the stored items answer 409);
- 413 for the request: the batch is halved until it fits; a single record too large for
  the server is rejected with that reason;
- 400 for an item (mapping conflict and other refusals of the document): rejected with the
  server's reason, which the collector puts in the dead-letter table;
- 401/403/404 for an item, or an error about the index rather than the document
  (``cluster_block_exception`` from a read-only index or a disk watermark, a closed or
  missing index, data streams the server lacks), and any other 4xx for the whole request
  (credentials, wrong path): warned about and unavailable, so nothing is dead-lettered for
  a state the operator fixes;
- no answer: unavailable.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlsplit

import orjson

from collector.sinks.base import Sink, SinkUnavailable, WriteResult
from collector.sinks.search.bulk import (
    DEFAULT_MAX_BODY_BYTES,
    Outcome,
    chunks,
    dated_index,
    encode_item,
    error_reason,
    fixed_index,
    item_outcome,
    items,
)
from collector.sinks.search.roots import RootMarks, update_body
from collector.sinks.url_options import flag
from collector.transforms.record import CollectedRecord
from sdk.schema.index_template import (
    DATA_STREAM,
    DYNAMIC_FAMILIES,
    FLAT_TYPES,
    TEMPLATE_NAME,
    index_template,
)
from sdk.store import (
    SCHEMES,
    Endpoint,
    OpenSearchClient,
    SearchClient,
    SearchResponse,
    SearchUnreachable,
    open_client,
    plain_http_url,
    short_error,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often, and after which pauses, overloaded items are sent again."""

    attempts: int = 6  # first try included
    base_s: float = 0.2
    cap_s: float = 10.0

    def pause(self, attempt: int) -> float:
        """Full jitter (uniform up to the exponential bound), so many collectors that were
        throttled together do not come back together."""
        return random.uniform(0, min(self.cap_s, self.base_s * (2 ** (attempt - 1))))


@dataclass(frozen=True, slots=True)
class SearchOptions:
    flavour: str = "auto"  # auto | elasticsearch | opensearch
    data_stream: bool = False
    install_template: bool = True
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class SearchSink(Sink):
    """Writes records to Elasticsearch or OpenSearch, idempotently (``create`` by id)."""

    def __init__(
        self,
        endpoint: Endpoint,
        options: SearchOptions | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.options = options or SearchOptions()
        self.name = f"search {endpoint.display}"
        self._sleep = sleep
        self._client: SearchClient | None = None
        self._template_ready = not self.options.install_template
        self._target: Callable[[Mapping[str, Any]], str] = (
            fixed_index(DATA_STREAM) if self.options.data_stream else dated_index
        )
        self._roots = RootMarks()
        self._marks: Mapping[str, bool] = {}

    @classmethod
    def from_url(cls, url: str) -> SearchSink:
        parts = urlsplit(url)
        flavour = SCHEMES.get(parts.scheme)
        if flavour is None:
            raise ValueError(
                f"search sink address must start with one of {', '.join(sorted(SCHEMES))}://"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {
            "target",
            "template",
            "verify",
            "ca",
            "timeout",
            "max_body",
            "compress",
        }
        if unknown:
            raise ValueError(f"unknown search sink option(s): {', '.join(sorted(unknown))}")
        target = query.get("target", "dated")
        if target not in ("dated", "stream"):
            raise ValueError("target must be 'dated' or 'stream'")
        endpoint = Endpoint.parse(
            plain_http_url(url),
            verify_certs=flag(query.get("verify", "true")),
            ca_certs=query.get("ca"),
            timeout_s=float(query.get("timeout", "30")),
            compress=flag(query.get("compress", "false")),
        )
        options = SearchOptions(
            flavour=flavour,
            data_stream=target == "stream",
            install_template=flag(query.get("template", "true")),
            max_body_bytes=int(query.get("max_body", str(DEFAULT_MAX_BODY_BYTES))),
        )
        return cls(endpoint, options)

    # -- connection ---------------------------------------------------------------------

    def connect(self) -> None:
        """Reach the server and install the index template now rather than on the first
        write (a startup check); raise :class:`SinkUnavailable` when that fails."""
        self._connected()

    def _connected(self) -> SearchClient:
        try:
            if self._client is None:
                self._client = open_client(self.endpoint, self.options.flavour)
            if not self._template_ready:
                self._install_template(self._client)
                self._template_ready = True
        except SearchUnreachable as exc:
            raise SinkUnavailable(f"{self.name}: {exc}") from None
        return self._client

    def _install_template(self, client: SearchClient) -> None:
        """The composable template, its families of the server's flat type; on a server
        without that type, one keyword per key, and a warning. A server without composable
        templates gets the legacy form; any other refusal is shown, not worked around."""
        kind = "opensearch" if isinstance(client, OpenSearchClient) else "elasticsearch"
        flat = FLAT_TYPES[kind]
        answer = self._put_template(client, flat)
        if answer.status == 400 and _no_such_type(answer, flat):
            log.warning(
                "%s has no %s mapping type: labels.* and http.request.header.* get one field "
                "per key, and a daily index takes about a thousand distinct keys at most",
                self.name,
                flat,
            )
            answer = self._put_template(client, DYNAMIC_FAMILIES)
        if answer.status >= 300:
            raise SearchUnreachable(
                f"index template not installed: {answer.status} {_refusal(answer)}"
            )

    def _put_template(self, client: SearchClient, families: str) -> SearchResponse:
        body = index_template(data_stream=self.options.data_stream, families=families)
        answer = client.request("PUT", f"/_index_template/{TEMPLATE_NAME}", orjson.dumps(body))
        if _has_composable_templates(answer) or self.options.data_stream:
            return answer
        # Elasticsearch before 7.8: the legacy form, the same mappings and settings
        legacy = {"index_patterns": body["index_patterns"], "order": 1, **body["template"]}
        return client.request("PUT", f"/_template/{TEMPLATE_NAME}", orjson.dumps(legacy))

    # -- writing ------------------------------------------------------------------------

    def write(self, records: Sequence[CollectedRecord]) -> WriteResult:
        result = WriteResult()
        if not records:
            return result
        client = self._connected()
        marking = self._roots.mark(records)
        self._marks = marking.marks
        try:
            for chunk in chunks(records, self._target, self.options.max_body_bytes, self._marks):
                self._send(client, chunk.records, chunk.body, result)
        finally:
            self._marks = {}
        updates = self._roots.settle(marking, (r for r, _ in result.rejected), self._target)
        if updates and not self.options.data_stream:
            self._update_marks(client, updates)
        return result

    def _update_marks(self, client: SearchClient, updates: list[tuple[str, str, bool]]) -> None:
        """Set the root marks that changed (:mod:`collector.sinks.search.roots`). Best
        effort: a mark left ``true`` only makes the store check that hop when it searches,
        so a refused update is logged and not retried."""
        for start in range(0, len(updates), 5000):
            part = updates[start : start + 5000]
            try:
                answer = client.request("POST", "/_bulk", update_body(part), ndjson=True)
            except SearchUnreachable as exc:
                log.info("%s: root marks not updated: %s", self.name, exc)
                return
            if answer.status >= 300 or (
                isinstance(answer.body, Mapping) and answer.body.get("errors")
            ):
                log.info("%s: root marks not all updated (%s)", self.name, answer.status)

    def _send(
        self, client: SearchClient, records: list[CollectedRecord], body: bytes, result: WriteResult
    ) -> None:
        """Send one body; retry what failed for a while, halve what is too large."""
        pending, pending_body = records, body
        for attempt in range(1, self.options.retry.attempts + 1):
            answer = self._bulk(client, pending_body)
            if answer.status == 413:
                self._split(client, pending, answer, result)
                return
            if answer.status == 429 or answer.status >= 500:
                retry = pending  # the whole request failed
                reason = f"{answer.status} {short_error(answer.body)}"
            elif answer.status >= 300:
                self._refuse(answer)
            else:
                retry, reason = self._settle(pending, answer.body, result)
            if not retry:
                return
            if attempt == self.options.retry.attempts:
                raise SinkUnavailable(
                    f"{self.name}: {len(retry)} record(s) still refused after {attempt} "
                    f"attempts ({reason}); will try again later"
                )
            result.retried += len(retry)
            self._sleep(self.options.retry.pause(attempt))
            pending = retry
            pending_body = b"".join(encode_item(r, self._target(r.doc), self._marks) for r in retry)

    def _bulk(self, client: SearchClient, body: bytes) -> SearchResponse:
        try:
            return client.request("POST", "/_bulk", body, ndjson=True)
        except SearchUnreachable as exc:
            raise SinkUnavailable(f"{self.name}: {exc}") from None

    def _split(
        self,
        client: SearchClient,
        records: list[CollectedRecord],
        answer: SearchResponse,
        result: WriteResult,
    ) -> None:
        if len(records) == 1:
            detail = short_error(answer.body) if answer.body else "no detail"
            reason = f"413 request entity too large: the server refuses this record ({detail})"
            result.rejected.append((records[0], reason))
            return
        half = len(records) // 2
        for part in (records[:half], records[half:]):
            body = b"".join(encode_item(r, self._target(r.doc), self._marks) for r in part)
            self._send(client, part, body, result)

    def _refuse(self, answer: SearchResponse) -> NoReturn:
        """A request-level 4xx other than 413 / 429: credentials, privileges, a read-only
        cluster, a wrong path prefix or media type. The operator fixes it and the records
        must still be there, so none is dead-lettered for it."""
        reason = f"{answer.status} {short_error(answer.body)}"
        log.warning("%s refuses writes: %s; pausing", self.name, reason)
        raise SinkUnavailable(f"{self.name}: {reason}")

    def _settle(
        self, records: list[CollectedRecord], response: Any, result: WriteResult
    ) -> tuple[list[CollectedRecord], str]:
        """Count a ``_bulk`` answer; return the records to send again and why."""
        if not isinstance(response, Mapping):
            return records, "unreadable bulk answer"
        if response.get("errors") is False:
            result.stored += len(records)
            return [], ""
        answers = items(response)
        if len(answers) != len(records):
            return records, f"bulk answer has {len(answers)} items for {len(records)} records"
        retry: list[CollectedRecord] = []
        reason = ""
        for record, (status, error) in zip(records, answers, strict=True):
            outcome = item_outcome(status, error)
            if outcome is Outcome.STORED:
                result.stored += 1
            elif outcome is Outcome.RETRY:
                retry.append(record)
                reason = error_reason(status, error)
            elif outcome is Outcome.REJECTED:
                result.rejected.append((record, error_reason(status, error)))
            else:
                blocked = error_reason(status, error)
                log.warning("%s refuses writes: %s; pausing", self.name, blocked)
                raise SinkUnavailable(f"{self.name}: {blocked}")
        return retry, reason

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _has_composable_templates(answer: SearchResponse) -> bool:
    """False when the server has no ``_index_template`` endpoint: no handler for it (404,
    405), or, before Elasticsearch 7.8, the path read as an index named ``_index_template``."""
    if answer.status in (404, 405):
        return False
    if answer.status != 400:
        return True
    error = short_error(answer.body)
    return not (
        error.startswith("invalid_index_name_exception") or "no handler found for uri" in error
    )


def _no_such_type(answer: SearchResponse, kind: str) -> bool:
    """Whether a refused template names the mapping type *kind* as unknown to the server
    (``No handler for type [flat_object]``, however deep in the causes)."""
    return f"no handler for type [{kind}]" in _refusal(answer).lower()


def _refusal(answer: SearchResponse) -> str:
    """The server's error and, when it has causes, its innermost one: ``illegal_argument:
    template after composition is invalid`` alone does not say what to fix."""
    shown = short_error(answer.body)
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    cause = error
    while isinstance(cause, dict) and isinstance(cause.get("caused_by"), dict):
        cause = cause["caused_by"]
    if cause is not error and isinstance(cause, dict):
        shown += f" (caused by {cause.get('type', 'error')}: {cause.get('reason', '')})"
    return shown
