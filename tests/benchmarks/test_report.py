"""The benchmark's verdicts come from its numbers: noise, impossible ratios, the floor, the goals."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import report  # noqa: E402


def _run(impl, rate, scenario="big", batch=32, repeat=0, **extra):
    return {"impl": impl, "scenario": scenario, "batch_size": batch, "repeat": repeat, "samples_per_second": rate,
            "peak_rss_mb": 100.0, "dtype": "float32", "others_cpu_share": 0.0, **extra}


def _steady_runs():
    runs = []
    for repeat, wobble in enumerate((1.0, 1.02, 0.99)):
        runs += [_run("glassnet", 20_000 * wobble, repeat=repeat), _run("torch-fused", 10_000 * wobble, repeat=repeat),
                 _run("torch", 5_000 * wobble, repeat=repeat), _run("floor", 25_000 * wobble, repeat=repeat)]
    return runs


def test_steady_rounds_on_a_quiet_machine_are_trusted_and_give_the_ratios():
    runs = _steady_runs()
    summary = report.summarise(runs)
    trustworthy, reasons = report.noise_verdict(summary, runs)
    assert trustworthy and reasons == []
    ratios = report.ratios(summary)["big"]
    assert ratios["fastest PyTorch"]["32"] == pytest.approx(20_000 / 10_000)
    assert ratios["floor"]["32"] == pytest.approx(0.8)
    goals = report.goal_verdicts(report.ratios(summary), {}, 1, 2)
    assert "big bs 32: glassnet ÷ fastest PyTorch = 2.00× (goal ≥ 1.2×): met" in goals
    assert "big bs 32: glassnet ÷ floor = 80% (goal ≥ 50%): met" in goals


@pytest.mark.parametrize("change, expected", [
    (lambda runs: runs.append(_run("glassnet", 30_000, repeat=3)), "rounds differ by"),
    (lambda runs: [run.update(samples_per_second=40_000) for run in runs if run["impl"] == "glassnet"],
     "1.60× the floor, which is impossible"),
    (lambda runs: runs[1].update(others_cpu_share=0.4), "shared the machine with other processes (up to 40%"),
    (lambda runs: runs.__delitem__(slice(4, None)), "only one round in big"),
])
def test_noise_is_detected_and_named(change, expected):
    runs = _steady_runs()
    change(runs)
    trustworthy, reasons = report.noise_verdict(report.summarise(runs), runs)
    assert not trustworthy
    assert any(expected in reason for reason in reasons), reasons


def test_the_load_scenario_reports_the_slowdown_against_a_fair_share():
    runs = [_run("glassnet", 20_000, label="load-quiet"), _run("glassnet", 12_000, label="load-busy"),
            _run("torch", 10_000, label="load-quiet"), _run("torch", 1_000, label="load-busy")]
    slowdowns = report.slowdowns(report.summarise(runs))
    assert slowdowns == {"glassnet": {"32": pytest.approx(20 / 12)}, "torch": {"32": pytest.approx(10.0)}}
    assert report.allowed_slowdown(1, 2) == 2.0 and report.allowed_slowdown(1, 4) == pytest.approx(4 / 3)
    goals = report.goal_verdicts({}, slowdowns, 1, 2)
    assert goals == ["under load, glassnet bs 32: slowdown 1.67× (fair share ≤ 2.00×): met",
                     "under load, torch bs 32: slowdown 10.00× (fair share ≤ 2.00×): NOT met"]
