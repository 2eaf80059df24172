"""The compose stack's dashboard command, run here as its container runs it: it must
listen on every interface of the container, or the published port reaches nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from compose_stack import (
    container_argv,
    listening_addresses,
    resolved_config,
    services,
    stack_secrets,
)

from stack.launch.ports import free_port

#: what "every interface" looks like in /proc: IPv4 only, or both families
ALL_INTERFACES = ({"0.0.0.0"}, {"::"}, {"0.0.0.0", "::"})


def _dashboard_argv(port: int) -> tuple[list[str], dict[str, str]]:
    service = services(resolved_config())["dashboard"]
    argv = container_argv(service["command"])
    assert argv[:2] == ["hopscope", "dashboard"], argv
    argv[argv.index("--port") + 1] = str(port)  # the container's 8501 may be taken here
    env = {**os.environ, **{k: str(v) for k, v in service.get("environment", {}).items()}}
    return [sys.executable, "-m", "stack.cli", *argv[1:]], env


@pytest.mark.slow
def test_the_dashboard_container_listens_on_every_interface() -> None:
    port = free_port()
    argv, env = _dashboard_argv(port)
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        bound: set[str] = set()
        while not bound:
            if process.poll() is not None:
                assert process.stderr is not None
                raise AssertionError(f"the dashboard exited: {process.stderr.read()!r}")
            assert time.monotonic() < deadline, "the dashboard never listened"
            time.sleep(0.3)
            bound = listening_addresses(process.pid, port)
        assert bound in ALL_INTERFACES, f"listens on {bound} only"
        # its login comes from the environment: nothing of it in the process's arguments
        arguments = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert stack_secrets()["ELASTIC_PASSWORD"] not in arguments
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
