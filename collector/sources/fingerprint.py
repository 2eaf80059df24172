"""A file's identity: a hash of its head, not its inode.

Inodes are reused as soon as a file is deleted, and a rotated file changes its name; the
first line of a log file (with its timestamp) stays with its content wherever it goes.
"""

from __future__ import annotations

import hashlib
import os
from typing import Final

#: at most this many bytes of the head are hashed (fewer when the first line is shorter)
FINGERPRINT_BYTES: Final = 1024
#: rotated copies of ``app.log`` carry these endings and are read as plain text
COMPRESSED_SUFFIXES: Final = (".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4")


def fingerprint_fd(fd: int, *, allow_partial: bool = False) -> str | None:
    """Hash of the first line (or the first 1 KiB); ``None`` while the file is too short to
    tell (its first line unfinished), unless ``allow_partial`` (a one-shot read)."""
    head = os.pread(fd, FINGERPRINT_BYTES, 0)
    newline = head.find(b"\n")
    if newline >= 0:
        head = head[: newline + 1]
    elif len(head) < FINGERPRINT_BYTES and not (allow_partial and head):
        return None
    return hashlib.blake2b(head, digest_size=10).hexdigest()


def fingerprint_path(path: str) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return fingerprint_fd(fd)
    finally:
        os.close(fd)


def rotated_siblings(path: str) -> list[str]:
    """Files beside ``path`` named like its rotated copies (``app.log.1``, ``app.log-2024``)."""
    directory, base = os.path.split(path)
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return []
    found = []
    for name in names:
        if (
            name != base
            and name.startswith(base)
            and name[len(base) : len(base) + 1] in ".-_"
            and not name.endswith(COMPRESSED_SUFFIXES)
        ):
            found.append(os.path.join(directory, name))
    return sorted(found)


def find_by_fingerprint(path: str, fingerprint: str, min_size: int) -> str | None:
    """A rotated sibling of ``path`` with this head and at least ``min_size`` bytes."""
    for candidate in rotated_siblings(path):
        try:
            size = os.stat(candidate).st_size
        except OSError:
            continue
        if size >= min_size and fingerprint_path(candidate) == fingerprint:
            return candidate
    return None
