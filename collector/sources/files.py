"""Files by path or glob, read once (backfill) or followed.

A followed file is tracked across rename-and-create rotation (the old file is drained
before it is let go), copytruncate (the rest of the old content is read from the copy,
found among the rotated siblings by its head fingerprint, also when the file stays empty
after it and the collector was behind or away), truncation and inode reuse
(a file is known by the fingerprint of its head, so a new file on a reused inode is new).
The head is looked at again after each read of a followed file: a copytruncate can land
between the look before the read and the read itself.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Mapping
from typing import BinaryIO

from collector import events
from collector.delivery.checkpoints import Checkpoint, Checkpoints
from collector.sources.base import Chunk, Source
from collector.sources.docker import ContainerFilter, container_name, is_docker_log
from collector.sources.fingerprint import (
    find_by_fingerprint,
    fingerprint_fd,
    fingerprint_path,
    rotated_siblings,
)
from collector.transforms.lines import Line
from collector.transforms.origin import Origin
from collector.transforms.stages import StreamDecoder, default_stages

READ_BYTES = 1024 * 1024


def stream_identity(fingerprint: str, generation: int) -> str:
    """A stream's name in the checkpoints: its head, and how often that head was reused."""
    return fingerprint if generation == 0 else f"{fingerprint}.{generation}"


class FileTail:
    """One open file (one stream identity) and the decoder of its bytes."""

    def __init__(
        self,
        path: str,
        handle: BinaryIO,
        fingerprint: str,
        generation: int,
        start: int,
        decoder: StreamDecoder,
        service: str | None,
    ) -> None:
        self.path = path
        self.handle = handle
        stat = os.fstat(handle.fileno())
        self.key = (stat.st_dev, stat.st_ino)
        self.fingerprint = fingerprint
        self.generation = generation
        self.identity = stream_identity(fingerprint, generation)
        self.decoder = decoder
        self.origin = Origin(self.identity, path, service, resumable=True)
        self.at_eof = False
        self.replaced = False  # truncated and written again under a read: see read()
        self.last_data = time.monotonic()
        handle.seek(start)

    @property
    def position(self) -> int:
        return self.decoder.position

    def read(self, max_bytes: int, *, check_head: bool = False) -> list[Line]:
        """The lines of the next bytes. With ``check_head`` (a followed file, which logrotate
        may copytruncate at any moment), each read is kept only if the file still has this
        stream's head after it: otherwise the bytes may be the next stream's, read at this
        stream's offsets; they are left unread and ``replaced`` is set."""
        lines: list[Line] = []
        remaining = max_bytes
        while remaining > 0:
            data = self.handle.read(min(READ_BYTES, remaining))
            if not data:
                self.at_eof = True
                break
            if check_head and fingerprint_fd(self.handle.fileno()) != self.fingerprint:
                self.replaced = True
                break
            self.at_eof = False
            self.last_data = time.monotonic()
            remaining -= len(data)
            lines.extend(self.decoder.feed(data))
        return lines

    def switch_to(self, path: str) -> None:
        """Go on reading the same stream from another file (its copy, after copytruncate)."""
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - kept open while following
        handle.seek(self.position)
        self.handle.close()
        self.handle = handle
        self.path = path
        self.at_eof = False

    def size(self) -> int:
        try:
            return os.fstat(self.handle.fileno()).st_size
        except OSError:
            return self.position

    def close(self) -> None:
        self.handle.close()


