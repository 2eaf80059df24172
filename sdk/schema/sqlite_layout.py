"""Table layout of the embedded SQLite store, shared by the collector (writes) and the
dashboards' query layer (reads).

Each record is kept whole as JSON in ``doc``; the fields the dashboard filters or groups on
are copied into indexed columns. The column list is derived from the schema's field names
in one place, :data:`COLUMNS`.
"""

from __future__ import annotations

from typing import Final

from sdk.schema import names

#: schema field -> column. Everything else is read from ``doc`` with ``json_extract``.
COLUMNS: Final[dict[str, str]] = {
    names.TRACE_ID: "trace_id",
    names.SPAN_ID: "span_id",
    names.PARENT_ID: "parent_id",
    names.SERVICE_NAME: "service",
    names.LOG_LEVEL: "level",
    names.MESSAGE: "message",
    names.HOPSCOPE_HOP_KIND: "hop_kind",
    names.HTTP_REQUEST_METHOD: "method",
    names.HTTP_ROUTE: "route",
    names.URL_PATH: "path",
    names.HTTP_RESPONSE_STATUS_CODE: "status",
    names.EVENT_DURATION: "duration_ns",
    names.EVENT_OUTCOME: "outcome",
    names.SERVICE_TARGET_NAME: "target_service",
    names.SERVICE_ORIGIN_NAME: "origin_service",
    names.HOPSCOPE_HOP_ATTEMPT: "attempt",
    names.ERROR_TYPE: "error_type",
}

SCHEMA_VERSION: Final = 1

#: columns added after the first layout, with their type: added to older files on open
ADDED_COLUMNS: Final[dict[str, dict[str, str]]] = {
    "records": {"raw": "BLOB", "unindexed": "TEXT"},
    "dead_letters": {"raw": "BLOB"},
}

DDL: Final = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS records (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,          -- deterministic: source identity + byte offset
    ts_ns INTEGER NOT NULL,           -- @timestamp as Unix nanoseconds
    trace_id TEXT, span_id TEXT, parent_id TEXT,
    service TEXT, level TEXT, message TEXT,
    hop_kind TEXT, method TEXT, route TEXT, path TEXT,
    status INTEGER, duration_ns INTEGER, outcome TEXT,
    target_service TEXT, origin_service TEXT, attempt INTEGER,
    error_type TEXT,
    unstructured INTEGER NOT NULL DEFAULT 0,
    source TEXT, offset INTEGER,
    doc TEXT NOT NULL,                -- the whole record, JSON
    raw BLOB,                         -- unstructured lines that are not UTF-8: the exact bytes
    unindexed TEXT                    -- fields past 64 bits, their columns clamped: UNINDEXED_SEP
);
CREATE INDEX IF NOT EXISTS records_trace ON records (trace_id, ts_ns);
CREATE INDEX IF NOT EXISTS records_span ON records (span_id) WHERE hop_kind IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_slowest ON records (duration_ns) WHERE hop_kind = 'server';
CREATE INDEX IF NOT EXISTS records_hop_stats ON records (hop_kind, ts_ns, service, route,
    duration_ns, status, error_type, outcome, target_service) WHERE hop_kind IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_ts ON records (ts_ns);
CREATE INDEX IF NOT EXISTS records_hop ON records (hop_kind, ts_ns) WHERE hop_kind IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_service ON records (service, hop_kind, ts_ns);
CREATE INDEX IF NOT EXISTS records_route ON records (route, ts_ns) WHERE route IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_status ON records (status, ts_ns) WHERE status IS NOT NULL;
-- log lines (hops aside) by service and level in time order: hopscope logs, the Logs page
CREATE INDEX IF NOT EXISTS records_log_lines ON records (service, level, ts_ns)
    WHERE hop_kind IS NULL;
-- the same lines by rowid: what a full-text match needs of each line, read without the row
CREATE INDEX IF NOT EXISTS records_log_keys ON records (rowid, service, level, ts_ns,
    unstructured, hop_kind) WHERE hop_kind IS NULL;
-- the few lines that were not valid records, in time order: hopscope logs --unstructured
CREATE INDEX IF NOT EXISTS records_unstructured ON records (ts_ns) WHERE unstructured = 1;
CREATE INDEX IF NOT EXISTS records_errors ON records (ts_ns)
    WHERE error_type IS NOT NULL OR outcome = 'failure';
CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5 (
    message, content = 'records', content_rowid = 'rowid'
);
CREATE TRIGGER IF NOT EXISTS records_fts_insert AFTER INSERT ON records BEGIN
    INSERT INTO records_fts (rowid, message) VALUES (new.rowid, new.message);
END;
CREATE TRIGGER IF NOT EXISTS records_fts_delete AFTER DELETE ON records BEGIN
    INSERT INTO records_fts (records_fts, rowid, message) VALUES ('delete', old.rowid, old.message);
END;
CREATE TABLE IF NOT EXISTS dead_letters (
    rowid INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL,
    sink TEXT NOT NULL,
    reason TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    replayed_ns INTEGER,
    raw BLOB,
    UNIQUE (record_id, sink)
);
"""

#: Between the field names in ``unindexed``: the fields of a record whose values SQLite's
#: 64-bit integers cannot hold (an ``@timestamp`` outside 1677-2262 in nanoseconds, an
#: ``event.duration`` of 2^63 ns or more). Their columns hold the nearest 64-bit value, so the
#: record still sorts and filters at the right end; ``doc`` keeps the values as written.
UNINDEXED_SEP: Final = ","

#: The per-row trigger that keeps the full-text index in step for simple writers.
FTS_INSERT_TRIGGER: Final = "records_fts_insert"

#: The collector's SQLite sink indexes the full text of each batch with one statement after
#: inserting it (three times faster than the per-row trigger) and so drops the trigger in the
#: files it writes: a file has either the trigger or a bulk writer, never both, or rows would
#: be indexed twice. Other writers (imports, test fixtures) run :data:`DDL` and keep it.
FTS_INDEX_NEW_ROWS: Final = (
    "INSERT INTO records_fts (rowid, message) SELECT rowid, message FROM records WHERE rowid > ?"
)


def bulk_writer_ddl() -> str:
    """:data:`DDL` for a writer that indexes the full text itself, batch by batch."""
    start = DDL.index(f"CREATE TRIGGER IF NOT EXISTS {FTS_INSERT_TRIGGER}")
    end = DDL.index("END;", start) + len("END;")
    return DDL[:start] + f"DROP TRIGGER IF EXISTS {FTS_INSERT_TRIGGER};" + DDL[end:]


__all__ = [
    "ADDED_COLUMNS",
    "COLUMNS",
    "DDL",
    "FTS_INDEX_NEW_ROWS",
    "FTS_INSERT_TRIGGER",
    "SCHEMA_VERSION",
    "UNINDEXED_SEP",
    "bulk_writer_ddl",
]
