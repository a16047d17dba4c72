"""Hypothesis fuzzing of the CSV reader under a memory cap (1.5 GiB) and a time cap (issue 15)."""

from pathlib import Path

from capped import run_fuzz

EXAMPLES = 200


def test_load_csv_returns_a_consistent_dataset_or_a_data_error():
    ran, read, refused = run_fuzz(Path(__file__).with_name("fuzz_csv.py"), EXAMPLES, 180)
    assert ran == EXAMPLES and read > 0 and refused > 0
