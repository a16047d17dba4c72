"""The bias/variance advisor and the diagnosis at the end of ``glassnet train`` (learning curves: ``test_learning_curve.py``)."""

import json

import pytest
from click.testing import CliRunner

import glassnet as gn
from glassnet.cli.main import main
from glassnet.strategy.diagnose import REMEDIES, diagnose

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------ the classic cases
def test_human_0_1_train_2_0_dev_2_1_is_avoidable_bias():
    d = diagnose(2.0, human_error=0.1, dev_error=2.1)
    assert d.unit == "percent"
    assert d.avoidable_bias == pytest.approx(1.9)  # 2.0 − 0.1
    assert d.variance == pytest.approx(0.1)  # 2.1 − 2.0
    assert d.data_mismatch is None and d.dev_overfitting is None
    assert d.focus == ["avoidable_bias"] and d.large == ["avoidable_bias"]
    assert list(d.remedies) == ["avoidable_bias"]
    assert d.remedies["avoidable_bias"][0].startswith("Train a bigger network")
    assert d.verdict == "Work on avoidable bias first."


def test_human_0_5_train_8_8_train_dev_9_1_dev_14_3_test_14_8_is_bias_and_mismatch():
    d = diagnose(8.8, human_error=0.5, train_dev_error=9.1, dev_error=14.3, test_error=14.8)
    assert d.avoidable_bias == pytest.approx(8.3)  # 8.8 − 0.5
    assert d.variance == pytest.approx(0.3)  # train-dev − train = 9.1 − 8.8
    assert d.data_mismatch == pytest.approx(5.2)  # dev − train-dev = 14.3 − 9.1
    assert d.dev_overfitting == pytest.approx(0.5)  # test − dev = 14.8 − 14.3
    assert d.focus == ["avoidable_bias"]
    assert d.large == ["avoidable_bias", "data_mismatch"]  # both large; variance and dev overfitting are not
    assert list(d.remedies) == ["avoidable_bias", "data_mismatch"]
    assert "Data mismatch is also large" in d.verdict
    assert any("more like the dev/test data" in r for r in d.remedies["data_mismatch"])


def test_train_1_dev_10_is_variance_and_bias_is_an_upper_bound_without_human_level():
    d = diagnose(1.0, dev_error=10.0)
    assert d.variance == pytest.approx(9.0)  # no train-dev set: dev − train
    assert d.avoidable_bias == pytest.approx(1.0) and d.avoidable_bias_is_upper_bound
    assert any("upper bound" in note for note in d.notes)
    assert d.focus == ["variance"] and d.large == ["variance"]
    assert d.remedies["variance"] == [remedy.format(l2="l2", keep_prob="keep_prob", layers="hidden_layer_sizes") for remedy in REMEDIES["variance"]]
    assert d.remedies["variance"][0] == "Get more training data."


def test_train_below_human_level_says_bias_cannot_be_measured():
    d = diagnose(0.05, human_error=0.1, dev_error=0.05)
    assert d.train_below_human and d.avoidable_bias is None
    assert d.variance == pytest.approx(0.0)
    assert d.focus == [] and d.remedies == {}
    assert "cannot be measured" in d.verdict
    assert any("slower" in note for note in d.notes)


def test_dev_2_test_7_is_overfitting_to_the_dev_set():
    # The advisor always needs the training error; 1.8 sits just below the dev error of 2.
    d = diagnose(1.8, dev_error=2.0, test_error=7.0)
    assert d.dev_overfitting == pytest.approx(5.0)  # 7 − 2
    assert d.focus == ["dev_overfitting"] and d.large == ["dev_overfitting"]  # bias ≤ 1.8 is under half of 5
    assert "bigger dev set" in d.remedies["dev_overfitting"][0]


# ------------------------------------------------------------------------------ ties, units, notes
def test_near_tie_names_both_problems():
    d = diagnose(5.0, human_error=0.0, dev_error=9.6)  # bias 5.0, variance 4.6: within 15 % of each other
    assert d.focus == ["avoidable_bias", "variance"]
    assert d.verdict.startswith("Near-tie between avoidable bias and variance")
    clear = diagnose(5.0, human_error=0.0, dev_error=8.0)  # variance 3.0 is 60 % of 5.0: large but no tie
    assert clear.focus == ["avoidable_bias"] and clear.large == ["avoidable_bias", "variance"]


