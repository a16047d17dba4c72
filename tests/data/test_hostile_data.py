"""Data files that used to exhaust memory or give wrong results without a word (issue 15, cases 6, 8, 10)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import numpy as np
import pytest

from glassnet.data import npz
from glassnet.data.labels import encode_target, label_name, labels_to_indices
from glassnet.data.readers import load_csv, load_data
from glassnet.errors import DataError


def peak_bytes(function) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_one_long_cell_costs_its_own_length_not_rows_times_it(tmp_path):
    """The issue's file: a 650 KB CSV with one 50,000-character label made a 3–19 GiB fixed-width string array."""
    rows = [f"{i % 7},{i % 5},{'a' if i % 2 else 'b'}" for i in range(20_000)]
    rows[100] = "1,2," + "c" * 50_000
    path = tmp_path / "long.csv"
    path.write_text("x,z,label\n" + "\n".join(rows) + "\n")
    size = path.stat().st_size
    dataset, peak = peak_bytes(lambda: load_csv(path, task="classification"))
    assert len(dataset.class_names) == 3 and dataset.X.shape == (20_000, 2)
    assert peak < 30 * size, (peak, size)  # was > 4,000 × the file size


def test_a_long_cell_in_a_feature_column_is_named_by_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("x,z,label\n1,2,a\n3," + "9" * 20 + "x" * 30_000 + ",b\n")
    with pytest.raises(DataError, match=r"line 3, column 'z': '9999.*' is not a number"):
        load_csv(path)


def test_memory_grows_with_the_data_not_with_python_objects_per_cell(tmp_path):
    rng = np.random.default_rng(0)
    values = np.round(rng.normal(size=(30_000, 10)), 4)
    path = tmp_path / "big.csv"
    np.savetxt(path, np.column_stack([values, np.arange(30_000) % 3]), delimiter=",", header=",".join([f"f{i}" for i in range(10)] + ["y"]), comments="", fmt="%.4f")
    dataset, peak = peak_bytes(lambda: load_csv(path, task="classification"))
    assert dataset.X.shape == (30_000, 10)
    assert peak < 5 * path.stat().st_size, (peak, path.stat().st_size)  # measured 3.6×; the old reader peaked at 22×


@pytest.mark.parametrize("cell, column", [("1e300", "z"), ("-3.5e38", "x")])
def test_values_beyond_float32_are_one_line_naming_line_and_column(tmp_path, cell, column):
    path = tmp_path / "huge.csv"
    row = f"{cell},1,0" if column == "x" else f"1,{cell},0"
    path.write_text(f"x,z,y\n1,2,1\n{row}\n")
    with pytest.raises(DataError, match=rf"line 3, column '{column}': {cell} is beyond float32's range"):
        load_csv(path)


def test_an_npz_whose_members_declare_too_much_is_refused_before_decompressing(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, X=np.zeros((20_000, 10)), y=np.zeros(20_000))  # 1.7 MB declared, a few KB stored
    assert path.stat().st_size < 50_000
    monkeypatch.setattr(npz, "MAX_NPZ_BYTES", 1_000_000)
    with pytest.raises(DataError, match="declare 1760256 uncompressed bytes; at most 1000000"):
        load_data(str(path))


def test_an_npy_header_claiming_a_huge_shape_is_refused_before_allocating(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 4)})
    path = tmp_path / "shape.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", header.getvalue() + b"\0" * 64)
        archive.writestr("y.npy", header.getvalue() + b"\0" * 64)
    with pytest.raises(DataError, match=r"declares shape \(1000000000000, 4\).*but stores"):
        load_data(str(path))


def test_integer_labels_beyond_2_to_the_53_stay_distinct():
    raw = np.array(["9007199254740993", "9007199254740992", "9007199254740993", "9007199254740995"], dtype=object)
    y, task, names = encode_target(raw, "auto", "f", [2, 3, 4, 5])
    assert task == "multiclass" and names == ["9007199254740992", "9007199254740993", "9007199254740995"]
    assert y.tolist() == [1, 0, 1, 2]
    y64 = encode_target(np.array([2**53 + 1, 2**53, 2**53 + 1], dtype=np.int64), "auto", "f", [0, 1, 2])
    assert y64[2] == ["9007199254740992", "9007199254740993"] and y64[0].tolist() == [1, 0, 1]


def test_labels_compare_by_value():
    assert [label_name(v) for v in ("1", "1.0", 1, 1.0, np.int64(1), " 1 ", "0.50", 0.5, "cat")] == ["1"] * 6 + ["0.5", "0.5", "cat"]
    assert labels_to_indices(np.array([1.0, 2.0, 1.0]), ["1", "2"], "f", [1, 2, 3]).tolist() == [0, 1, 0]
    assert labels_to_indices(np.array(["1", "2"], dtype=object), ["1.0", "2.0"], "f", [1, 2]).tolist() == [0, 1]
