"""Search spaces: each distribution samples evenly in its own coordinate, parses back from its spec, and narrows
around the best trials without leaving its range."""

import math

import numpy as np
import pytest

from glassnet.errors import ConfigError
from glassnet.strategy.search_space import (
    Choice,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    Uniform,
    describe_space,
    narrow_space,
    parse_distribution,
    sample_configs,
)


# ------------------------------------------------------------------------------ sampling
def test_log_uniform_puts_equal_counts_in_each_decade():
    samples = np.array(LogUniform(1e-4, 1e-1).sample(np.random.default_rng(0), 6000))
    assert samples.min() >= 1e-4 and samples.max() <= 1e-1
    counts, _ = np.histogram(samples, bins=[1e-4, 1e-3, 1e-2, 1e-1])
    assert counts.sum() == 6000
    # 2000 expected per decade (binomial sd ≈ 37); a uniform sampler would put ~90 % in the last decade.
    assert np.all(np.abs(counts - 2000) < 150), counts


def test_one_minus_log_puts_as_many_betas_in_0_99_0_999_as_in_0_9_0_99():
    samples = np.array(OneMinusLogUniform(0.9, 0.999).sample(np.random.default_rng(1), 4000))
    assert samples.min() >= 0.9 and samples.max() <= 0.999
    low = np.sum(samples < 0.99)
    high = np.sum(samples >= 0.99)
    assert abs(low - high) < 200, (low, high)  # uniform in β would give 3636 vs 364


def test_uniform_int_and_choice_samplers():
    rng = np.random.default_rng(2)
    u = np.array(Uniform(2.0, 4.0).sample(rng, 4000))
    assert u.min() >= 2 and u.max() <= 4 and abs(np.mean(u < 3.0) - 0.5) < 0.04
    ints = IntUniform(1, 4).sample(rng, 4000)
    assert all(isinstance(v, int) for v in ints)
    assert sorted(set(ints)) == [1, 2, 3, 4]  # both ends included
    assert all(abs(ints.count(v) - 1000) < 120 for v in range(1, 5))
    picks = Choice(["32", "64,32"]).sample(rng, 1000)
    assert set(picks) == {"32", "64,32"} and abs(picks.count("32") - 500) < 80


def test_seeded_sampling_is_reproducible():
    space = {"learning_rate": LogUniform(1e-4, 1e-1), "layers": Choice(["32", "64"])}
    first = sample_configs(space, np.random.default_rng(7), 5)
    assert first == sample_configs(space, np.random.default_rng(7), 5)
    assert first != sample_configs(space, np.random.default_rng(8), 5)


def test_spec_round_trips_through_the_parser():
    for distribution in (LogUniform(1e-4, 0.1), OneMinusLogUniform(0.9, 0.999), Uniform(0.0, 1.0), IntUniform(16, 128), Choice(["a", "b"])):
        assert parse_distribution(distribution.spec()) == distribution


def test_narrowing_keeps_the_best_region_and_shrinks_in_log_units():
    wide = LogUniform(1e-5, 1e-1)  # 4 decades
    narrow = wide.narrow([2e-3, 5e-3, 1e-3])
    assert narrow.low <= 1e-3 and narrow.high >= 5e-3
    assert math.log10(narrow.high / narrow.low) <= 0.5 * 4 + 1e-9
    assert math.log10(narrow.high / narrow.low) == pytest.approx(math.log10(5e-3 / 1e-3) + 2 * 0.1 * 4)  # span + 10 % padding each side
    spread = wide.narrow([1e-5, 1e-1])  # best trials at both ends: a half-width window centred on the first
    assert spread.low == pytest.approx(1e-5) and spread.high == pytest.approx(1e-3)
    assert Choice(["32", "64", "128"]).narrow(["64", "64", "128"]).options == ["64", "128"]
    assert IntUniform(1, 100).narrow([40, 50]) == IntUniform(30, 60)  # 40…50 padded by 9.9 each side, rounded out



def test_a_log_range_over_six_decades_gives_each_decade_a_sixth():
    samples = np.log10(LogUniform(1e-7, 1e-1).sample(np.random.default_rng(3), 6000))
    counts, _ = np.histogram(samples, bins=np.arange(-7, 0))
    # 1000 expected per decade (sd ≈ 29); uniform in x would leave the first five decades with ~60 samples in all
    assert np.all(np.abs(counts - 1000) < 120), counts


# ------------------------------------------------------------------------------ bad ranges
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: LogUniform(0.0, 1.0), "low > 0"),
        (lambda: LogUniform(1e-2, 1e-3), "finite low < high"),
        (lambda: Uniform(1.0, float("inf")), "finite low < high"),
        (lambda: OneMinusLogUniform(0.9, 1.0), "0 ≤ low < high < 1"),
        (lambda: IntUniform(1.5, 4), "integer bounds"),
        (lambda: IntUniform(5, 4), "integer bounds"),
        (lambda: Choice([]), "at least one value"),
        (lambda: Choice(["32", "32"]), "twice"),
    ],
)
def test_bad_ranges_are_refused_with_the_received_values(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


@pytest.mark.parametrize(
    ("spec", "message"),
    [("gauss:0:1", "Unknown distribution 'gauss'"), ("log:1e-4", "two numbers"), ("uniform:a:b", "'uniform:a:b'"), ("choice:1|x", "choice values")],
)
def test_unreadable_specs_name_the_spec(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_distribution(spec, convert=int)


def test_choice_values_are_converted():
    assert parse_distribution("choice:16|32", convert=int) == Choice([16, 32])


# ------------------------------------------------------------------------------ narrowing
def test_narrowing_without_best_trials_keeps_the_range():
    assert LogUniform(1e-4, 1e-1).narrow([]) == LogUniform(1e-4, 1e-1)


def test_narrowing_at_the_edge_stays_inside_the_range_and_keeps_its_width():
    narrow = LogUniform(1e-5, 1e-1).narrow([1e-5])  # padded ±0.4 decades around −5, shifted back inside
    assert narrow.low == pytest.approx(1e-5)
    assert math.log10(narrow.high) == pytest.approx(-5 + 0.8)


def test_betas_narrow_in_log10_of_one_minus_beta():
    narrow = OneMinusLogUniform(0.9, 0.9999).narrow([0.98, 0.99])  # 1 − β: 0.02 and 0.01, 3 decades wide
    assert narrow.low < 0.98 and narrow.high > 0.99
    padded = math.log10(0.02 / 0.01) + 2 * 0.1 * 3  # span + 10 % of the width on each side, in log10(1 − β)
    assert math.log10((1 - narrow.low) / (1 - narrow.high)) == pytest.approx(padded)


def test_narrow_space_narrows_every_parameter_and_describe_gives_the_specs():
    space = {"learning_rate": LogUniform(1e-4, 1e-1), "layers": Choice(["32", "64"]), "epochs": IntUniform(10, 40)}
    best = [{"learning_rate": 1e-3, "layers": "64", "epochs": 20}, {"learning_rate": 2e-3, "layers": "64", "epochs": 22}]
    narrowed = narrow_space(space, best)
    assert narrowed["layers"] == Choice(["64"])
    assert 1e-4 < narrowed["learning_rate"].low < 1e-3 and 2e-3 < narrowed["learning_rate"].high < 1e-1
    assert narrowed["epochs"] == IntUniform(17, 25)  # 20…22 padded by 10 % of the width 30 on each side
    assert describe_space(narrowed) == {"learning_rate": narrowed["learning_rate"].spec(), "layers": "choice:64", "epochs": "int:17:25"}
