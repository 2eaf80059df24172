"""Running the test services as real processes on loopback, each with its own stdout file.

The listening socket is bound (port 0) and opened here, then handed to the server process,
so there is no window in which another process could take the port, and a request sent
before the server is ready just waits in the backlog.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
Record = dict[str, Any]


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def clean_environ(extra: Mapping[str, str]) -> dict[str, str]:
    prefixes = ("HOPSCOPE_", "SERVICE_", "SSO_", "SENTRY_", "OTEL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update({"PYTHONUNBUFFERED": "1", **extra})
    return env


class Service:
    """One server process; ``lines()`` reads what it wrote to stdout so far."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        self.sock = listening_socket()
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, argv: list[str], env: Mapping[str, str]) -> Service:
        fd = self.sock.fileno()
        argv = [a.replace("{fd}", str(fd)) for a in argv]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=err,
                env=clean_environ({"HOPSCOPE_SERVICE": self.name, **env}),
                cwd=HERE,
                pass_fds=(fd,),
            )
        return self

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.stderr_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready:\n{self.stderr_path.read_text()}")
            time.sleep(0.1)

    def output(self) -> bytes:
        return self.stdout_path.read_bytes() + self.stderr_path.read_bytes()

    def lines(self) -> list[Record]:
        """Complete lines only: the service may be halfway through writing the last one."""
        written = self.stdout_path.read_bytes()
        complete = written[: written.rfind(b"\n") + 1]
        return [json.loads(line) for line in complete.splitlines()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.sock.close()


def uvicorn_argv(module: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", f"{module}:app", "--fd", "{fd}"]


def werkzeug_argv(script: str) -> list[str]:
    return [sys.executable, script, "{fd}"]


def start_all(services: Iterable[Service]) -> None:
    for service in services:
        service.wait_ready()


def hops(records: Iterable[Record], kind: str) -> list[Record]:
    return [r for r in records if r.get("hopscope.hop.kind") == kind]


def poll(predicate: Any, timeout: float = 60.0) -> Any:
    """Wait until ``predicate()`` returns something truthy (lines reach files a bit later)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


CLIENT_ID = "checkout-b"
CLIENT_SECRET = "b-client-secret-5f1d2c"  # must never show in any output


class Chain:
    """sso, a, b, c started together; ``b_flask`` serves b with Flask instead of FastAPI."""

    def __init__(self, workdir: Path, *, b_flask: bool = False, sso_delay: float = 0.0) -> None:
        self.sso, self.a, self.b, self.c = (
            Service(name, workdir) for name in ("sso", "a", "b", "c")
        )
        sso_env = {
            "SSO_EXPECT_ID": CLIENT_ID,
            "SSO_EXPECT_SECRET": CLIENT_SECRET,
            "SSO_DELAY": str(sso_delay),
        }
        # generous timeouts: on a busy CI machine a hop may wait long for a core
        client_env = {
            "SSO_TIMEOUT": "60",
            "SSO_TOKEN_URL": f"{self.sso.url}/token",
            "SSO_CLIENT_ID": CLIENT_ID,
            "SSO_CLIENT_SECRET": CLIENT_SECRET,
        }
        self.services = (self.sso, self.a, self.b, self.c)
        try:
            self.sso.start(uvicorn_argv("sso_app"), sso_env)
            self.c.start(uvicorn_argv("chain_app"), {"CHAIN_ROLE": "c"})
            b_env = {
                "CHAIN_ROLE": "b",
                "SERVICE_C_URL": self.c.url,
                "SERVICE_C_TIMEOUT": "60",
                **client_env,
            }
            self.b.start(
                werkzeug_argv("flask_b.py") if b_flask else uvicorn_argv("chain_app"), b_env
            )
            self.a.start(
                uvicorn_argv("chain_app"), {"CHAIN_ROLE": "a", "SERVICE_B_URL": self.b.url}
            )
            start_all(self.services)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for service in self.services:
            service.stop()

    def records(self) -> dict[str, list[Record]]:
        return {s.name: s.lines() for s in self.services}

    def output(self) -> bytes:
        return b"".join(s.output() for s in self.services)

    def issued_tokens(self) -> list[str]:
        tokens: list[str] = httpx.get(f"{self.sso.url}/issued").json()["access_tokens"]
        return tokens
