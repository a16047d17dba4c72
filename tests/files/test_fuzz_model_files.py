"""Hypothesis fuzzing of model and estimator files, under a memory cap and a time cap (issue 15).

Structurally valid containers (valid checksums) with random configs, shapes and field types: ``load``
either returns a model that predicts, or raises ModelFileError — never another exception, never more than
the memory cap (1.5 GiB of address space), never longer than the time cap.
"""

from pathlib import Path

from capped import run_fuzz

EXAMPLES = 100


def test_load_returns_a_working_model_or_a_model_file_error():
    ran, loaded, refused = run_fuzz(Path(__file__).with_name("fuzz_model_files.py"), EXAMPLES, 240)
    assert ran > EXAMPLES // 2 and loaded > 0 and refused > 0  # examples json cannot write are not counted
