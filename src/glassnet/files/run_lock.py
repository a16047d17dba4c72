"""One run per folder: an advisory lock file with the holder's process id.

``with RunLock(folder):`` takes an exclusive ``flock`` on ``folder/.glassnet.lock`` and writes this
process's id into it. A second run on the same folder finds the lock held and stops with a
:class:`~glassnet.errors.ConfigError` naming the holder's pid, instead of deleting the first run's
checkpoints. The operating system drops the lock when its holder dies (even by kill -9), so a lock
file left behind by a dead process is taken over, with a notice naming that process. On leaving, the
file is removed and unlocked (a folder the run created and left empty is removed too). Where ``fcntl``
does not exist (Windows) no lock is taken.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Callable

from glassnet.errors import ConfigError

LOCK_NAME = ".glassnet.lock"


def _holder(text: bytes) -> str:
    """The process id written in a lock file (untrusted: at most 10 digits), or "unknown"."""
    value = text.strip()[:16]
    return value.decode("ascii") if value.isdigit() and len(value) <= 10 else "unknown"


class RunLock:
    """Exclusive use of ``folder`` for the length of a ``with`` block; ``notice`` receives the stale-lock message."""

    def __init__(self, folder: str | Path, notice: Callable[[str], None] = lambda message: None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.notice = notice
        self._descriptor: int | None = None
        self._created_folder = False

    def __enter__(self) -> "RunLock":
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        created = not self.folder.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._created_folder = created
        while True:  # a holder that is leaving unlinks the file: lock the file that is at the path, not an old one
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(os.pread(descriptor, 64, 0))
                os.close(descriptor)
                raise ConfigError(f"{self.folder} is in use by another glassnet run (process {holder}); wait for it to end or use another folder.") from None
            if self._is_current(descriptor):
                break
            os.close(descriptor)
        previous = _holder(os.pread(descriptor, 64, 0)) if os.fstat(descriptor).st_size else None
        if previous is not None:
            self.notice(f"{self.folder}: took over the lock left by process {previous}, which is no longer running.")
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        self._descriptor = descriptor
        return self

    def _is_current(self, descriptor: int) -> bool:
        try:
            return os.path.samestat(os.fstat(descriptor), os.stat(self.path, follow_symlinks=False))
        except FileNotFoundError:
            return False

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        """Remove the lock file (and the folder, if this run created it and left nothing else in it), then unlock."""
        if self._descriptor is None:
            return
        import fcntl

        self.path.unlink(missing_ok=True)
        if self._created_folder and not any(self.folder.iterdir()):
            self.folder.rmdir()
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
        self._descriptor = None
