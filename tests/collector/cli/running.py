"""Running the commands as a person does: a new process, the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

HOPSCOPE = [sys.executable, "-m", "stack.cli"]


def hopscope(
    *args: str, cwd: Path, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*HOPSCOPE, *args], cwd=cwd, input=stdin, capture_output=True, timeout=timeout, check=False
    )


def docs(helpers: Any, db: Path) -> list[dict[str, Any]]:
    rows = helpers.stored_rows(db, "SELECT doc FROM records ORDER BY offset")
    return [orjson.loads(doc) for (doc,) in rows]