class FileSource(Source):
    def __init__(
        self,
        pattern: str,
        checkpoints: Checkpoints,
        *,
        follow: bool,
        max_line_bytes: int,
        service: str | None = None,
        rescan_seconds: float = 1.0,
        rotate_wait_seconds: float = 2.0,
        docker: bool | None = None,
        docker_labels: Mapping[str, str] | None = None,
    ) -> None:
        self.name = pattern
        self.pattern = pattern
        self.follow = follow
        self.checkpoints = checkpoints
        self.max_line_bytes = max_line_bytes
        self.service = service
        self.rescan_seconds = rescan_seconds
        self.rotate_wait_seconds = rotate_wait_seconds
        self.docker = docker
        self._containers = ContainerFilter(docker_labels or {})
        self._tails: dict[str, FileTail] = {}
        self._draining: list[FileTail] = []
        self._retired: set[str] = set()  # identities whose file was truncated under us
        self._scanned = False
        self._last_scan = 0.0
        self._total = 0
        self._stopping = False
        self._started = time.time()
        self._orphans: list[Chunk] = []  # lines of files let go during a scan
        self._swept_empty: dict[str, tuple[int, int, int]] = {}  # empty files looked around

    # -- Source -------------------------------------------------------------------------
    def poll(self, max_bytes: int) -> list[Chunk]:
        now = time.monotonic()
        if not self._scanned or (
            self.follow and not self._stopping and now - self._last_scan >= self.rescan_seconds
        ):
            self._scan()
            self._scanned, self._last_scan = True, now
        elif self.follow and not self._stopping:
            for path in list(self._tails):
                self._check_rotation(path)  # before reading: never read new content as old
        chunks, self._orphans = self._orphans, []
        tails = [*self._draining, *self._tails.values()]
        share = max(64 * 1024, max_bytes // max(1, len(tails)))
        for tail in tails:
            live = self.follow and self._tails.get(tail.path) is tail
            lines = tail.read(share, check_head=live)
            if tail.replaced:  # its rest is in a copy now, read from the next poll on
                tail.replaced, path = False, tail.path
                self._truncated(path, tail)
                self._open(path)
            elif tail.at_eof:
                lines += self._at_eof(tail, now)
            if lines:
                chunks.append(Chunk(tail.origin, lines))
        return chunks

    def finished(self) -> bool:
        return (
            self._scanned
            and not self._tails
            and not self._draining
            and (not self.follow or self._stopping)
        )

    def drain(self) -> None:
        self._stopping = True

    def lag_bytes(self) -> int:
        return sum(max(0, t.size() - t.position) for t in (*self._draining, *self._tails.values()))

    def total_bytes(self) -> int | None:
        return self._total if self._scanned else None

    def close(self) -> None:
        for tail in (*self._draining, *self._tails.values()):
            tail.close()
        self._draining.clear()
        self._tails.clear()

    # -- end of data --------------------------------------------------------------------
    def _at_eof(self, tail: FileTail, now: float) -> list[Line]:
        draining = tail in self._draining
        if not self.follow:
            return self._let_go(tail)
        if self._stopping:  # a live file may be mid-line: leave that line to the next run
            return self._let_go(tail, unfinished_line=draining)
        if draining and now - tail.last_data >= self.rotate_wait_seconds:
            return self._let_go(tail)
        return tail.decoder.flush_if_idle()

    def _let_go(self, tail: FileTail, unfinished_line: bool = True) -> list[Line]:
        lines = tail.decoder.flush(unfinished_line=unfinished_line)
        tail.close()
        if tail in self._draining:
            self._draining.remove(tail)
        elif self._tails.get(tail.path) is tail:
            del self._tails[tail.path]
        return lines

    # -- discovery and rotation -----------------------------------------------------------
    def _found(self) -> list[str]:
        """The files the pattern names, before the container filter."""
        if glob.has_magic(self.pattern):
            return sorted(p for p in glob.glob(self.pattern) if os.path.isfile(p))
        return [self.pattern] if os.path.isfile(self.pattern) else []

    def _scan(self) -> None:
        found = self._found()
        matches = [p for p in found if not self._is_docker(p) or self._containers(p)]
        if not matches and not self._scanned and not self.follow:
            self._warn_nothing_read(found)
        for path in list(self._tails):
            if path not in matches:
                self._check_rotation(path)
        for path in matches:
            if path in self._tails:
                self._check_rotation(path)
            if path not in self._tails:
                self._open(path)

    def _warn_nothing_read(self, found: list[str]) -> None:
        """A backfill that reads nothing says why: no file, or no wanted container."""
        if not found:
            events.emit("warning", "no file matches", pattern=self.pattern)
            return
        labels = ",".join(f"{k}={v}" for k, v in self._containers.labels.items())
        events.emit(
            "warning",
            "files match, but none of their containers carry the labels",
            pattern=self.pattern,
            files=len(found),
            labels=labels,
        )

    def _check_rotation(self, path: str) -> None:
        tail = self._tails[path]
        try:
            stat = os.stat(path)
        except OSError:
            self._retire(path, tail)  # deleted or renamed away: read what is left
            return
        if (stat.st_dev, stat.st_ino) != tail.key:
            self._retire(path, tail)  # renamed, a new file in its place
        elif stat.st_size < tail.position or self._head_changed(tail):
            self._truncated(path, tail)
            self._open(path)

    def _head_changed(self, tail: FileTail) -> bool:
        """Truncated and written again past where we were: only the head tells."""
        if not self.follow:
            return False
        return fingerprint_fd(tail.handle.fileno()) != tail.fingerprint

    def _retire(self, path: str, tail: FileTail) -> None:
        del self._tails[path]
        self._draining.append(tail)

    def _truncated(self, path: str, tail: FileTail) -> None:
        del self._tails[path]
        self._retired.add(tail.identity)
        copy = find_by_fingerprint(path, tail.fingerprint, tail.position)
        if copy is not None:
            tail.switch_to(copy)
            self.checkpoints.moved(tail.identity, copy)
            self._draining.append(tail)
            events.emit(
                "info", "file truncated; reading the rest from its copy", path=path, copy=copy
            )
        else:
            events.emit(
                "warning",
                "file truncated; no copy of the unread rest found",
                path=path,
                read_to=tail.position,
            )
            lines = tail.decoder.flush()  # its unfinished last line, as far as it got
            tail.close()
            if lines:
                self._orphans.append(Chunk(tail.origin, lines))

    def _active(self) -> set[str]:
        return {t.identity for t in (*self._draining, *self._tails.values())}

    def _open(self, path: str) -> None:
        try:
            handle = open(path, "rb", buffering=0)  # noqa: SIM115 - kept open while following
        except OSError as exc:
            events.emit("warning", "cannot read file", path=path, reason=exc.strerror)
            return
        fingerprint = fingerprint_fd(handle.fileno(), allow_partial=not self.follow)
        if fingerprint is None:
            look = os.fstat(handle.fileno())
            handle.close()  # empty, or its first line unfinished: look again later
            # but emptied by copytruncate, the unread rest is in its copy alone: look there
            # once for each state of the file (an idle empty file costs no sweeps)
            seen = (look.st_ino, look.st_size, look.st_mtime_ns)
            if self._swept_empty.get(path) != seen:
                self._swept_empty[path] = seen
                self._sweep_siblings(path)
            return
        self._swept_empty.pop(path, None)
        size = os.fstat(handle.fileno()).st_size
        known = self.checkpoints.latest(fingerprint)
        if known is None:
            generation, start = 0, 0
        elif known.identity in self._retired or known.offset > size:
            generation, start = known.generation + 1, 0  # truncated: same head, new content
        else:
            generation, start = known.generation, known.offset
        if stream_identity(fingerprint, generation) in self._active():
            handle.close()  # another path to a stream already read (a copy, a link)
            return
        self._tails[path] = self._track(path, handle, fingerprint, generation, start, followed=path)
        self._total += max(0, size - start)
        self._sweep_siblings(path)

    def _sweep_siblings(self, path: str) -> None:
        """Rotated copies of ``path`` holding bytes not read yet: a stream rotated away
        while the collector was down, or rotated again before it was ever opened."""
        active = self._active()
        for sibling in rotated_siblings(path):
            try:
                stat = os.stat(sibling)
            except OSError:
                continue
            fingerprint = fingerprint_path(sibling)
            if fingerprint is None:
                continue
            known = self.checkpoints.latest(fingerprint)
            if known is not None:
                if known.identity in active or known.offset >= stat.st_size:
                    continue
                generation, start = known.generation, known.offset
            elif stat.st_mtime >= self._started - 1 and fingerprint not in active:
                generation, start = 0, 0  # born and rotated away between two looks
            else:
                continue  # older than this run and never read: not this run's to ship
            try:
                handle = open(sibling, "rb", buffering=0)  # noqa: SIM115
            except OSError:
                continue
            tail = self._track(sibling, handle, fingerprint, generation, start, followed=path)
            self._draining.append(tail)
            active.add(tail.identity)
            self._total += max(0, stat.st_size - start)
            events.emit("info", "reading a rotated file", path=sibling, offset=start)

    def _track(
        self,
        path: str,
        handle: BinaryIO,
        fingerprint: str,
        generation: int,
        start: int,
        *,
        followed: str,
    ) -> FileTail:
        """A tail reading ``handle`` from ``start``, its stream registered in the checkpoints.
        What the stream is (Docker or not, whose) comes from the path it was *followed* as:
        a rotated copy's own name (``x-json.log.1``) no longer says."""
        tail = FileTail(
            path,
            handle,
            fingerprint,
            generation,
            start,
            self._decoder(followed, start),
            self._service_for(followed),
        )
        self.checkpoints.register(Checkpoint(tail.identity, fingerprint, generation, path, start))
        return tail

    def _is_docker(self, path: str) -> bool:
        return is_docker_log(path) if self.docker is None else self.docker

    def _decoder(self, path: str, start: int) -> StreamDecoder:
        return StreamDecoder(
            start,
            self.max_line_bytes,
            default_stages(self.max_line_bytes, docker=self._is_docker(path)),
        )

    def _service_for(self, path: str) -> str | None:
        if self._is_docker(path):
            return container_name(path) or self.service
        return self.service
