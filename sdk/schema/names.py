"""A constant for every field of the record schema, named after it (``service.name`` is
``SERVICE_NAME``, ``@timestamp`` ``TIMESTAMP``), so code that names a field cannot misspell it.
A test holds this list and the schema file to each other."""

from __future__ import annotations

from typing import Final

TIMESTAMP: Final = "@timestamp"
LOG_LEVEL: Final = "log.level"
MESSAGE: Final = "message"
ECS_VERSION: Final = "ecs.version"
HOPSCOPE_SCHEMA_VERSION: Final = "hopscope.schema_version"
EVENT_DATASET: Final = "event.dataset"
LOG_LOGGER: Final = "log.logger"
LOG_ORIGIN_FILE_NAME: Final = "log.origin.file.name"
LOG_ORIGIN_FILE_LINE: Final = "log.origin.file.line"
LOG_ORIGIN_FUNCTION: Final = "log.origin.function"
HOPSCOPE_STACK_INFO: Final = "hopscope.stack_info"
SERVICE_NAME: Final = "service.name"
SERVICE_VERSION: Final = "service.version"
SERVICE_ENVIRONMENT: Final = "service.environment"
SERVICE_NODE_NAME: Final = "service.node.name"
SERVICE_TARGET_NAME: Final = "service.target.name"
SERVICE_ORIGIN_NAME: Final = "service.origin.name"
HOST_NAME: Final = "host.name"
PROCESS_PID: Final = "process.pid"
PROCESS_THREAD_NAME: Final = "process.thread.name"
TRACE_ID: Final = "trace.id"
SPAN_ID: Final = "span.id"
PARENT_ID: Final = "parent.id"
EVENT_START: Final = "event.start"
EVENT_END: Final = "event.end"
EVENT_DURATION: Final = "event.duration"
EVENT_OUTCOME: Final = "event.outcome"
EVENT_ORIGINAL: Final = "event.original"
HTTP_REQUEST_METHOD: Final = "http.request.method"
HTTP_ROUTE: Final = "http.route"
HTTP_REQUEST_BODY_CONTENT: Final = "http.request.body.content"
HTTP_REQUEST_BODY_BYTES: Final = "http.request.body.bytes"
HTTP_RESPONSE_STATUS_CODE: Final = "http.response.status_code"
HTTP_RESPONSE_BODY_CONTENT: Final = "http.response.body.content"
HTTP_RESPONSE_BODY_BYTES: Final = "http.response.body.bytes"
URL_PATH: Final = "url.path"
URL_QUERY: Final = "url.query"
URL_FULL: Final = "url.full"
URL_SCHEME: Final = "url.scheme"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
CLIENT_ADDRESS: Final = "client.address"
CLIENT_PORT: Final = "client.port"
USER_AGENT_ORIGINAL: Final = "user_agent.original"
ERROR_TYPE: Final = "error.type"
ERROR_MESSAGE: Final = "error.message"
ERROR_STACK_TRACE: Final = "error.stack_trace"
HOPSCOPE_HOP_KIND: Final = "hopscope.hop.kind"
HOPSCOPE_HOP_ATTEMPT: Final = "hopscope.hop.attempt"
HOPSCOPE_HOP_AS_SERVICE: Final = "hopscope.hop.as_service"
HOPSCOPE_HOP_ROOT: Final = "hopscope.hop.root"
HOPSCOPE_TRUNCATED: Final = "hopscope.truncated"
HOPSCOPE_RECORD_ID: Final = "hopscope.record.id"
HOPSCOPE_SOURCE_NAME: Final = "hopscope.source.name"
HOPSCOPE_SOURCE_OFFSET: Final = "hopscope.source.offset"
HOPSCOPE_UNSTRUCTURED_REASON: Final = "hopscope.unstructured.reason"

#: the families of fields the schema opens by prefix (``labels.cart_id``)
LABELS_PREFIX: Final = "labels."
HTTP_REQUEST_HEADER_PREFIX: Final = "http.request.header."

__all__ = [
    "CLIENT_ADDRESS",
    "CLIENT_PORT",
    "ECS_VERSION",
    "ERROR_MESSAGE",
    "ERROR_STACK_TRACE",
    "ERROR_TYPE",
    "EVENT_DATASET",
    "EVENT_DURATION",
    "EVENT_END",
    "EVENT_ORIGINAL",
    "EVENT_OUTCOME",
    "EVENT_START",
    "HOPSCOPE_HOP_AS_SERVICE",
    "HOPSCOPE_HOP_ATTEMPT",
    "HOPSCOPE_HOP_KIND",
    "HOPSCOPE_HOP_ROOT",
    "HOPSCOPE_RECORD_ID",
    "HOPSCOPE_SCHEMA_VERSION",
    "HOPSCOPE_SOURCE_NAME",
    "HOPSCOPE_SOURCE_OFFSET",
    "HOPSCOPE_STACK_INFO",
    "HOPSCOPE_TRUNCATED",
    "HOPSCOPE_UNSTRUCTURED_REASON",
    "HOST_NAME",
    "HTTP_REQUEST_BODY_BYTES",
    "HTTP_REQUEST_BODY_CONTENT",
    "HTTP_REQUEST_HEADER_PREFIX",
    "HTTP_REQUEST_METHOD",
    "HTTP_RESPONSE_BODY_BYTES",
    "HTTP_RESPONSE_BODY_CONTENT",
    "HTTP_RESPONSE_STATUS_CODE",
    "HTTP_ROUTE",
    "LABELS_PREFIX",
    "LOG_LEVEL",
    "LOG_LOGGER",
    "LOG_ORIGIN_FILE_LINE",
    "LOG_ORIGIN_FILE_NAME",
    "LOG_ORIGIN_FUNCTION",
    "MESSAGE",
    "PARENT_ID",
    "PROCESS_PID",
    "PROCESS_THREAD_NAME",
    "SERVER_ADDRESS",
    "SERVER_PORT",
    "SERVICE_ENVIRONMENT",
    "SERVICE_NAME",
    "SERVICE_NODE_NAME",
    "SERVICE_ORIGIN_NAME",
    "SERVICE_TARGET_NAME",
    "SERVICE_VERSION",
    "SPAN_ID",
    "TIMESTAMP",
    "TRACE_ID",
    "URL_FULL",
    "URL_PATH",
    "URL_QUERY",
    "URL_SCHEME",
    "USER_AGENT_ORIGINAL",
]
