"""Atomic file writes: a crash leaves either the old file or the new one, never a mix.

Every file glassnet writes (model files, checkpoints, run reports) goes through here: the bytes go to a
temporary file in the same folder, are flushed and fsync'ed, then moved over the target with
``os.replace`` (atomic on POSIX and Windows), and the folder is fsync'ed so the new name survives a power cut.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

#: the name of a temporary file :func:`write_bytes_atomic` makes: ``.<target name>.<random>.tmp``
_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one, never a mix.

    The bytes go to a temporary file in the same folder, which is flushed and fsync'ed, then moved over
    ``path`` with ``os.replace`` (atomic on POSIX and Windows), and the folder itself is fsync'ed so the
    new name survives a power cut.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(folder)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> None:
    """:func:`write_bytes_atomic` for UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"))


def fsync_folder(folder: str | Path) -> None:
    """Flush a folder's entries (new and removed names) to disk; a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(descriptor)



def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Delete the temporary files a killed :func:`write_bytes_atomic` left in ``folder``; return their paths.

    Only call this while no other process writes into ``folder`` (e.g. holding its
    :class:`~glassnet.files.run_lock.RunLock`): a live writer's temporary file looks the same.
    """
    folder = Path(folder)
    stale = [path for path in folder.iterdir() if _TEMPORARY.match(path.name) and path.is_file()] if folder.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
