"""Fuzz target (run by test_fuzz_csv.py in a capped subprocess): random CSV text; ``load_csv`` must return a
consistent Dataset or raise DataError. ``python fuzz_csv.py EXAMPLES`` prints ``ok <examples> <read> <refused>``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.data.readers import load_csv
from glassnet.errors import DataError

FOLDER = Path(tempfile.mkdtemp(prefix="glassnet-csv-fuzz-"))
COUNTS = {"read": 0, "refused": 0}

numbers = st.integers(-3, 3).map(str) | st.floats(-1e6, 1e6).map(repr)
odd_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(["", " ", "nan", "1e300", "-1e39", "9007199254740993", "=1+1", '"q"', "cat"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6), st.just("x" * 5000),
)
cells = st.one_of(numbers, numbers, numbers, odd_cells)


@st.composite
def csv_texts(draw) -> str:
    """Mostly well-formed tables (so that some are read), with odd cells, odd rows and blank lines mixed in."""
    width = draw(st.integers(1, 4) | st.integers(2, 4))
    plain = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=',"'), max_size=5)
    header = draw(st.lists(st.sampled_from(["a", "b", "y", "z", "é", "x y"]) | plain, min_size=width, max_size=width, unique=True))
    row = st.lists(cells, min_size=width, max_size=width) | st.lists(cells, max_size=width + 1)
    numeric_row = st.lists(numbers, min_size=width, max_size=width)
    rows = draw(st.lists(st.integers(0, 9).flatmap(lambda k: row if k == 0 else numeric_row), min_size=draw(st.sampled_from([0, 1, 3])), max_size=12))
    lines = [",".join(header)] + [",".join(cells) for cells in rows]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "")
    return ("\ufeff" if draw(st.booleans()) else "") + "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 50, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), database=None)
@given(csv_texts(), st.sampled_from(["auto", "classification", "regression"]))
def load_csv_returns_a_dataset_or_refuses(text: str, task: str) -> None:
    path = FOLDER / "fuzz.csv"
    path.write_text(text, encoding="utf-8")
    try:
        dataset = load_csv(path, task=task)
    except DataError:
        COUNTS["refused"] += 1
        return
    COUNTS["read"] += 1
    m, n = dataset.X.shape
    assert dataset.X.dtype == np.float32 and np.all(np.isfinite(dataset.X)) and m >= 1 and n == len(dataset.feature_names)
    assert dataset.y.shape == (m,)
    if dataset.task == "regression":
        assert np.all(np.isfinite(dataset.y)) and not dataset.class_names
    else:
        assert len(dataset.class_names) >= 2 and len(set(dataset.class_names)) == len(dataset.class_names)
        assert dataset.y.min() >= 0 and dataset.y.max() < len(dataset.class_names)


if __name__ == "__main__":
    load_csv_returns_a_dataset_or_refuses()
    print("ok", COUNTS["read"] + COUNTS["refused"], COUNTS["read"], COUNTS["refused"])
