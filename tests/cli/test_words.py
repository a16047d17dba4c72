"""Library errors name Python parameters; the command line shows the same errors with its flags."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from glassnet.cli.main import main
from glassnet.cli.words import FLAGS, cli_words


@pytest.mark.parametrize(("library", "cli"), [
    ("load_data(target=...) applies to CSV files.", "--target applies to CSV files."),
    ("parse_split(text=...) expects three fractions like 0.6,0.2,0.2. Received: text='0.6'", "--split expects three fractions like 0.6,0.2,0.2. Received: '0.6'"),
    ("f.csv: column 1 has an empty name; leave it out with load_data(drop=['']).", "f.csv: column 1 has an empty name; leave it out with --drop ''."),
    ("the bundled set 'iris' is a classification set; load_data(task='regression') needs a CSV file.", "the bundled set 'iris' is a classification set; --task regression needs a CSV file."),
    ("Dense(units=...) expects a positive integer. Received: units=0", "Dense(units=...) expects a positive integer. Received: units=0"),  # no flag for it: untouched
])
def test_cli_words_replace_the_library_calls_the_command_line_exposes(library, cli):
    assert cli_words(library) == cli


def test_every_flag_of_the_table_is_a_real_option():
    from glassnet.cli.strategy import search_command
    from glassnet.cli.train import train

    options = {flag for command in (train, search_command) for parameter in command.params for flag in parameter.opts}
    assert {flag.split()[0] for flag in FLAGS.values()} <= options


@pytest.mark.parametrize(("args", "expected"), [
    (["train", "--data", "iris", "--target", "species"], "Error: --target applies to CSV files; the bundled set 'iris' has its own target."),
    (["train", "--split", "0.6,0.5"], "Error: --split expects three fractions in (0, 1) that sum to 1. Received: '0.6,0.5'"),
])
def test_the_cli_shows_flags_where_the_library_names_parameters(args, expected):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and result.output.strip().splitlines()[-1] == expected, result.output
