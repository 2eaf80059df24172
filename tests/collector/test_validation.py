from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from collector.validation import record_validator
from sdk import schema

BASE = {"@timestamp": "2024-05-01T10:00:00.000001Z", "log.level": "info", "message": "m",
        "service.name": "cart", "hopscope.schema_version": "1"}

values = st.one_of(st.none(), st.booleans(), st.integers(-5, 700), st.floats(allow_nan=False),
                   st.sampled_from(["", "x", "GET", "get", "0" * 32, "a" * 16, "info", "error",
                                    "2024-05-01T10:00:00Z", "2024-05-01", "1", "server"]),
                   st.just([]), st.just({}))
keys = st.one_of(st.sampled_from(sorted(schema.fields())),
                 st.sampled_from(["labels.ok", "labels.Bad", "labels.a_b", "nope", "error",
                                  "http.request.header.x-id", "http.request.header.X"]))


@settings(max_examples=300)
@given(st.dictionaries(keys, values, max_size=6), st.sets(st.sampled_from(sorted(BASE))))
def test_agrees_with_the_reference_validator(extra: dict[str, Any], drop: set[str]) -> None:
    doc = {k: v for k, v in BASE.items() if k not in drop}
    doc.update(extra)
    validator = record_validator()
    reference = schema.problem(doc)
    assert validator.is_valid(doc) == (reference is None), (doc, reference)
    assert validator.problem(doc) == reference


def test_reason_names_the_field() -> None:
    reason = record_validator().problem({**BASE, "http.response.status_code": 42})
    assert reason is not None
    assert "http.response.status_code" in reason
