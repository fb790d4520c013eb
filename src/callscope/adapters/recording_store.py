"""The local recordings store: audio files under one directory, named by a hash of the call id
(a call id comes from a platform: it never becomes a path by itself)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


def recordings_dir(database_url: str, configured: str | None) -> Path:
    """CALLSCOPE_RECORDINGS_DIR, or `recordings/` beside the SQLite file (or the current
    directory for PostgreSQL)."""
    if configured:
        return Path(configured)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "recordings"
    return Path("recordings").resolve()


class RecordingFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def incoming(self) -> Path:
        """A fresh temporary file in the store (same file system, so keeping it is a rename)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        os.close(fd)
        return Path(name)

    def keep(self, temporary: Path, call_id: str, suffix: str) -> str:
        """Move a fetched file to its place; returns its path relative to the store."""
        digest = hashlib.sha256(call_id.encode()).hexdigest()
        relative = f"{digest[:2]}/{digest[:32]}{suffix}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)
        return relative

    def keep_beside(self, temporary: Path, original: str, label: str, suffix: str) -> str:
        """Move a file made from the stored `original` next to it, named `<original>.<label>`."""
        relative = f"{original.rsplit('.', 1)[0]}.{label}{suffix}"
        os.replace(temporary, self.path(relative))
        return relative

    def path(self, relative: str) -> Path:
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise ValueError("recording path outside the store")
        return resolved

    def delete(self, relatives: list[str]) -> int:
        """Delete these files; returns how many existed."""
        deleted = 0
        for relative in relatives:
            try:
                self.path(relative).unlink()
                deleted += 1
            except FileNotFoundError:
                pass
        return deleted

    def discard(self, temporary: Path) -> None:
        temporary.unlink(missing_ok=True)
