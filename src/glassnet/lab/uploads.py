"""A CSV or NPZ file uploaded from the page, read by the same readers as ``glassnet train --data FILE``.

The upload is the request body (at most :data:`MAX_UPLOAD_BYTES`). The file name the browser gives is
used only to choose the reader (by its ending) and, reduced to safe characters, to name the file in
messages; the bytes are written to a fresh private temporary folder under a fixed name, read, and the
folder deleted. Every problem is one :class:`DataError` line naming the upload, never the server's path.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from glassnet.data.dataset import Dataset
from glassnet.data.readers import load_csv, load_npz
from glassnet.errors import DataError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_FEATURES = 1000
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")


def display_name(filename: str) -> str:
    """The last path component with anything but letters, digits, ``._ -`` replaced by ``_`` (≤ 60 characters)."""
    last = re.split(r"[\\/]", str(filename))[-1].strip()
    return _UNSAFE.sub("_", last)[-60:] or "upload"


def read_upload(content: bytes, filename: str) -> Dataset:
    """The uploaded bytes as a classification :class:`Dataset` named after the file."""
    name = display_name(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".npz"):
        raise DataError(f"{name}: expected a .csv or .npz file.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise DataError(f"{name}: {len(content)} bytes is over the upload limit of {MAX_UPLOAD_BYTES} bytes (2 MiB).")
    with tempfile.TemporaryDirectory(prefix="glassnet-lab-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            dataset = load_csv(path) if suffix == ".csv" else load_npz(path)
        except DataError as error:
            raise DataError(str(error).replace(str(path), name)) from None
    if dataset.task == "regression":
        raise DataError(f"{name}: the target has many numeric values (regression); the lab trains classifiers. Use glassnet train for regression.")
    if dataset.X.shape[1] > MAX_UPLOAD_FEATURES:
        raise DataError(f"{name}: {dataset.X.shape[1]} feature columns; the lab takes at most {MAX_UPLOAD_FEATURES}.")
    dataset.name = name
    return dataset
