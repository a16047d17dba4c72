"""Data: bundled set names in ``load_data``, CSV/NPZ files with every bad-input check, splits and task inference.

The bundled sets themselves are tested in ``test_bundled.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.data.bundled import load_dataset
from glassnet.data.dataset import Dataset
from glassnet.data.readers import encode_target, labels_to_indices, load_csv, load_data, read_features_csv
from glassnet.data.splits import parse_split, split_dataset
from glassnet.errors import DataError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- bundled sets
def test_bundled_name_rejects_target_and_regression():
    # the library names its own parameters; the CLI shows its flags (tests/cli/test_words.py)
    with pytest.raises(DataError, match=r"load_data\(target=\.\.\.\) applies to CSV"):
        load_data("iris", target="species")
    with pytest.raises(DataError, match="classification set"):
        load_data("iris", task="regression")


# ---------------------------------------------------------------------------------------------- CSV files
def test_csv_string_labels_become_sorted_class_names(tmp_path):
    path = write(tmp_path / "pets.csv", "weight,height,kind\n1,2,dog\n3,4,cat\n5,6,dog\n7,8,bird\n")
    dataset = load_csv(path)
    assert dataset.class_names == ["bird", "cat", "dog"]
    assert dataset.y.tolist() == [2, 1, 2, 0]
    assert dataset.task == "multiclass" and dataset.feature_names == ["weight", "height"] and dataset.target_name == "kind"
    assert dataset.X.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]] and dataset.X.dtype == np.float32


def test_csv_target_column_can_be_anywhere(tmp_path):
    path = write(tmp_path / "t.csv", "label,a,b\nyes,1,2\nno,3,4\n")
    dataset = load_csv(path, target="label")
    assert dataset.feature_names == ["a", "b"] and dataset.class_names == ["no", "yes"] and dataset.y.tolist() == [1, 0]
    assert dataset.task == "binary"


def test_numeric_integer_labels_are_classes_named_without_decimals(tmp_path):
    path = write(tmp_path / "n.csv", "a,y\n1,3\n2,1.0\n3,3\n")
    dataset = load_csv(path)
    assert dataset.class_names == ["1", "3"] and dataset.y.tolist() == [1, 0, 1]


def test_float_target_with_many_values_is_regression(tmp_path):
    rows = "\n".join(f"{i},{0.37 * i:.3f}" for i in range(30))
    dataset = load_csv(write(tmp_path / "r.csv", "a,price\n" + rows + "\n"))
    assert dataset.task == "regression" and dataset.class_names == []
    assert dataset.y.dtype == np.float32 and np.allclose(dataset.y, 0.37 * np.arange(30), atol=1e-3)


def test_task_inference_thresholds():
    lines = list(range(100))
    assert encode_target(np.arange(100) % 20, "auto", "w", lines)[1] == "multiclass"  # 20 integer values: classes
    assert encode_target(np.arange(100) % 21, "auto", "w", lines)[1] == "regression"  # 21: a count, regression
    assert encode_target(np.array([0.5, 1.5] * 50), "auto", "w", lines)[1] == "regression"  # non-integers
    assert encode_target(np.arange(100) % 21, "classification", "w", lines)[1] == "multiclass"  # forced


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", r"empty\.csv: the file is empty"),
        ("a,b,y\n", r"only a header row"),
        ("a,b,y\n1,2,0\n1,2\n", r"line 3 has 2 values; the header has 3 columns"),
        ("a,b,y\n1,2,0\n3,x,1\n", r"line 3, column 'b': 'x' is not a number"),
        ("a,b,y\n1,,0\n3,4,1\n", r"line 2, column 'b': an empty value is not a number"),
        ("a,b,y\n1,2,0\nnan,4,1\n", r"line 3, column 'a': nan is not allowed.*finite"),
        ("a,b,y\n1,-inf,0\n3,4,1\n", r"line 2, column 'b': -inf is not allowed"),
        ("a,b,y\n1,2,0\n3,4,inf\n", r"column 'y', line 3: inf is not allowed; targets must be finite"),
        ("a,b,y\n1,2,0\n3,4,0\n", r"column 'y': has only one class \('0'\)"),
        ("a,a,y\n1,2,0\n3,4,1\n", r"duplicate column names \['a'\]"),
        ("y\n1\n0\n", r"at least one feature column"),
        ("a,y\n1,cat\n2,\n3,dog\n", r"line 3: an empty class label"),
    ],
)
def test_bad_csv_raises_data_error_naming_file_and_place(tmp_path, text, expected):
    path = write(tmp_path / "empty.csv", text)
    with pytest.raises(DataError, match=expected) as caught:
        load_data(str(path))
    assert "empty.csv" in str(caught.value)


def test_missing_file_and_unknown_names(tmp_path):
    with pytest.raises(DataError, match=r"nothere\.csv: no such file"):
        load_data(str(tmp_path / "nothere.csv"))
    with pytest.raises(DataError, match="Unknown data set 'imagenet'.*digits"):
        load_data("imagenet")
    with pytest.raises(DataError, match=r"\.csv or \.npz"):
        load_data(str(write(tmp_path / "x.txt", "a,b\n1,2\n")))


def test_missing_target_column_lists_the_columns(tmp_path):
    path = write(tmp_path / "t.csv", "a,b,y\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match=r"no column named 'label'.*\['a', 'b', 'y'\]"):
        load_data(str(path), target="label")


def test_regression_requested_on_text_labels_names_the_line(tmp_path):
    path = write(tmp_path / "t.csv", "a,y\n1,2.5\n3,cat\n")
    with pytest.raises(DataError, match=r"line 3: 'cat' is not a number; a regression target must be numeric"):
        load_data(str(path), task="regression")


def test_read_features_csv_matches_columns_by_name(tmp_path):
    path = write(tmp_path / "p.csv", "c,a,b,label\n3,1,2,x\n6,4,5,y\n")
    X, target, lines = read_features_csv(path, ["a", "b", "c"], "label")
    assert X.tolist() == [[1, 2, 3], [4, 5, 6]] and target.tolist() == ["x", "y"] and lines == [2, 3]
    with pytest.raises(DataError, match=r"missing \['d'\], unexpected \['c'\]"):
        read_features_csv(path, ["a", "b", "d"], "label")


def test_labels_to_indices_refuses_unknown_labels():
    assert labels_to_indices(np.array(["b", "a", "b"]), ["a", "b"], "f.csv", [2, 3, 4]).tolist() == [1, 0, 1]
    assert labels_to_indices(np.array(["2.0", "1"]), ["1", "2"], "f.csv", [2, 3]).tolist() == [1, 0]
    with pytest.raises(DataError, match=r"f\.csv, line 3: label 'c' is not one of the model's classes"):
        labels_to_indices(np.array(["a", "c"]), ["a", "b"], "f.csv", [2, 3])


# ---------------------------------------------------------------------------------------------- NPZ files
def test_npz_round_trip_and_string_labels(tmp_path):
    X = np.arange(12, dtype=np.float64).reshape(6, 2)
    np.savez(tmp_path / "d.npz", X=X, y=np.array(["b", "a", "b", "a", "c", "c"]))
    dataset = load_data(str(tmp_path / "d.npz"))
    assert np.array_equal(dataset.X, X.astype(np.float32)) and dataset.class_names == ["a", "b", "c"]
    assert dataset.y.tolist() == [1, 0, 1, 0, 2, 2]


@pytest.mark.parametrize(
    "arrays, expected",
    [
        ({"Z": np.zeros((3, 2)), "y": np.zeros(3)}, r"missing array 'X'"),
        ({"X": np.zeros(3), "y": np.zeros(3)}, r"'X' must be 2-D"),
        ({"X": np.zeros((3, 2)), "y": np.zeros(4)}, r"'y' must be 1-D with one value per row of X \(3\)"),
        ({"X": np.array([[0.0, 1.0], [np.nan, 2.0]]), "y": np.array([0, 1])}, r"X\[1, 0\]: nan is not allowed"),
        ({"X": np.array([[1, "a"]], dtype=object), "y": np.zeros(1)}, r"holds Python objects.*never unpickled"),
    ],
)
def test_bad_npz_raises_data_error(tmp_path, arrays, expected):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=expected):
        load_data(str(tmp_path / "bad.npz"))


def test_npz_that_is_not_a_zip_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "fake.npz"
    path.write_bytes(b"\x80\x04K\x01.")  # a pickle of the integer 1
    with pytest.raises(DataError, match="not an NPZ file"):
        load_data(str(path))


# ---------------------------------------------------------------------------------------------- splits
def test_parse_split():
    assert parse_split("0.7,0.15,0.15") == (0.7, 0.15, 0.15)
    for bad in ("0.5,0.5", "0.6,0.3,0.3", "a,b,c", "0,0.5,0.5"):
        with pytest.raises(DataError, match=r"parse_split\(text=\.\.\.\) expects three fractions"):
            parse_split(bad)


def test_split_is_stratified_seeded_and_scaled_on_train_only():
    dataset = load_dataset("iris")
    splits = split_dataset(dataset, (0.6, 0.2, 0.2), seed=5)
    assert (len(splits.y_train), len(splits.y_dev), len(splits.y_test)) == (90, 30, 30)
    for part in (splits.y_train, splits.y_dev, splits.y_test):
        counts = np.bincount(part, minlength=3)
        assert counts.max() - counts.min() == 0  # iris has 50 per class: each part keeps the 1/3 proportions
    assert np.allclose(splits.X_train.mean(axis=0), 0.0, atol=1e-5) and np.allclose(splits.X_train.std(axis=0), 1.0, atol=1e-4)
    assert not np.allclose(splits.X_dev.mean(axis=0), 0.0, atol=1e-3)  # dev is scaled with the train statistics
    again = split_dataset(dataset, (0.6, 0.2, 0.2), seed=5)
    assert np.array_equal(again.X_test, splits.X_test)
    assert not np.array_equal(split_dataset(dataset, seed=6).X_test, splits.X_test)


def test_train_dev_slice_is_held_out_of_training():
    dataset = load_dataset("iris")
    whole = split_dataset(dataset, seed=1, scale=False)
    sliced = split_dataset(dataset, seed=1, scale=False, train_dev=0.2)
    assert len(sliced.y_train) + len(sliced.y_train_dev) == len(whole.y_train) == 90
    assert len(sliced.y_train_dev) == 18 and np.bincount(sliced.y_train_dev).tolist() == [6, 6, 6]
    train_rows = {row.tobytes() for row in sliced.X_train}
    assert not any(row.tobytes() in train_rows for row in sliced.X_train_dev)
    assert [name for name, _, _ in sliced.parts()] == ["train", "train_dev", "dev", "test"]


def test_too_few_rows_for_the_split_is_a_clear_error():
    tiny = Dataset("tiny.csv", np.arange(8, dtype=np.float32).reshape(4, 2), np.array([0, 1, 0, 1]), "binary", ["a", "b"])
    with pytest.raises(DataError, match=r"tiny\.csv: 4 rows are too few for a 0\.6/0\.2/0\.2 train/dev/test split"):
        split_dataset(tiny)


# ---------------------------------------------------------------------------------------------- unnamed columns, drop
def test_a_saved_row_index_is_refused_with_a_hint_and_can_be_dropped(tmp_path):
    from glassnet.data.readers import check_column_names

    text = ",a,b,kind\n0,1.0,2.0,x\n1,2.0,1.0,y\n2,1.5,1.0,x\n3,0.5,2.5,y\n"
    path = write(tmp_path / "indexed.csv", text)
    with pytest.raises(DataError, match=r"column 1 has an empty name.*to_csv\(index=False\).*load_data\(drop=\[''\]\)") as info:
        load_csv(path)
    assert "\n" not in str(info.value)
    dataset = load_data(str(path), drop=[""])
    assert dataset.feature_names == ["a", "b"] and dataset.X.shape == (4, 2)
    renamed = write(tmp_path / "unnamed.csv", text.replace(",a,b", "Unnamed: 0,a,b", 1))
    with pytest.raises(DataError, match="the name 'Unnamed: 0'"):
        load_data(str(renamed))
    assert load_csv(renamed, drop=["Unnamed: 0"]).feature_names == ["a", "b"]
    check_column_names(["Unnamed", "Unnamed: x", "a"], "f.csv")  # ordinary names pass
    with pytest.raises(DataError, match="no column named 'zz' to drop"):
        load_csv(path, drop=["", "zz"])
    with pytest.raises(DataError, match="both the target and dropped"):
        load_csv(path, target="kind", drop=["", "kind"])
    with pytest.raises(DataError, match=r"load_data\(drop=\.\.\.\) applies to CSV"):
        load_data("iris", drop=["x"])
