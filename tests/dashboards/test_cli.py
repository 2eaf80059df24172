"""``hopscope trace`` and ``hopscope dashboard`` through the real console-script front."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from dashboards.cli import dashboard_command, listen_host
from dashboards.trace_view import render
from sdk.chain import build_tree
from stack.cli import main
from stack.launch.ports import free_port, wait_listening
from tests.dashboards.conftest import TraceBuilder, write_sqlite

TRACE = "5e" * 16


def checkout(t: TraceBuilder) -> None:
    root = t.server("gateway", "/checkout", 0, 100, method="POST")
    t.log("gateway", root, 1, "[bold]checkout[/bold] started")
    call = t.client(
        "gateway", "payments", 10, 90, parent=root, path="/pay", method="POST", status=502
    )
    t.server(
        "payments",
        "/pay",
        20,
        80,
        parent=call,
        method="POST",
        status=502,
        error_type="payments.Declined",
        error_message="card declined",
    )


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    t = TraceBuilder(TRACE)
    checkout(t)
    path = tmp_path / "hopscope.db"
    write_sqlite(path, t.records)
    return f"sqlite:///{path}"


def test_trace_prints_an_indented_tree(store_url: str, capsys: Any) -> None:
    assert main(["trace", TRACE, "--store", store_url, "--logs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"trace {TRACE}  gateway /checkout  2026-11-25T12:00:00.000000Z")
    assert "3 hops  ERROR  path: gateway > payments" in lines[0]
    assert lines[1:] == [
        "* server  gateway  POST /checkout  200  100.0 ms",
        "      | info [bold]checkout[/bold] started",
        "*   client  gateway -> payments  POST /pay  502  80.0 ms  gap 20.0 ms  ERROR ",
        "*     server  payments  POST /pay  502  60.0 ms  ERROR payments.Declined: card declined",
        "first failure: server  payments  POST /pay  502  60.0 ms  ERROR payments.Declined: "
        "card declined",
    ]


def test_trace_json_is_nested(store_url: str, capsys: Any) -> None:
    assert main(["trace", TRACE, "--store", store_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (root,) = out["roots"]
    required = {
        "service",
        "operation",
        "kind",
        "span_id",
        "parent_id",
        "start",
        "duration_ms",
        "status_code",
        "error",
        "children",
    }
    assert required <= set(root)
    assert (root["service"], root["kind"], root["duration_ms"], root["error"]) == (
        "gateway",
        "server",
        100.0,
        False,
    )
    (client,) = root["children"]
    (server,) = client["children"]
    assert (client["kind"], client["gap_ms"], server["service"], server["error"]) == (
        "client",
        20.0,
        "payments",
        True,
    )
    assert server["parent_id"] == client["span_id"]
    assert out["summary"]["signature"] == "gateway > payments"
    assert out["first_failure"] == server["span_id"]


def test_trace_errors_are_clear(store_url: str, tmp_path: Path, capsys: Any) -> None:
    assert main(["trace", "nothex", "--store", store_url]) == 2
    assert "not a trace id" in capsys.readouterr().err
    assert main(["trace", "ff" * 16, "--store", store_url]) == 1
    assert "no records of trace" in capsys.readouterr().err
    assert main(["trace", TRACE, "--store", f"sqlite:///{tmp_path}/none.db"]) == 2
    assert "no hopscope store" in capsys.readouterr().err


def test_rich_rendering_keeps_log_text_literal() -> None:
    t = TraceBuilder(TRACE)
    checkout(t)
    out = io.StringIO()
    render(build_tree(t.records), out, logs=True, color=True)
    text = out.getvalue()
    assert "gateway -> payments" in text
    assert "[bold]checkout[/bold] started" in text  # shown, not interpreted
    assert "first failure" in text


def test_dashboard_runs_streamlit_with_the_store_in_the_environment() -> None:
    command, env = dashboard_command("sqlite:///x.db", 8600, browser=False)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4].endswith("dashboards/app.py")
    assert command[command.index("--server.port") + 1] == "8600"
    assert command[command.index("--server.headless") + 1] == "true"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert env["HOPSCOPE_STORE"] == "sqlite:///x.db"
    shared, _ = dashboard_command("sqlite:///x.db", 8600, browser=False, host="0.0.0.0")
    assert shared[shared.index("--server.address") + 1] == "0.0.0.0"


@pytest.mark.slow
def test_dashboard_server_stops_with_the_command(store_url: str) -> None:
    """SIGTERM to ``hopscope dashboard`` (a service manager's stop, or the demo's when SIGINT
    is ignored) stops the Streamlit server itself, leaving nothing on the port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stack.cli",
            "dashboard",
            "--store",
            store_url,
            "--port",
            str(port),
            "--no-browser",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not wait_listening("127.0.0.1", port):
            assert process.poll() is None, "the dashboard exited before listening"
            assert time.monotonic() < deadline, "the dashboard never listened"
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)  # to the command's own pid, not its group
        process.wait(timeout=30)
        assert not wait_listening("127.0.0.1", port)
    finally:
        if process.poll() is None:
            process.kill()


def test_dashboard_host_is_the_option_else_streamlits_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STREAMLIT_SERVER_ADDRESS", raising=False)
    assert listen_host(None) == "127.0.0.1"
    monkeypatch.setenv("STREAMLIT_SERVER_ADDRESS", "0.0.0.0")
    assert listen_host(None) == "0.0.0.0"
    assert listen_host("127.0.0.1") == "127.0.0.1"  # the option wins, as in Streamlit
