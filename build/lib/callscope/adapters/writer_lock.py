"""SQLite's one writer at a time, queued in the kernel rather than in SQLite's busy handler.

A writer that finds the database locked sleeps in SQLite's busy handler, in steps growing to
100 ms however soon the lock is free: under load that made the tail latency, and with two
server processes on one file it halved their throughput. Writers instead take an exclusive
`flock` on a file beside the database first (threads of one process queue on a thread lock in
front of it): a waiter wakes as soon as the holder lets go."""

from __future__ import annotations

import fcntl
import os
import threading


class WriterLock:
    """Re-entrant within a thread; `path` None (an in-memory database) locks threads only."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._threads = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            if self._depth == 0 and self._path is not None:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self) -> int:
        # A forked child must not share its parent's open file: flock belongs to the open file.
        if self._fd is None or self._pid != os.getpid():
            assert self._path is not None
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd
