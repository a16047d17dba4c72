"""NPZ files read without trusting them: never unpickled, and sizes checked before anything is decompressed.

An NPZ is a zip archive of ``.npy`` members. Before reading, the members ``X.npy`` and ``y.npy`` must
declare (in the zip directory) at most :data:`MAX_NPZ_BYTES` uncompressed bytes together, and each
``.npy`` header's shape × item size must fit in the bytes its member declares; the zip reader never
inflates more than a member declares. So a small archive claiming gigabytes (a zip bomb) is refused
from its directory, and a header claiming a huge shape is refused before the array is allocated.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from glassnet.errors import DataError
from glassnet.files.safe_read import open_regular_file

#: the most uncompressed bytes X and y may declare together (1 GiB)
MAX_NPZ_BYTES = 2**30


def _checked_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """Read one ``.npy`` member after checking that its header's shape fits in the bytes it declares."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(member, max_header_size=10_000)
    if dtype.hasobject:
        raise DataError(f"{path}: array {info.filename[:-4]!r} holds Python objects; only numeric or text arrays are read (never unpickled).")
    needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if needed > info.file_size:
        raise DataError(f"{path}: array {info.filename[:-4]!r} declares shape {shape} ({needed} bytes) but stores {info.file_size} bytes.")
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def read_npz_arrays(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Arrays ``X`` and ``y`` of an NPZ file, with the size checks above; any problem is one :class:`DataError`."""
    path = Path(path)
    with open_regular_file(path, DataError) as handle:
        if not zipfile.is_zipfile(handle):
            raise DataError(f"{path}: not an NPZ file (an NPZ is a zip archive of arrays, as written by numpy.savez).")
        try:
            with zipfile.ZipFile(handle) as archive:
                members = {info.filename[:-4]: info for info in archive.infolist() if info.filename.endswith(".npy")}
                missing = [key for key in ("X", "y") if key not in members]
                if missing:
                    found = ", ".join(repr(name) for name in list(members)[:12])
                    raise DataError(f"{path}: missing array {missing[0]!r}; expected arrays 'X' and 'y'. Found: [{found}].")
                declared = members["X"].file_size + members["y"].file_size
                if declared > MAX_NPZ_BYTES:
                    raise DataError(f"{path}: arrays X and y declare {declared} uncompressed bytes; at most {MAX_NPZ_BYTES} are read.")
                return _checked_member(path, archive, members["X"]), _checked_member(path, archive, members["y"])
        except DataError:
            raise
        except (OSError, ValueError, zipfile.BadZipFile, EOFError, NotImplementedError) as error:
            raise DataError(f"{path}: cannot be read as an NPZ file of numeric arrays ({error}).") from None
