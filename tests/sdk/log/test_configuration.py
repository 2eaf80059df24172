"""``sdk.configure`` and ``sdk.get_logger``: idempotent, environment-driven, levels that
follow later configuration, structlog's API intact."""

from __future__ import annotations

import io
import logging
import subprocess
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import structlog

import sdk
from sdk.log._config import ENVIRONMENT, ConfigError, config_from
from sdk.log._stdlib import LineHandler

from ..conftest import Capture, parse_lines

Run = Callable[..., subprocess.CompletedProcess[bytes]]


def test_configure_is_idempotent() -> None:
    stream = io.BytesIO()
    first = sdk.configure(service="cart", version="1", stream=stream)
    log = sdk.get_logger("idem")
    second = sdk.configure(service="cart", version="1", stream=stream)
    assert first == second
    log.info("once")
    assert stream.getvalue().count(b"\n") == 1


def test_configure_again_puts_back_a_removed_root_handler(
    validator: jsonschema.Validator,
) -> None:
    stream = io.BytesIO()
    sdk.configure(service="cart", version="1", stream=stream)
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, LineHandler)]
    sdk.configure(service="cart", version="1", stream=stream)
    sdk.configure(service="cart", version="1", stream=stream)  # and only once
    logging.getLogger("legacy").warning("through the stdlib")
    (line,) = parse_lines(stream.getvalue(), validator)
    assert line["message"] == "through the stdlib"
    assert line["log.logger"] == "legacy"


