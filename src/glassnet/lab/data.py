"""The data of a lab run: the set, its split, and for 2-D sets the grids the views are drawn on.

Splits are glassnet's own (:func:`glassnet.data.splits.split_dataset`): seeded, stratified, features
standardised on the training rows. The lab's train fraction p leaves (1 − p)/2 of the rows each to dev
and test. For a 2-D set the decision boundary is drawn on a ``GRID × GRID`` grid of raw coordinates
spanning the points with a 10 % margin, and each hidden unit's heat map on a coarser ``HEAT × HEAT``
grid; both are scaled exactly as a saved model scales raw inputs (:meth:`Model.transform`), so the page
and the downloaded model see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glassnet.data.bundled import load_dataset
from glassnet.data.dataset import Dataset, Splits
from glassnet.data.planar import PLANAR, planar_dataset
from glassnet.data.splits import split_dataset
from glassnet.errors import DataError
from glassnet.lab.settings import UPLOAD, LabSettings

#: cells per side of the decision-boundary grid
GRID = 100
#: cells per side of each hidden unit's heat map
HEAT = 24


@dataclass
class LabData:
    """A split data set; ``extent = (x_min, x_max, y_min, y_max)`` and the scaled grids only for 2-D sets."""

    dataset: Dataset
    splits: Splits
    extent: tuple[float, float, float, float] | None = None
    grid: np.ndarray | None = None  # (GRID², 2) scaled, row-major from (x_min, y_max): rows run top to bottom
    heat_grid: np.ndarray | None = None  # (HEAT², 2) scaled, same order

    @property
    def planar(self) -> bool:
        return self.grid is not None

    @property
    def n_outputs(self) -> int:
        return len(self.dataset.class_names)

    def points(self) -> dict[str, Any]:
        """Raw train/dev coordinates and labels for the page (2-D sets only), rounded to 4 digits."""
        if not self.planar or self.splits.scaler is None:
            return {}
        parts = {}
        for name, X, y in (("train", self.splits.X_train, self.splits.y_train), ("dev", self.splits.X_dev, self.splits.y_dev)):
            raw = self.splits.scaler.inverse_transform(X)
            parts[name] = {"x": np.round(raw[:, 0], 4).tolist(), "y": np.round(raw[:, 1], 4).tolist(), "label": y.tolist()}
        return parts


def raw_grid(extent: tuple[float, float, float, float], cells: int) -> np.ndarray:
    """``(cells², 2)`` float32 cell centres, row-major, the first row at the top (largest y)."""
    x_min, x_max, y_min, y_max = extent
    xs = x_min + (np.arange(cells) + 0.5) * (x_max - x_min) / cells
    ys = y_max - (np.arange(cells) + 0.5) * (y_max - y_min) / cells
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def load_lab_data(settings: LabSettings, upload: Dataset | None = None) -> LabData:
    """The data set the settings name (``upload`` for the file uploaded in this session), split and gridded."""
    if settings.data in PLANAR:
        dataset = planar_dataset(settings.data, settings.samples, settings.noise, settings.seed)
    elif settings.data == UPLOAD:
        if upload is None:
            raise DataError("No file has been uploaded in this tab yet; upload a CSV or NPZ file first.")
        dataset = upload
    else:
        dataset = load_dataset(settings.data, settings.seed)
    rest = (1.0 - settings.train_fraction) / 2.0
    splits = split_dataset(dataset, (settings.train_fraction, rest, 1.0 - settings.train_fraction - rest), seed=settings.seed)
    data = LabData(dataset, splits)
    if dataset.X.shape[1] == 2:
        low, high = dataset.X.min(axis=0), dataset.X.max(axis=0)
        margin = 0.1 * np.maximum(high - low, 1e-6)
        data.extent = (float(low[0] - margin[0]), float(high[0] + margin[0]), float(low[1] - margin[1]), float(high[1] + margin[1]))
        # float32 raw values through the scaler, as Model.transform does for a saved model
        data.grid = splits.scaler.transform(raw_grid(data.extent, GRID)).astype(np.float32)
        data.heat_grid = splits.scaler.transform(raw_grid(data.extent, HEAT)).astype(np.float32)
    return data
