"""Routing: handlers that frameworks attach to stdout/stderr are dropped, now and after any
later ``dictConfig``, so every record reaches the SDK's handler and is written once."""

from __future__ import annotations

import logging
import logging.config
import sys

from ..conftest import Capture


def test_foreign_std_stream_handlers_are_routed(capture: Capture) -> None:
    capture.only_sdk_handler()
    logger = logging.getLogger("framework.own")
    logger.addHandler(logging.StreamHandler(sys.stderr))
    logger.propagate = False
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
            "loggers": {"framework.dict": {"handlers": ["out"], "propagate": False}},
        }
    )
    assert not logger.handlers  # routed along with the ones dictConfig made
    logger_dict = logging.getLogger("framework.dict")
    assert not logger_dict.handlers
    assert logger_dict.propagate
    logger_dict.info("from dictConfig")
    logger.warning("from its own handler")
    records = capture.take()
    assert [r["message"] for r in records] == ["from dictConfig", "from its own handler"]


def test_dict_config_that_replaces_the_root_handlers_keeps_the_sdk(capture: Capture) -> None:
    capture.only_sdk_handler()
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"err": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
            "root": {"handlers": ["err"], "level": "INFO"},
        }
    )
    handlers = logging.getLogger().handlers
    assert [type(h).__name__ for h in handlers] == ["LineHandler"]
    logging.getLogger("after.dict").info("still a schema line")
    assert capture.one()["message"] == "still a schema line"


def test_handlers_to_other_streams_are_left_alone(capture: Capture) -> None:
    import io

    own = io.StringIO()
    logger = logging.getLogger("keeps.its.file")
    handler = logging.StreamHandler(own)
    logger.addHandler(handler)
    try:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
        assert handler in logger.handlers
    finally:
        logger.removeHandler(handler)
