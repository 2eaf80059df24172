"""Bootstrap for a fresh machine that has only ``python3``.

Standard library only: this module runs before any dependency is installed. It creates
``.venv`` beside the checkout, installs the pinned lock file into it (again only when the
lock changed), and re-runs the requested command with the environment's interpreter.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
LOCK: Final = ROOT / "requirements.lock"
UV_VERSION: Final = "0.13.9"  # the installer for the lock; fast, and checks every hash
USAGE: Final = """usage: python3 -m stack COMMAND [ARGS...]

  demo [ARGS]   run the demo services, collector and dashboard (see: demo --help)
  test [ARGS]   run the whole test suite: ruff, ruff format, mypy --strict, pytest
                (ARGS go to pytest; --fast: in parallel, without the slow and browser tests)
  hopscope ...  any other hopscope command, inside the project environment
"""


def venv_dir() -> Path:
    return Path(os.environ.get("HOPSCOPE_VENV", ROOT / ".venv"))


def venv_python() -> Path:
    return venv_dir() / "bin" / "python"


def _say(text: str) -> None:
    print(f"[hopscope] {text}", file=sys.stderr, flush=True)


def _lock_digest() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment() -> Path:
    """Create or refresh the virtual environment; return its interpreter."""
    python = venv_python()
    stamp = venv_dir() / ".hopscope-lock"
    wanted = _lock_digest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        _say(f"creating the project environment in {venv_dir()}")
        subprocess.run([sys.executable, "-m", "venv", str(venv_dir())], check=True)
    _say("installing pinned dependencies from requirements.lock (first run takes a minute)")
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"uv=={UV_VERSION}"], check=True)
    uv = [str(python), "-m", "uv", "pip", "install", "--quiet", "--python", str(python)]
    # Compiled now, once: uv leaves it to the first import, which cannot write it where
    # PYTHONDONTWRITEBYTECODE is set, so every process would compile its imports again.
    subprocess.run([*uv, "--require-hashes", "--compile-bytecode", "-r", str(LOCK)], check=True)
    subprocess.run([*uv, "--no-deps", "-e", str(ROOT)], check=True)
    stamp.write_text(wanted)
    return python


#: Debian packages the tests drive: the browser for the dashboard test, and
#: ``docker-compose config`` to validate the compose file without an engine.
TEST_PACKAGES: Final = {"chromium": "chromium", "docker-compose": "docker-compose"}


def ensure_test_packages() -> None:
    """Install the Debian packages the tests need when we may (root with apt-get)."""
    missing = [pkg for command, pkg in TEST_PACKAGES.items() if not shutil.which(command)]
    if not missing or os.environ.get("HOPSCOPE_NO_APT"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        _say(f"not found and apt-get not usable: {', '.join(missing)} (their tests will say so)")
        return
    _say(f"installing Debian packages for the tests: {', '.join(missing)} (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = {"stdout": subprocess.DEVNULL, "env": env}
    subprocess.run(["apt-get", "update", "-q"], check=False, **quiet)  # type: ignore[call-overload]
    subprocess.run(  # type: ignore[call-overload]
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
        check=False,
        **quiet,
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    os.chdir(ROOT)
    python = ensure_environment()
    if command == "test":
        ensure_test_packages()
        run = [str(python), "-m", "stack.checks", *rest]
    elif command == "hopscope":
        run = [str(python), "-m", "stack.cli", *rest]
    else:
        run = [str(python), "-m", "stack.cli", command, *rest]
    os.execv(run[0], run)
    return 0  # not reached: execv replaces this process
