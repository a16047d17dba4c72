"""Hypothesis fuzzing of the CSV reader under a memory cap and a time cap (issue 15)."""

from pathlib import Path

from capped import run_capped

EXAMPLES = 200


def test_load_csv_returns_a_consistent_dataset_or_a_data_error():
    done = run_capped(str(Path(__file__).with_name("fuzz_csv.py")), 1536 * 2**20, 180, str(EXAMPLES))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    word, examples, read, refused = done.stdout.split()[-4:]
    assert word == "ok" and int(read) > 0 and int(refused) > 0, done.stdout
