"""A port the demo needs is taken: one clear error naming it, before anything starts."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from stack.launch import PortTaken, check_ports, free_port
from stack.launch.ports import port_is_free


@pytest.fixture
def taken() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_check_ports_names_the_busy_port_and_the_way_out(taken: socket.socket) -> None:
    port = taken.getsockname()[1]
    with taken, pytest.raises(PortTaken) as caught:
        check_ports("127.0.0.1", {"cart": port, "sso": free_port()}, {"cart": "--port cart=PORT"})
    message = str(caught.value)
    assert f"port {port} on 127.0.0.1 (cart) is already in use" in message
    assert "--port cart=PORT" in message
    assert "sso" not in message


def test_a_free_port_is_free() -> None:
    assert port_is_free("127.0.0.1", free_port())


def test_demo_refuses_to_start_on_a_taken_port(taken: socket.socket, tmp_path: Path) -> None:
    port = taken.getsockname()[1]
    argv = [
        sys.executable,
        "-m",
        "stack.cli",
        "demo",
        "--no-browser",
        "--duration",
        "1",
        "--state-dir",
        str(tmp_path / "state"),
        "--dashboard-port",
        str(free_port()),
    ]
    for name in ("sso", "notifications", "payment-gateway"):
        argv += ["--port", f"{name}={free_port()}"]
    argv += ["--port", f"cart={port}"]
    with taken:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert f"port {port}" in done.stderr
    assert "(cart) is already in use" in done.stderr
    assert not (tmp_path / "state" / "demo" / "logs" / "sso.log").exists()  # nothing started


def test_demo_rejects_a_bad_port_option(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stack.cli", "demo", "--port", "basket=80"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "SERVICE one of sso, cart, notifications, payment-gateway" in done.stderr