def test_everything_can_come_from_the_environment(
    run_python: Run, validator: jsonschema.Validator
) -> None:
    env = {
        "HOPSCOPE_SERVICE": "payments",
        "HOPSCOPE_SERVICE_VERSION": "2.0.1",
        "HOPSCOPE_ENVIRONMENT": "staging",
        "HOPSCOPE_NODE": "pod-7",
        "HOPSCOPE_LOG_LEVEL": "WARNING",
        "HOPSCOPE_MAX_STRING": "32",
        "HOPSCOPE_REDACT_KEYS": "iban",
    }
    result = run_python(
        "import sdk\n"
        "log = sdk.get_logger('env')\n"  # no configure() call at all
        "log.info('dropped')\n"
        "log.warning('kept', iban='DE00', note='n' * 40)\n",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    (record,) = parse_lines(result.stdout, validator)
    assert record["service.name"] == "payments"
    assert record["service.version"] == "2.0.1"
    assert record["service.environment"] == "staging"
    assert record["service.node.name"] == "pod-7"
    assert record["labels.iban"] == "[REDACTED]"
    assert record["labels.note"] == "n" * 32 + "…[truncated 8 chars]"


def test_otel_service_name_is_a_fallback() -> None:
    assert config_from({}, {"OTEL_SERVICE_NAME": "from-otel"}).service == "from-otel"
    both = {"OTEL_SERVICE_NAME": "from-otel", "HOPSCOPE_SERVICE": "ours"}
    assert config_from({}, both).service == "ours"
    assert config_from({"service": "arg"}, both).service == "arg"


@pytest.mark.parametrize(
    ("overrides", "environ", "message"),
    [
        ({"level": "loud"}, {}, "log level 'loud' is not one of"),
        ({}, {"HOPSCOPE_MAX_STRING": "lots"}, "HOPSCOPE_MAX_STRING='lots' is not a whole number"),
        ({"max_body": 3}, {}, "max_body must be at least 16"),
        ({"service": ""}, {"HOPSCOPE_SERVICE": ""}, "service name is empty"),
    ],
)
def test_bad_settings_are_named(
    overrides: dict[str, object], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        config_from(overrides, environ)


def test_every_variable_is_documented_in_configure() -> None:
    for variable in ENVIRONMENT:
        assert variable in (sdk.configure.__doc__ or "")


def test_level_set_later_applies_to_existing_loggers(make_capture: Callable[..., Capture]) -> None:
    log = sdk.get_logger("levels")
    capture = make_capture(level="warning")
    log.info("dropped")
    log.warning("kept")
    capture = make_capture(level="debug")
    log.debug("now kept")
    assert [r["message"] for r in capture.take()] == ["now kept"]


def test_structlog_api_is_intact(capture: Capture) -> None:
    log = sdk.get_logger("api", component="checkout")
    assert log.is_enabled_for(10)
    log = log.bind(user="ann").unbind("component").new(order=1)
    log.log(30, "via log()", step=2)
    log.msg("via msg()")
    log.fatal("via fatal()")
    log.warn("via warn()")
    log.try_unbind("missing").error("via error()")
    records = capture.take()
    assert [r["log.level"] for r in records] == ["warning", "info", "critical", "warning", "error"]
    assert all(r["labels.order"] == 1 and "labels.user" not in r for r in records)
    assert records[0]["labels.step"] == 2
    assert "log.logger" not in records[0]  # new() dropped the bound name with the rest


async def test_async_methods(info_capture: Capture) -> None:
    log = sdk.get_logger("async")
    with sdk.bound(request_id="r-async"):
        await log.ainfo("async info", n=1)
    await log.adebug("dropped at info")
    try:
        raise ValueError("async boom")
    except ValueError:
        await log.aexception("async exception")
    await log.awarning("bad %d format", "x")
    await log.alog("warning", "by name")
    info, error, bad, by_name = info_capture.take()
    assert (info["message"], info["labels.n"], info["log.logger"]) == ("async info", 1, "async")
    assert info["labels.request_id"] == "r-async"
    assert error["error.type"] == "ValueError"
    assert bad["message"] == "bad %d format % ('x',) (bad format arguments)"
    assert (by_name["message"], by_name["log.level"]) == ("by name", "warning")


def test_structlog_get_logger_also_writes_the_schema(capture: Capture) -> None:
    structlog.get_logger().info("plain structlog", k="v")
    assert capture.one()["labels.k"] == "v"


def test_forked_workers_write_their_own_pid(
    run_python: Run, validator: jsonschema.Validator
) -> None:
    result = run_python(
        "import os, sdk\n"
        "log = sdk.get_logger('fork')\n"
        "log.info('parent')\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    log.info('child')\n"
        "    os._exit(0)\n"
        "os.waitpid(child, 0)\n"
        "import sys; sys.stderr.write(f'{os.getpid()} {child}')\n"
    )
    assert result.returncode == 0, result.stderr
    parent_pid, child_pid = map(int, result.stderr.split())
    parent, child = parse_lines(result.stdout, validator)
    assert (parent["message"], parent["process.pid"]) == ("parent", parent_pid)
    assert (child["message"], child["process.pid"]) == ("child", child_pid)


@pytest.mark.parametrize(
    ("overrides", "environ", "message"),
    [
        ({}, {"SENTRY_DSN": "https://public-key@sentry.example/abc"}, "SENTRY_DSN is not a Sentry"),
        ({}, {"SENTRY_DSN": "pasted-key-0123"}, "SENTRY_DSN is not a Sentry DSN (not a URL)"),
        ({"sentry_dsn": "ftp://k:dsn-secret@h/1"}, {}, "sentry_dsn is not a Sentry DSN"),
        ({"max_string": "lots"}, {}, "max_string must be a whole number, got 'lots'"),
        ({"max_body": 4.5}, {}, "max_body must be a whole number"),
        ({"service": b"cart"}, {}, "service must be a string, got bytes"),
        ({"version": ["1"]}, {}, "version must be a string, got list"),
    ],
)
def test_more_bad_settings_are_named_and_show_no_secret(
    overrides: dict[str, object], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        config_from(overrides, environ)
    for secret in ("public-key", "pasted-key", "dsn-secret"):
        assert secret not in str(err.value)


def test_numbers_given_as_text_settings_become_text() -> None:
    config = config_from({"version": 2, "service": 7, "max_string": "4096"}, {})
    assert (config.version, config.service, config.max_string) == ("2", "7", 4096)


def test_a_malformed_dsn_stops_configure_before_logging_is_set_up(
    run_python: Callable[..., Any],
) -> None:
    script = """
import logging, sdk
try:
    sdk.configure(service='cart')
except sdk.ConfigError as exc:
    print('refused:', exc)
print('handlers:', len(logging.getLogger().handlers))
"""
    result = run_python(script, env={"SENTRY_DSN": "https://key@sentry.example/not-a-project"})
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "refused: SENTRY_DSN is not a Sentry DSN" in out
    assert "handlers: 0" in out
    assert "key@" not in out
