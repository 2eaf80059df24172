"""Every rule of the ecs-logging spec (``elastic/ecs-logging``, ``spec/spec.json``) checked
against what the SDK writes: required fields, key order, top-level dotted fields, field
types, label key sanitisation and ``event.dataset``."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

import sdk

from ..conftest import Capture

#: the spec's required fields (``message`` is optional there; the SDK always writes it)
REQUIRED = ("@timestamp", "log.level", "ecs.version")
#: the spec's ``index``: these keys open every line, in this order
ORDER = ("@timestamp", "log.level", "message")
#: the spec's field types
STRINGS = (
    "log.level",
    "message",
    "ecs.version",
    "trace.id",
    "service.name",
    "service.node.name",
    "event.dataset",
    "process.thread.name",
    "log.logger",
    "log.origin.file.name",
    "log.origin.function",
    "error.type",
    "error.message",
    "error.stack_trace",
)
#: what the spec's labels sanitisation replaces in keys
LABEL_KEY_FORBIDDEN = (".", "*", "\\")
#: what its event.dataset sanitisation replaces in the value
DATASET_FORBIDDEN = ("\\", "/", "*", "?", '"', "<", ">", "|", " ", ",", "#", ":", "-")


def lines_of_every_kind(capture: Capture) -> list[dict[str, Any]]:
    capture.only_sdk_handler()
    log = sdk.get_logger("cart.checkout")
    log.info("paid", **{"order.id": 7, "a*b": 1, "back\\slash": 2, "Größe": "L"})
    logging.getLogger("cart.stdlib").warning("stdlib %s", "line", extra={"x.y": 1})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    sdk.emit("GET /carts/{cart_id} 200", {"hopscope.hop.kind": "server", "http.route": "/c"})
    records = capture.take()
    assert len(records) == 4
    return records


def check_spec_rules(line: bytes, service: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(line)
    for name in REQUIRED:
        assert name in record, name
    assert tuple(record)[: len(ORDER)] == ORDER
    # top-level dotted keys, never nested objects (log.level above all)
    assert all(not isinstance(v, dict) for v in record.values()), record
    assert "log" not in record
    assert dt.datetime.fromisoformat(record["@timestamp"]).tzinfo is not None
    for name in STRINGS:
        if name in record:
            assert isinstance(record[name], str), name
    if "log.origin.file.line" in record:
        assert type(record["log.origin.file.line"]) is int
    for key in record:
        if key.startswith("labels."):
            label = key.removeprefix("labels.")
            assert not any(c in label for c in LABEL_KEY_FORBIDDEN), key
    dataset = record["event.dataset"]
    assert dataset == dataset.lower()
    assert len(dataset) <= 100
    assert not any(c in dataset for c in DATASET_FORBIDDEN), dataset
    assert record["service.name"] == service
    return record


def test_every_line_follows_the_spec(make_capture: Callable[..., Capture]) -> None:
    capture = make_capture(service="cart")
    raw = capture.stream.getvalue()
    records = lines_of_every_kind(capture)
    lines = capture.stream.getvalue()[len(raw) :].splitlines()
    assert len(lines) == len(records)
    for line in lines:
        record = check_spec_rules(line, "cart")
        # a configured service name: event.dataset is <service.name>.log
        assert record["event.dataset"] == "cart.log"
    paid = records[0]
    assert (paid["labels.order_id"], paid["labels.a_b"], paid["labels.back_slash"]) == (7, 1, 2)
    assert paid["labels.Größe"] == "L"
    assert records[1]["labels.x_y"] == 1


@pytest.mark.parametrize(
    ("service", "dataset", "expected"),
    [
        ("Payment-Gateway", None, "payment_gateway.log"),
        ("cart", "Checkout Stream/EU", "checkout_stream_eu"),
        ("cart", "x" * 150, "x" * 100),
    ],
)
def test_event_dataset_is_sanitised_as_the_spec_says(
    make_capture: Callable[..., Capture], service: str, dataset: str | None, expected: str
) -> None:
    capture = make_capture(service=service, dataset=dataset)
    sdk.get_logger("ds").info("m")
    assert capture.one()["event.dataset"] == expected


def test_event_dataset_comes_from_the_environment(run_python: Callable[..., Any]) -> None:
    code = "import sdk; sdk.configure(); sdk.get_logger('x').info('m')"
    result = run_python(code, env={"HOPSCOPE_DATASET": "cart.access"})
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert check_spec_rules(line, "cart")["event.dataset"] == "cart.access"
