"""Reading a file named by a user without trusting what the name points to.

A path can be a symlink to ``/dev/zero`` or ``/dev/urandom`` (endless bytes) or a FIFO (a read that
never returns). :func:`open_regular_file` opens the path without blocking (``O_NONBLOCK``), then
refuses anything that ``fstat`` does not report as a regular file, so the checks apply to the file
actually opened, not to a name that may change in between. :func:`read_regular_file` then reads at
most the size ``fstat`` reported (or a smaller limit), so memory is bounded by the file on disk.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Callable

from glassnet.errors import GlassnetError

ErrorType = Callable[[str], GlassnetError]


def open_regular_file(path: str | Path, error: ErrorType, mode: str = "rb", encoding: str | None = None, newline: str | None = None) -> IO:
    """Open ``path`` for reading if it is a regular file (after following symlinks); else raise ``error(message)``.

    The descriptor is opened with ``O_NONBLOCK`` (a FIFO does not block the open) and checked with
    ``fstat``; blocking mode is restored for a regular file.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a file.") from None
    except OSError as problem:
        raise error(f"{path}: cannot be read ({problem.strerror or problem}).") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or other special file"
            raise error(f"{path}: is {kind}, not a regular file; refusing to read it.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, mode, encoding=encoding, newline=newline)
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_file(path: str | Path, error: ErrorType, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, refusing a file larger than ``limit`` bytes before reading it."""
    with open_regular_file(path, error) as handle:
        size = os.fstat(handle.fileno()).st_size
        if limit is not None and size > limit:
            raise error(f"{path}: is {size} bytes; at most {limit} bytes are read from such a file.")
        try:
            data = handle.read(size)
        except OSError as problem:
            raise error(f"{path}: cannot be read ({problem.strerror or problem}).") from None
    return data
