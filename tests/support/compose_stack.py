"""docker-compose.yml as the containers see it, without a Docker engine, for the tests of
``tests/stack``: the resolved file (``docker-compose config``), a service's command as the
container runs it, and the sockets a process listens on (read from ``/proc``).
"""

from __future__ import annotations

import functools
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PROJECT_IMAGE = "hopscope:local"


@functools.cache
def resolved_config() -> dict[str, Any]:
    """``docker-compose config``: the file parsed, validated and interpolated, as Compose
    hands it to the engine (the Debian package needs no engine for this)."""
    return compose_config()


def compose_config(env_file: Path | None = None) -> dict[str, Any]:
    """The resolved file, with the variables of *env_file* instead of ``.env``'s."""
    tool = shutil.which("docker-compose")
    if tool is None:
        raise AssertionError("docker-compose is not installed (.ci/run installs Debian's)")
    options = ["--env-file", str(env_file)] if env_file else []
    done = subprocess.run(
        [tool, "--file", str(COMPOSE), "--project-directory", str(ROOT), *options, "config"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    resolved: dict[str, Any] = yaml.safe_load(done.stdout)
    return resolved


def services(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = config["services"]
    return found


def container_argv(command: list[str]) -> list[str]:
    """The command as the container runs it (``$$`` is Compose's escape for ``$``), with
    ``sh -c "exec X ..."`` unwrapped to ``X ...``."""
    command = [word.replace("$$", "$") for word in command]
    if command[:2] == ["sh", "-c"]:
        words = shlex.split(command[2])
        return words[1:] if words[0] == "exec" else words
    return command


def listening_addresses(pid: int, port: int) -> set[str]:
    """The local addresses process *pid* listens on at TCP *port* (``0.0.0.0``, ``::``,
    ``127.0.0.1``...), from ``/proc/net/tcp{,6}`` and the process's own sockets."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            address, _, hex_port = local.partition(":")
            if state != "0A" or int(hex_port, 16) != port or inode not in inodes:
                continue
            assert len(address) == width
            found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    import ipaddress

    raw = bytes.fromhex(hex_address)
    # /proc writes each 32-bit word in host (little-endian) order
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


ENV_FILE = ROOT / ".env"
DOCKERIGNORE = ROOT / "stack" / "docker" / "Dockerfile.dockerignore"


def stack_secrets() -> dict[str, str]:
    """The credentials of the compose stack (``.env``), as Compose reads them: ``NAME=value``
    lines, a value in single or double quotes taken without them."""
    secrets = {}
    for line in ENV_FILE.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f".env: {line!r} is not NAME=value"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        secrets[name.strip()] = value
    return secrets


def unescape(value: str) -> str:
    """A value of the resolved file as the container gets it (``$$`` is a ``$``)."""
    return value.replace("$$", "$")


def _dockerignore_rule(pattern: str) -> tuple[bool, re.Pattern[str]]:
    """One line of a .dockerignore as Docker reads it: ``!`` re-includes, ``*`` and ``?``
    stay within a path segment, ``**`` spans any number of them."""
    negate = pattern.startswith("!")
    pattern = pattern.removeprefix("!").strip().strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return negate, re.compile(out)


def build_context(paths: list[str] | None = None, ignore: Path = DOCKERIGNORE) -> list[str]:
    """Which of *paths* (default: the files of this checkout) ``docker build`` sends with
    the ignore file: the last rule that matches a path, or one of its directories, decides."""
    rules = [
        _dockerignore_rule(line)
        for line in ignore.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if paths is None:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout.splitlines()
        paths = [path for path in listed if (ROOT / path).is_file()]
    sent = []
    for path in paths:
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for negate, rule in rules:
            if any(rule.fullmatch(prefix) for prefix in prefixes):
                excluded = not negate
        if not excluded:
            sent.append(path)
    return sent
