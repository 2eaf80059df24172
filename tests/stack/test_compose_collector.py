"""The compose stack's collector command, run here on a copy of Docker's log directory:
it ships the logs of this stack's containers and leaves every other container alone."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
from compose_stack import container_argv, resolved_config, services

DOCKER_CONTAINERS = "/var/lib/docker/containers"


def _container(root: Path, cid: str, name: str, labels: dict[str, str], message: str) -> None:
    """A container as Docker keeps it: its config and its json-file log, one record."""
    directory = root / cid
    directory.mkdir(parents=True)
    config = {"ID": cid, "Name": f"/{name}", "Config": {"Labels": labels}}
    (directory / "config.v2.json").write_bytes(orjson.dumps(config))
    line = orjson.dumps(
        {
            "@timestamp": "2026-11-25T12:00:00.000000Z",
            "log.level": "info",
            "message": message,
            "service.name": name,
            "hopscope.schema_version": "1",
        }
    ).decode()
    entry = {"log": line + "\n", "stream": "stdout", "time": "2026-11-25T12:00:00.0Z"}
    (directory / f"{cid}-json.log").write_bytes(orjson.dumps(entry) + b"\n")


def _collector_argv(root: Path, store: Path, state: Path) -> list[str]:
    """The compose collector's command, re-rooted on *root*, into one SQLite sink, once."""
    argv = container_argv(services(resolved_config())["collector"]["command"])
    assert argv[:2] == ["hopscope", "collect"], argv
    out: list[str] = []
    words = iter(argv[2:])
    for word in words:
        if word in ("--follow", "-f"):
            continue
        if word == "--sink":
            next(words)
            continue
        if word == "--state-dir":
            next(words)
            word = f"--state-dir={state}"
        out.append(word.replace(DOCKER_CONTAINERS, str(root)))
    return [sys.executable, "-m", "stack.cli", "collect", *out, "--sink", f"sqlite:///{store}"]


def test_the_collector_ships_this_stacks_containers_only(tmp_path: Path) -> None:
    compose = services(resolved_config())
    label = compose["cart"].get("labels", {})
    root = tmp_path / "containers"
    _container(root, "a" * 64, "hopscope-cart-1", label, "from this stack")
    _container(root, "b" * 64, "postgres", {}, "another container on the host")
    other_stack = {key: f"{value}-copy" for key, value in label.items()}
    _container(root, "c" * 64, "copy-cart-1", other_stack, "another copy of the stack")
    store = tmp_path / "records.db"
    done = subprocess.run(
        _collector_argv(root, store, tmp_path / "state"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(store) as db:
        shipped = db.execute("SELECT service, message FROM records").fetchall()
    assert shipped == [("hopscope-cart-1", "from this stack")]