def test_fractions_and_percentages_give_the_same_verdict():
    percent = diagnose(8.8, human_error=0.5, train_dev_error=9.1, dev_error=14.3, test_error=14.8)
    fraction = diagnose(0.088, human_error=0.005, train_dev_error=0.091, dev_error=0.143, test_error=0.148)
    assert fraction.unit == "fraction"
    assert fraction.focus == percent.focus and fraction.large == percent.large
    for name, value in percent.gaps.items():
        assert fraction.gaps[name] == pytest.approx(value / 100)


def test_negative_gap_is_noted_and_not_a_problem():
    d = diagnose(3.0, human_error=1.0, dev_error=5.0, test_error=4.0)
    assert d.dev_overfitting == pytest.approx(-1.0)
    assert "dev_overfitting" not in d.large
    assert any("negative" in note for note in d.notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"train_error": None, "dev_error": 3.0}, "needs the training error"),
        ({"train_error": -0.1}, "train_error=-0.1"),
        ({"train_error": 0.1, "dev_error": 1.5, "unit": "fraction"}, "expects a fraction in [0, 1]. Received: dev_error=1.5"),
        ({"train_error": 5.0, "dev_error": 120.0}, "expects a percentage in [0, 100]. Received: dev_error=120"),
        ({"train_error": 0.088, "dev_error": 14.3}, "mix of fractions and percentages"),
        ({"train_error": "8.8"}, "expects a finite number"),
        ({"train_error": float("nan")}, "expects a finite number"),
        ({"train_error": 0.1, "unit": "percentage"}, "unit='percentage'"),
    ],
)
def test_bad_inputs_raise_a_clear_config_error(kwargs, message):
    with pytest.raises(gn.ConfigError) as info:
        diagnose(**kwargs)
    assert message in str(info.value)


def test_text_and_json_forms_have_the_gaps_verdict_and_remedies():
    d = diagnose(8.8, human_error=0.5, train_dev_error=9.1, dev_error=14.3, test_error=14.8)
    text = d.to_text()
    assert "avoidable bias              8.30%  <- focus" in text
    assert "data mismatch               5.20%  (large)" in text
    assert "To reduce data mismatch:" in text and "  1. Train a bigger network" in text
    data = json.loads(json.dumps(d.to_dict()))
    for key in ("avoidable_bias", "variance", "data_mismatch", "dev_overfitting", "focus", "remedies"):
        assert key in data
    assert data["variance"] == 0.3  # rounded: not 0.29999999999999893


