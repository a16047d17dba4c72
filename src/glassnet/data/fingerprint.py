"""A data set's fingerprint: its size and a SHA-256 of the rows, so a resumed run can tell that its data changed.

``{"rows": m, "columns": n, "sha256": ...}`` hashes the float32 features ``X (m, n)``, the targets, the task,
the class names and the column names — everything training reads — each length-prefixed.
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import numpy as np

from glassnet.data.dataset import Dataset


def data_fingerprint(dataset: Dataset) -> dict[str, Any]:
    """``{"rows", "columns", "sha256"}`` of ``dataset`` (see the module docstring)."""
    digest = hashlib.sha256()
    names = json.dumps([dataset.task, list(dataset.class_names), list(dataset.feature_names), dataset.target_name]).encode("utf-8")
    for chunk in (np.ascontiguousarray(dataset.X, dtype=np.float32).tobytes(), np.ascontiguousarray(dataset.y).tobytes(), names):
        digest.update(struct.pack("<Q", len(chunk)))
        digest.update(chunk)
    return {"rows": int(dataset.X.shape[0]), "columns": int(dataset.X.shape[1]), "sha256": digest.hexdigest()}


def describe_fingerprint(fingerprint: Any) -> str:
    """``"1000 rows × 4 columns, sha256 1a2b3c4d…"`` (or ``"unknown"`` for anything else)."""
    if not isinstance(fingerprint, dict):
        return "unknown"
    return f"{fingerprint.get('rows')!s:.20} rows × {fingerprint.get('columns')!s:.20} columns, sha256 {str(fingerprint.get('sha256'))[:12]}…"
