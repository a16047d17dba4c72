"""The checksummed container: a safetensors file whose JSON metadata fields and tensors are covered by SHA-256.

Model files, estimator files and checkpoints are all containers of a different ``format``. The
checksum covers the format version, the named metadata strings and, for each tensor (sorted by name),
its name, dtype, shape and bytes, each length-prefixed so no two different files hash the same input.
Anything malformed raises :class:`~glassnet.errors.ModelFileError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Mapping

import numpy as np

from glassnet._version import __version__
from glassnet.errors import ModelFileError
from glassnet.files.atomic import write_bytes_atomic
from glassnet.files.safe_read import open_regular_file
from glassnet.files.schema import parse_json

FORMAT_VERSION = "1"
#: a safetensors header larger than this is refused before it is parsed
MAX_HEADER_BYTES = 16 * 1024 * 1024


def checksum(fields: Mapping[str, str], tensors: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) over the given metadata strings (in the given order) and every tensor, sorted by name."""
    digest = hashlib.sha256()

    def feed(chunk: bytes) -> None:
        digest.update(struct.pack("<Q", len(chunk)))
        digest.update(chunk)

    for key, value in fields.items():
        feed(key.encode("utf-8"))
        feed(value.encode("utf-8"))
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        feed(name.encode("utf-8"))
        feed(array.dtype.str.encode("ascii"))
        feed(json.dumps(list(array.shape)).encode("ascii"))
        feed(array.tobytes())
    return digest.hexdigest()


def pack(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bytes:
    """The safetensors bytes of ``tensors`` (little-endian, C order) with string ``metadata``."""
    from safetensors.numpy import save

    return save({name: np.ascontiguousarray(value) for name, value in tensors.items()}, metadata=dict(metadata))


def _header(path: str | Path, handle: BinaryIO, size: int) -> tuple[int, dict[str, Any]]:
    """The header size and parsed header of an open safetensors file of ``size`` bytes (depth- and digit-limited)."""
    if size < 8:
        raise ModelFileError(f"{path}: too short to be a safetensors file ({size} bytes).")
    (header_size,) = struct.unpack("<Q", handle.read(8))
    if header_size > min(MAX_HEADER_BYTES, size - 8):
        raise ModelFileError(f"{path}: not a safetensors file (its size field claims a {header_size}-byte header; {size - 8} bytes follow).")
    header = parse_json(path, "the header", handle.read(header_size))
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: the header is not a JSON table.")
    return header_size, header


def _declared_size(path: str | Path, header: dict[str, Any], header_size: int) -> int:
    """8 + header size + the end of the last tensor's bytes, as the header declares them."""
    end = 0
    for name, entry in header.items():
        offsets = entry.get("data_offsets") if isinstance(entry, dict) and name != "__metadata__" else [0, 0]
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in offsets)):
            raise ModelFileError(f"{path}: tensor {name!r:.80} has no valid data_offsets in the header.")
        end = max(end, offsets[1])
    return 8 + header_size + end


def _metadata(path: str | Path, header: dict[str, Any]) -> dict[str, str]:
    metadata = header.get("__metadata__")
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ModelFileError(f"{path}: no glassnet metadata in the header (expected a '__metadata__' table of strings).")
    return metadata


def unpack(path: str | Path, handle: BinaryIO) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Parse an open safetensors file into (metadata, tensors); anything malformed raises :class:`ModelFileError`.

    The header is read and checked first; the tensor bytes are read only when the file's size equals the size
    the header declares (so a file never makes this read more than it holds, or allocate more than it stores).
    """
    from safetensors.numpy import load

    size = os.fstat(handle.fileno()).st_size
    header_size, header = _header(path, handle, size)
    metadata = _metadata(path, header)
    declared = _declared_size(path, header, header_size)
    if declared != size:
        raise ModelFileError(f"{path}: the header declares {declared} bytes; the file has {size}.")
    handle.seek(0)
    data = handle.read(size)
    try:
        tensors = load(data)
    except Exception as error:  # the safetensors parser reports any malformed layout with its own exception type
        raise ModelFileError(f"{path}: not a valid safetensors file ({error}).") from None
    return metadata, tensors


def read_container(path: str | Path, expected_format: str, fields: Iterable[str], optional: Iterable[str] = ()) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a glassnet safetensors file of ``expected_format``, verify its checksum, parse ``fields`` as JSON.

    Only a regular file is read (a FIFO, device or symlink to one is refused); the JSON is parsed with
    :func:`~glassnet.files.schema.parse_json`'s limits. The caller validates the parsed fields.
    ``optional`` fields (added to a format after files without them were written) are checked and parsed
    when present, after ``fields``, in the order given: a writer must store them in that order too.
    """
    with open_regular_file(path, ModelFileError) as handle:
        try:
            metadata, tensors = unpack(path, handle)
        except OSError as error:
            raise ModelFileError(f"{path}: cannot be read ({error.strerror or error}).") from None
    if metadata.get("format") != expected_format:
        raise ModelFileError(f"{path}: not a {expected_format} file (format {metadata.get('format')!r:.80}).")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: format version {metadata.get('format_version')!r:.80} is not supported; this glassnet reads version {FORMAT_VERSION}.")
    fields = ("format_version", *fields, *(name for name in optional if name in metadata))
    missing = [name for name in (*fields, "sha256") if name not in metadata]
    if missing:
        raise ModelFileError(f"{path}: the metadata lacks {missing}.")
    if checksum({name: metadata[name] for name in fields}, tensors) != metadata["sha256"]:
        raise ModelFileError(f"{path}: checksum mismatch: the file was changed or damaged after it was written.")
    parsed = {name: parse_json(path, f"metadata entry {name!r}", metadata[name]) for name in fields[1:]}
    return parsed, tensors


def write_container(path: str | Path, file_format: str, fields: Mapping[str, Any], tensors: Mapping[str, np.ndarray]) -> None:
    """Write ``tensors`` with ``fields`` (each stored as JSON) and their checksum, atomically."""
    strings = {"format_version": FORMAT_VERSION, **{name: json.dumps(value, default=_plain) for name, value in fields.items()}}
    metadata = {"format": file_format, "glassnet_version": __version__, **strings, "sha256": checksum(strings, tensors)}
    write_bytes_atomic(path, pack(tensors, metadata))


def _plain(value: Any) -> Any:
    """JSON fallback for NumPy scalars and tuples inside configs and history records."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def stored_format(path: str | Path) -> str | None:
    """The ``format`` metadata entry of a safetensors file, or None where it cannot be read (load then says why)."""
    try:
        with open_regular_file(path, ModelFileError) as handle:
            _, header = _header(path, handle, os.fstat(handle.fileno()).st_size)
        file_format = header["__metadata__"]["format"]
    except (ModelFileError, OSError, struct.error, KeyError, TypeError):
        return None
    return file_format if isinstance(file_format, str) else None
