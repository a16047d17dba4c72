"""The experiment registry: every claim of the course is registered once, in course order, and looked up by name."""

import pytest

from glassnet.errors import ConfigError
from glassnet.lessons.base import DOES_NOT_HOLD, Check, verdict
from glassnet.lessons.registry import EXPERIMENTS, LESSONS, ORDER, get_experiment, names

ISSUE_TABLE = ("logistic-vs-hidden", "vectorization", "activations", "learning-rate", "initialization", "bias-variance", "regularization",
               "mini-batch", "ewa", "optimizers", "decay", "log-scale", "batchnorm", "softmax", "strategy")


def test_every_claim_of_the_course_is_registered_in_order():
    assert names() == ORDER
    assert set(ISSUE_TABLE) <= set(names())
    lessons = [experiment.lesson for experiment in EXPERIMENTS]
    assert lessons == sorted(lessons) and set(lessons) <= set(LESSONS)


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=lambda e: e.name)
def test_each_experiment_says_its_claim_explanation_and_settings(experiment):
    assert experiment.claim.endswith(".") and len(experiment.claim) < 250
    assert len(experiment.explanation) > 100
    assert set(experiment.quick_settings) <= set(experiment.settings)  # quick only shrinks known settings
    assert get_experiment(experiment.name) is experiment


def test_an_unknown_name_lists_the_names():
    with pytest.raises(ConfigError, match="Unknown lesson 'nope'; expected one of: logistic-vs-hidden, vectorization,"):
        get_experiment("nope")


def test_an_unknown_override_is_refused_naming_the_settings():
    with pytest.raises(ConfigError, match="has no setting 'epoch'; its settings are"):
        get_experiment("initialization").resolved_settings(quick=True, overrides={"epoch": 3})


def test_no_checks_is_no_verdict():
    assert verdict([]) == DOES_NOT_HOLD
    assert verdict([Check("a", True), Check("b", False)]) == DOES_NOT_HOLD
    assert verdict([Check("a", True)]) == "holds"