# ------------------------------------------------------------------------------ CLI
def test_cli_diagnose_json_and_text():
    args = ["diagnose", "--human-error", "0.5", "--train-error", "8.8", "--train-dev-error", "9.1", "--dev-error", "14.3", "--test-error", "14.8"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["focus"] == ["avoidable_bias"] and data["data_mismatch"] == pytest.approx(5.2)
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0 and "Work on avoidable bias first." in text.stdout


def test_cli_diagnose_without_train_error_exits_2_with_one_line():
    result = CliRunner().invoke(main, ["diagnose", "--dev-error", "3"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: diagnose needs the training error (--train-error); every gap is measured from it."


def test_train_reports_the_diagnosis_of_its_own_errors():
    result = CliRunner().invoke(main, ["train", "--epochs", "3", "--json", "--quiet", "--human-error", "0.01"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    diagnosis = report["diagnosis"]
    assert diagnosis["unit"] == "fraction"
    assert diagnosis["errors"]["train"] == report["train_error"] and diagnosis["errors"]["dev"] == report["dev_error"]
    assert diagnosis["avoidable_bias"] == pytest.approx(report["train_error"] - 0.01, abs=1e-12)
    assert diagnosis["variance"] == pytest.approx(report["dev_error"] - report["train_error"], abs=1e-12)
    assert diagnosis["focus"] and set(diagnosis["remedies"]) == set(diagnosis["large"])


def test_train_run_folder_holds_the_diagnosis_with_train_dev_and_the_learning_curve(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--epochs", "2", "--quiet", "--train-dev", "0.2", "--out", str(out), "--learning-curve"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "avoidable bias" in result.stdout and "(upper bound)" in result.stdout and "data mismatch" in result.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    diagnosis = metrics["diagnosis"]
    assert diagnosis["errors"]["train_dev"] == metrics["train_dev_error"]
    assert diagnosis["variance"] == pytest.approx(metrics["train_dev_error"] - metrics["train_error"], abs=1e-12)
    assert diagnosis["data_mismatch"] == pytest.approx(metrics["dev_error"] - metrics["train_dev_error"], abs=1e-12)
    assert (out / "learning_curve.png").read_bytes()[:8] == PNG_MAGIC  # a bare --learning-curve goes into the run folder
    sizes = metrics["learning_curve"]["sizes"]
    assert len(sizes) == 5 and sizes == sorted(sizes) and len(set(sizes)) == 5

# ------------------------------------------------------------------------------ remedies fit the run
def test_remedies_take_the_run_settings_into_account():
    from glassnet.cli.strategy import CLI_NAMES
    from glassnet.strategy.diagnose import RunSettings

    adam = RunSettings(optimizer="adam", hidden=(64, 32), l2=0.0, keep_prob=1.0, epochs=40)
    bias = diagnose(0.2, human_error=0.01, dev_error=0.21, settings=adam, names=CLI_NAMES).remedies["avoidable_bias"]
    text = " ".join(bias)
    assert "optimizer" not in text  # Adam is in use: no "use a better optimizer"
    assert "regularisation" not in text  # none to remove
    assert "this run's 64,32 → e.g. --layers 128,64" in text and "this run's 40 → e.g. --epochs 80" in text
    sgd = RunSettings(optimizer="sgd", hidden=(16,), l2=0.01, keep_prob=0.8, epochs=10)
    bias = " ".join(diagnose(0.2, human_error=0.01, dev_error=0.21, settings=sgd, names=CLI_NAMES).remedies["avoidable_bias"])
    assert "momentum, RMSprop or Adam (--optimizer)" in bias
    assert "a smaller L2 λ than 0.01 (--l2 0.001)" in bias and "a higher keep probability than 0.8 (--keep-prob 1.0)" in bias
    variance = " ".join(diagnose(0.01, human_error=0.01, dev_error=0.2, settings=sgd, names=CLI_NAMES).remedies["variance"])
    assert "the current λ is 0.01 → e.g. --l2 0.1" in variance and "smaller network than this run's 16 (e.g. --layers 8)" in variance
    rmsprop = RunSettings(optimizer="rmsprop")
    assert any("Use Adam instead of rmsprop (optimizer='adam')" in r for r in diagnose(0.2, dev_error=0.21, settings=rmsprop).remedies["avoidable_bias"])


def test_library_names_python_parameters_and_the_cli_names_flags():
    python = " ".join(diagnose(0.2, dev_error=0.3).remedies["avoidable_bias"])
    assert "(hidden_layer_sizes)" in python and "--" not in python
    with pytest.raises(gn.ConfigError, match=r"Received: train_error=-0\.1"):
        diagnose(-0.1)
    result = CliRunner().invoke(main, ["diagnose", "--train-error", "-0.1"])
    assert result.exit_code == 2 and result.output.strip() == "Error: --train-error expects an error rate ≥ 0. Received: --train-error -0.1"


def test_no_gap_is_large_when_every_error_is_small():
    # every error below 1 %, test accuracy 100 %: nothing to "work on first", but what to try for more
    d = diagnose(0.0, dev_error=0.0083, test_error=0.0)
    assert d.focus == [] and d.large == [] and d.remedies == {}
    assert d.verdict == "No gap is large: the largest, variance, is 0.0083."
    assert any("error analysis" in step for step in d.next_steps) and any("human_error" in step for step in d.next_steps)
    assert "If you want more:" in d.to_text()
    assert diagnose(0.0, dev_error=0.02).focus == ["variance"]  # 2 points is not small
