"""The checksummed container: a safetensors file whose JSON metadata fields and tensors are covered by SHA-256.

Model files, estimator files and checkpoints are all containers of a different ``format``. The
checksum covers the format version, the named metadata strings and, for each tensor (sorted by name),
its name, dtype, shape and bytes, each length-prefixed so no two different files hash the same input.
Anything malformed raises :class:`~glassnet.errors.ModelFileError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from glassnet._version import __version__
from glassnet.errors import ModelFileError
from glassnet.files.atomic import write_bytes_atomic

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


def unpack(path: str | Path, data: bytes) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """Parse safetensors bytes into (metadata, tensors); anything malformed raises :class:`ModelFileError`."""
    from safetensors.numpy import load

    if len(data) < 8:
        raise ModelFileError(f"{path}: too short to be a safetensors file ({len(data)} bytes).")
    (header_size,) = struct.unpack("<Q", data[:8])
    if header_size > min(MAX_HEADER_BYTES, len(data) - 8):
        raise ModelFileError(f"{path}: not a safetensors file (its size field claims a {header_size}-byte header; {len(data) - 8} bytes follow).")
    try:
        header = json.loads(data[8 : 8 + header_size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: the header is not valid JSON ({error}).") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ModelFileError(f"{path}: no glassnet metadata in the header (expected a '__metadata__' table of strings).")
    try:
        tensors = load(data)
    except Exception as error:  # the safetensors parser reports any malformed layout with its own exception type
        raise ModelFileError(f"{path}: not a valid safetensors file ({error}).") from None
    return metadata, tensors


def read_container(path: str | Path, expected_format: str, fields: Iterable[str], optional: Iterable[str] = ()) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a glassnet safetensors file of ``expected_format``, verify its checksum, parse ``fields`` as JSON.

    ``optional`` fields (added to a format after files without them were written) are checked and parsed
    when present, after ``fields``, in the order given: a writer must store them in that order too.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file.") from None
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be read ({error.strerror or error}).") from None
    metadata, tensors = unpack(path, data)
    if metadata.get("format") != expected_format:
        raise ModelFileError(f"{path}: not a {expected_format} file (format {metadata.get('format')!r}).")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{path}: format version {metadata.get('format_version')!r} is not supported; this glassnet reads version {FORMAT_VERSION}.")
    fields = ("format_version", *fields, *(name for name in optional if name in metadata))
    missing = [name for name in (*fields, "sha256") if name not in metadata]
    if missing:
        raise ModelFileError(f"{path}: the metadata lacks {missing}.")
    if checksum({name: metadata[name] for name in fields}, tensors) != metadata["sha256"]:
        raise ModelFileError(f"{path}: checksum mismatch: the file was changed or damaged after it was written.")
    parsed: dict[str, Any] = {}
    for name in fields[1:]:
        try:
            parsed[name] = json.loads(metadata[name])
        except json.JSONDecodeError as error:
            raise ModelFileError(f"{path}: metadata entry {name!r} is not valid JSON ({error}).") from None
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
        with open(path, "rb") as handle:
            (header_size,) = struct.unpack("<Q", handle.read(8))
            if header_size > MAX_HEADER_BYTES:
                return None
            header = json.loads(handle.read(header_size).decode("utf-8"))
        file_format = header["__metadata__"]["format"]
    except (OSError, struct.error, ValueError, KeyError, TypeError):
        return None
    return file_format if isinstance(file_format, str) else None

