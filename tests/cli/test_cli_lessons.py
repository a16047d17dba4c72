"""``glassnet lessons`` and ``glassnet lesson NAME|all``: the list, one run (text and JSON), all of them, bad names."""

import json

from click.testing import CliRunner

from glassnet.cli.main import main
from glassnet.lessons.registry import EXPERIMENTS, names


def test_lessons_lists_every_experiment_with_its_lesson_and_claim():
    result = CliRunner().invoke(main, ["lessons"])
    assert result.exit_code == 0, result.output
    for name in names():
        assert name in result.stdout
    listed = json.loads(CliRunner().invoke(main, ["lessons", "--json"]).stdout)
    assert [row["name"] for row in listed] == list(names())
    assert all(row["claim"] and row["lesson"] in range(1, 6) for row in listed)


def test_lesson_name_quick_json_prints_one_object_and_writes_the_report(tmp_path):
    result = CliRunner().invoke(main, ["lesson", "ewa", "--quick", "--json", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["name"] == "ewa" and payload["verdict"] == "holds" and payload["quick"] is True
    assert payload["numbers"]["corrected_first_equals_value"] is True and payload["checks"]
    assert payload["report"] == str(tmp_path / "index.html")
    page = (tmp_path / "index.html").read_text()
    assert 'id="ewa"' in page and "holds" in page
    assert all((tmp_path / figure["file"]).is_file() for figure in payload["figures"])  # one lesson: figures beside index.html
    assert json.loads((tmp_path / "results.json").read_text())["results"][0]["name"] == "ewa"


def test_lesson_name_prints_the_table_checks_and_verdict_and_defaults_to_lessons_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lesson", "softmax", "--quick"])
    assert result.exit_code == 0, result.output
    assert "largest |P_softmax − P_logistic|" in result.stdout
    assert "✓ with two classes softmax and logistic regression give the same probabilities" in result.stdout
    assert "verdict: holds" in result.stdout and "1 of 1 claims hold" in result.stdout
    assert (tmp_path / "lessons" / "softmax" / "index.html").is_file()


def test_lesson_all_writes_one_report_with_a_section_per_experiment(quick_lessons):
    result, out, payload = quick_lessons
    assert payload["report"] == str(out / "index.html")
    assert [r["name"] for r in payload["results"]] == list(names())
    page = (out / "index.html").read_text()
    for experiment in EXPERIMENTS:
        assert f'id="{experiment.name}" data-verdict="holds"' in page
        assert (out / experiment.name).is_dir()
    assert page.count("data:image/png;base64,") == sum(len(r["figures"]) for r in payload["results"])
    assert "<script" not in page and "http://" not in page and "https://" not in page  # self-contained, nothing fetched
    assert len(json.loads((out / "results.json").read_text())["results"]) == len(EXPERIMENTS)


def test_an_unknown_lesson_exits_2_with_one_line_listing_the_names(tmp_path):
    result = CliRunner().invoke(main, ["lesson", "adam", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: Unknown lesson 'adam'; expected one of: logistic-vs-hidden,")
    assert all(name in lines[0] for name in names())
    assert not (tmp_path / "x").exists()  # nothing written
