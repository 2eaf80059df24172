"""The stdlib bridge: uvicorn's, httpx's and any other stdlib logger's records come out in
the very same schema, even when the framework installs its own handlers."""

from __future__ import annotations

import logging
import logging.config
import subprocess
from collections.abc import Callable

import jsonschema

from ..conftest import Capture, parse_lines

Run = Callable[..., subprocess.CompletedProcess[bytes]]

UVICORN_SERVICE = """
import threading, time, httpx, uvicorn, sdk
{configure_first}

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({{"type": "http.response.start", "status": 200, "headers": []}})
    await send({{"type": "http.response.body", "body": b"ok"}})

config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info")
server = uvicorn.Server(config)
{configure_later}
thread = threading.Thread(target=server.run)
thread.start()
while not server.started:
    time.sleep(0.01)
port = server.servers[0].sockets[0].getsockname()[1]
assert httpx.get(f"http://127.0.0.1:{{port}}/carts/42?page=2&access_token=TOPSECRET1").text == "ok"
server.should_exit = True
thread.join()
"""


def _run_uvicorn(run_python: Run, *, configure_first: bool) -> subprocess.CompletedProcess[bytes]:
    configure = "sdk.configure(service='cart')"
    return run_python(
        UVICORN_SERVICE.format(
            configure_first=configure if configure_first else "",
            configure_later="" if configure_first else configure,
        )
    )


def test_uvicorn_lines_follow_the_schema(run_python: Run, validator: jsonschema.Validator) -> None:
    """uvicorn sets up its own handlers when its config is built, after sdk.configure."""
    result = _run_uvicorn(run_python, configure_first=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""  # nothing printed around the SDK
    records = parse_lines(result.stdout, validator)
    loggers = {r["log.logger"] for r in records}
    assert {"uvicorn.error", "uvicorn.access", "httpx"} <= loggers
    (access,) = [r for r in records if r["log.logger"] == "uvicorn.access"]
    assert "GET /carts/42?page=2&access_token=[REDACTED]" in access["message"]
    assert b"TOPSECRET1" not in result.stdout  # neither uvicorn's nor httpx's line leaks it
    assert any("Uvicorn running on" in r["message"] for r in records)


def test_uvicorn_configured_before_the_sdk(
    run_python: Run, validator: jsonschema.Validator
) -> None:
    result = _run_uvicorn(run_python, configure_first=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    records = parse_lines(result.stdout, validator)
    assert any(r["log.logger"] == "uvicorn.access" for r in records)


def test_stdlib_record_fields(capture: Capture) -> None:
    capture.only_sdk_handler()
    logging.getLogger("cart.db").warning(
        "slow query %s took %.1f ms", "SELECT 1", 12.34, extra={"rows": 3, "db.name": "carts"}
    )
    record = capture.one()
    assert record["message"] == "slow query SELECT 1 took 12.3 ms"
    assert record["log.level"] == "warning"
    assert record["log.logger"] == "cart.db"
    assert record["log.origin.file.name"] == "test_stdlib.py"
    assert record["log.origin.function"] == "test_stdlib_record_fields"
    assert isinstance(record["log.origin.file.line"], int)
    assert record["process.thread.name"] == "MainThread"
    assert (record["labels.rows"], record["labels.db_name"]) == (3, "carts")


def test_stdlib_levels_map_to_schema_levels(capture: Capture) -> None:
    capture.only_sdk_handler()
    logger = logging.getLogger("levels")
    logger.setLevel(1)
    for level in (5, logging.DEBUG, logging.INFO, 25, logging.WARNING, logging.ERROR, 45, 60):
        logger.log(level, "at %d", level)
    levels = [r["log.level"] for r in capture.take()]
    assert levels == ["debug", "debug", "info", "info", "warning", "error", "error", "critical"]


def test_stdlib_level_follows_configure(make_capture: Callable[..., Capture]) -> None:
    capture = make_capture(level="warning")
    capture.only_sdk_handler()
    logging.getLogger("lvl").info("dropped")
    logging.getLogger("lvl").warning("kept")
    assert [r["message"] for r in capture.take()] == ["kept"]


def test_python_json_logger_formatter_renders_the_schema(
    capture: Capture, validator: jsonschema.Validator
) -> None:
    """The bridge's formatter also works as a plain formatter on any handler."""
    from sdk.log._configure import shaper
    from sdk.log._stdlib import SchemaFormatter

    record = logging.makeLogRecord(
        {"name": "x", "msg": "hello %s", "args": ("you",), "levelno": logging.INFO}
    )
    text = SchemaFormatter(shaper).format(record)
    (parsed,) = parse_lines(text.encode(), validator)
    assert parsed["message"] == "hello you"


def test_a_record_that_cannot_be_shaped_still_gives_a_valid_line(capture: Capture) -> None:
    capture.only_sdk_handler()
    (handler,) = logging.getLogger().handlers
    record = logging.makeLogRecord({"name": "odd.library", "msg": "no level at all"})
    handler.handle(record)  # levelno is None: there is no level to map
    line = capture.one()
    assert line["message"] == "hopscope could not shape a record: TypeError"
    assert line["log.logger"] == "odd.library"
    assert line["log.level"] == "error"
