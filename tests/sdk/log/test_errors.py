"""Uncaught exceptions (main thread, other threads, asyncio tasks) and warnings become
schema lines on the process's real stdout; each runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import jsonschema

from ..conftest import parse_lines

Run = Callable[..., subprocess.CompletedProcess[bytes]]

PRELUDE = "import sdk\nsdk.configure(service='cart', version='1.4.2')\n"


def test_uncaught_in_the_main_thread(run_python: Run, validator: jsonschema.Validator) -> None:
    result = run_python(
        PRELUDE
        + "def inner():\n"
        + "    raise KeyError('cart 42')\n"
        + "try:\n"
        + "    inner()\n"
        + "except KeyError as exc:\n"
        + "    raise RuntimeError('checkout failed') from exc\n"
    )
    assert result.returncode == 1
    (record,) = parse_lines(result.stdout, validator)
    assert record["log.level"] == "critical"
    assert record["log.logger"] == "hopscope.uncaught"
    assert record["message"] == "uncaught exception in main thread"
    assert record["error.type"] == "RuntimeError"
    assert record["error.message"] == "checkout failed"
    assert "KeyError: 'cart 42'" in record["error.stack_trace"]
    assert "in inner" in record["error.stack_trace"]
    assert b"Traceback" not in result.stderr  # the line replaced the default print-out


def test_uncaught_in_another_thread(run_python: Run, validator: jsonschema.Validator) -> None:
    result = run_python(
        PRELUDE
        + "import threading\n"
        + "def work():\n"
        + "    raise ValueError('in worker')\n"
        + "t = threading.Thread(target=work, name='worker-1')\n"
        + "t.start(); t.join()\n"
        + "sdk.get_logger('main').info('main thread goes on')\n"
    )
    assert result.returncode == 0
    crash, goes_on = parse_lines(result.stdout, validator)
    assert crash["message"] == "uncaught exception in thread worker-1"
    assert crash["error.type"] == "ValueError"
    assert crash["error.message"] == "in worker"
    assert "in work" in crash["error.stack_trace"]
    assert goes_on["message"] == "main thread goes on"


def test_unretrieved_asyncio_task_exception(
    run_python: Run, validator: jsonschema.Validator
) -> None:
    result = run_python(
        PRELUDE
        + "import asyncio, gc\n"
        + "async def fail():\n"
        + "    raise LookupError('task failed')\n"
        + "async def main():\n"
        + "    task = asyncio.create_task(fail())\n"
        + "    await asyncio.sleep(0.01)\n"
        + "    del task\n"
        + "    gc.collect()\n"
        + "asyncio.run(main())\n"
    )
    assert result.returncode == 0, result.stderr
    records = parse_lines(result.stdout, validator)
    (record,) = [r for r in records if "error.type" in r]
    assert record["log.logger"] == "asyncio"
    assert record["log.level"] == "error"
    assert record["error.type"] == "LookupError"
    assert "task failed" in record["error.stack_trace"]


def test_exception_escaping_asyncio_run(run_python: Run, validator: jsonschema.Validator) -> None:
    result = run_python(
        PRELUDE
        + "import asyncio\n"
        + "async def main():\n"
        + "    raise ConnectionError('upstream down')\n"
        + "asyncio.run(main())\n"
    )
    assert result.returncode == 1
    (record,) = parse_lines(result.stdout, validator)
    assert record["error.type"] == "ConnectionError"
    assert record["message"] == "uncaught exception in main thread"


def test_keyboard_interrupt_keeps_the_default_behaviour(run_python: Run) -> None:
    result = run_python(PRELUDE + "raise KeyboardInterrupt\n")
    assert result.returncode != 0
    assert result.stdout == b""
    assert b"KeyboardInterrupt" in result.stderr


def test_warnings_become_lines(run_python: Run, validator: jsonschema.Validator) -> None:
    result = run_python(
        PRELUDE
        + "import warnings\n"
        + "warnings.warn('old API', DeprecationWarning)\n"
        + "warnings.warn('careful', UserWarning)\n"
    )
    assert result.returncode == 0
    assert result.stderr == b""
    deprecation, user = parse_lines(result.stdout, validator)
    assert deprecation["log.logger"] == "py.warnings"
    assert deprecation["log.level"] == "warning"
    assert "DeprecationWarning: old API" in deprecation["message"]
    assert "UserWarning: careful" in user["message"]


def test_every_line_of_a_busy_process_is_valid(
    run_python: Run, validator: jsonschema.Validator
) -> None:
    """get_logger, stdlib loggers, print-free libraries and a crash, all on one stdout."""
    result = run_python(
        PRELUDE
        + "import logging, warnings, threading\n"
        + "logging.basicConfig(level=logging.INFO)\n"  # a second handler the SDK routes
        + "log = sdk.get_logger(__name__)\n"
        + "log.info('cart checked out', cart_id=42, items=3)\n"
        + "logging.getLogger('sqlalchemy.engine').info('SELECT %s', 1)\n"
        + "logging.getLogger('httpx').warning('retrying', extra={'attempt': 2})\n"
        + "warnings.warn('soon gone', FutureWarning)\n"
        + "threading.Thread(target=lambda: 1 / 0).start()\n"
        + "raise SystemExit(3)\n"
    )
    assert result.returncode == 3
    records = parse_lines(result.stdout, validator)
    loggers = [r.get("log.logger") for r in records]
    assert loggers == ["__main__", "sqlalchemy.engine", "httpx", "py.warnings", "hopscope.uncaught"]
    assert records[2]["labels.attempt"] == 2
    assert records[4]["error.type"] == "ZeroDivisionError"
    assert result.stderr == b""
