"""Fixtures for the SDK tests: a configured SDK writing into memory, every line validated
against the shipped schema file with the real jsonschema library (Draft 2020-12)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import jsonschema
import pytest

import sdk
from sdk.log._stdlib import LineHandler

Record = dict[str, Any]


@pytest.fixture(scope="session")
def validator() -> jsonschema.Draft202012Validator:
    text = resources.files("sdk.schema").joinpath("record.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def parse_lines(data: bytes, validator: jsonschema.Draft202012Validator) -> list[Record]:
    """Every line as a record; fails the test on a line that is not valid."""
    records = []
    for number, line in enumerate(data.splitlines(), start=1):
        record = json.loads(line)  # strict JSON: NaN or a lone surrogate would fail here
        errors = sorted(validator.iter_errors(record), key=str)
        assert not errors, f"line {number} invalid: {errors[0].message}\n{line!r}"
        line.decode("utf-8")  # strict UTF-8
        records.append(record)
    return records


def hop_of(records: list[Record]) -> Record:
    """The one hop record among *records* (fails the test if there is not exactly one)."""
    hops = [r for r in records if "hopscope.hop.kind" in r]
    assert len(hops) == 1, records
    return hops[0]


class Capture:
    """The SDK configured to write into memory."""

    def __init__(self, validator: jsonschema.Draft202012Validator, **options: Any) -> None:
        self.stream = io.BytesIO()
        self.offset = 0
        self.validator = validator
        self.config = sdk.configure(stream=self.stream, **options)

    @staticmethod
    def only_sdk_handler() -> None:
        """Leave the SDK's handler alone on the root: pytest's capture handlers (added around
        each test call) re-raise on records the SDK takes in its stride, like bad format
        arguments, which is not what is under test."""
        root = logging.getLogger()
        root.handlers[:] = [h for h in root.handlers if isinstance(h, LineHandler)]

    def take(self) -> list[Record]:
        """The valid records written since the last call.

        Safe while a server thread is writing: the stream is never truncated under the
        writer, and a line still being written waits for the next call.
        """
        data = self.stream.getvalue()
        end = data.rfind(b"\n", self.offset) + 1
        fresh, self.offset = data[self.offset : end], max(end, self.offset)
        return parse_lines(fresh, self.validator)

    def one(self) -> Record:
        records = self.take()
        assert len(records) == 1, records
        return records[0]


@pytest.fixture
def make_capture(
    validator: jsonschema.Draft202012Validator,
) -> Callable[..., Capture]:
    def make(**options: Any) -> Capture:
        options.setdefault("service", "cart")
        options.setdefault("version", "1.4.2")
        options.setdefault("environment", "test")
        return Capture(validator, **options)

    return make


@pytest.fixture
def capture(make_capture: Callable[..., Capture]) -> Capture:
    return make_capture(level="debug")


@pytest.fixture
def info_capture(make_capture: Callable[..., Capture]) -> Capture:
    """At info level: asyncio's debug line about its selector stays out of async tests."""
    return make_capture(level="info")


@pytest.fixture(autouse=True)
def _restore_process_state() -> Iterator[None]:
    """``sdk.configure`` changes process-wide logging state; give it back after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    hooks = (sys.excepthook, threading.excepthook, logging.config.dictConfigClass)
    with warnings.catch_warnings():
        sdk.clear()
        yield
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.excepthook, threading.excepthook, logging.config.dictConfigClass = hooks
    logging.captureWarnings(False)
    sdk.clear()


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run a script in a fresh interpreter, its real stdout and stderr captured."""

    def run(code: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("HOPSCOPE_")}
        environ.update({"HOPSCOPE_SERVICE": "cart", "PYTHONUNBUFFERED": "1", **(env or {})})
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=environ, timeout=120
        )

    return run
