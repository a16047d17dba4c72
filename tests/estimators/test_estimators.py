"""GlassClassifier and GlassRegressor inside scikit-learn: pipelines, searches, weights, partial_fit."""

import json
import pickle
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import RandomizedSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet import BinaryCrossEntropy, ConfigError, DataError, MeanSquaredError, ModelFileError, SoftmaxCrossEntropy
from glassnet.nn.builders import build_optimizer
from glassnet.estimators.file_format import estimator_description, estimator_from_description
from glassnet.estimators.models import GlassClassifier, GlassRegressor
from glassnet.optim.optimizers import Adam, Momentum, RMSprop


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small networks train several times faster on one BLAS thread than on many."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_glassnet_exports_the_estimators_without_importing_scikit_learn_up_front():
    code = (
        "import sys, glassnet; assert 'sklearn.base' not in sys.modules; "
        "from glassnet.estimators import GlassClassifier, GlassRegressor; "
        "assert (glassnet.GlassClassifier, glassnet.GlassRegressor) == (GlassClassifier, GlassRegressor)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"keep_prob": 1.5}, "keep_prob=1.5"),
        ({"keep_prob": 0.0}, "keep_prob=0.0"),
        ({"hidden_layer_sizes": (16, 0)}, "hidden_layer_sizes=(16, 0)"),
        ({"activation": "softsign"}, "activation='softsign'"),
        ({"optimizer": "adagrad"}, "optimizer='adagrad'"),
        ({"learning_rate": -0.1}, "learning_rate=-0.1"),
        ({"beta1": 1.0}, "beta1=1.0"),
        ({"optimizer": "momentum", "beta2": 0.99}, "beta2=0.99"),
        ({"optimizer": "sgd", "epsilon": 1e-7}, "epsilon=1e-07"),
        ({"batch_size": 0}, "batch_size=0"),
        ({"epochs": 0}, "epochs=0"),
        ({"decay": "cosine"}, "decay='cosine'"),
        ({"validation_fraction": 1.0}, "validation_fraction=1.0"),
        ({"batchnorm": "yes"}, "batchnorm='yes'"),
        ({"dtype": "float16"}, "dtype='float16'"),
        ({"class_weight": "even"}, "class_weight='even'"),
        ({"class_weight": {0: 1.0, 7: 2.0}}, "class_weight={0: 1.0, 7: 2.0}"),
    ],
)
def test_bad_parameters_are_stored_by_the_constructor_and_rejected_by_fit_naming_the_value(params, named, iris):
    classifier = GlassClassifier(**{"epochs": 1, **params})  # scikit-learn's rule: the constructor never raises
    assert classifier.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(ConfigError, match=re.escape(named)):
        classifier.fit(*iris)


def test_build_optimizer_routes_the_betas_to_each_optimizer():
    # beta1 is the β of the first moment v, beta2 the β of the second moment s
    assert build_optimizer("momentum", 0.1, beta1=0.8) == Momentum(0.1, beta=0.8)
    assert build_optimizer("rmsprop", 0.01, beta2=0.9, epsilon=1e-6) == RMSprop(0.01, beta=0.9, epsilon=1e-6)
    assert build_optimizer("adam", 0.01, beta1=0.5, beta2=0.9, epsilon=1e-7) == Adam(0.01, beta1=0.5, beta2=0.9, epsilon=1e-7)
    assert build_optimizer("adam", 0.01) == Adam(0.01)  # None keeps the defaults
    assert build_optimizer("adam", 0.01, 0.8, beta2=0.9) == Adam(0.01, beta1=0.8, beta2=0.9)  # the CLI's beta is Adam's β₁
    with pytest.raises(ConfigError, match="beta and beta2 both set the 'rmsprop' optimizer's beta"):
        build_optimizer("rmsprop", 0.01, 0.9, beta2=0.99)


# ---------------------------------------------------------------------------------------------- classifier
def test_binary_classifier_uses_one_sigmoid_output_and_string_labels():
    X, y = load_breast_cancer(return_X_y=True)
    labels = np.where(y == 1, "benign", "malignant")
    X_train, X_test, y_train, y_test = train_test_split(X, labels, test_size=0.3, random_state=0, stratify=labels)
    model = make_pipeline(StandardScaler(), GlassClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=20, random_state=0))
    model.fit(X_train, y_train)
    classifier = model[-1]

    assert list(classifier.classes_) == ["benign", "malignant"]
    assert isinstance(classifier.network_.loss, BinaryCrossEntropy) and classifier.network_.output_units == 1
    assert model.score(X_test, y_test) > 0.95  # a broken network stays near the 63 % majority rate
    probabilities = model.predict_proba(X_test)
    decision = model.decision_function(X_test)
    assert probabilities.shape == (len(X_test), 2) and decision.shape == (len(X_test),)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(probabilities[:, 1], 1.0 / (1.0 + np.exp(-decision)))  # P(classes_[1]) = σ(logit)
    np.testing.assert_array_equal(model.predict(X_test), np.where(decision > 0, "malignant", "benign"))


def test_multiclass_classifier_uses_softmax_over_string_labels(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    classifier = GlassClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=30, random_state=0).fit(X, names)

    assert isinstance(classifier.network_.loss, SoftmaxCrossEntropy) and classifier.network_.output_units == 3
    assert classifier.score(X, names) > 0.93
    logits = classifier.decision_function(X)
    probabilities = classifier.predict_proba(X)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probabilities, expected / expected.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(classifier.predict(X), classifier.classes_[logits.argmax(axis=1)])
    assert classifier.n_iter_ == 30 and len(classifier.loss_curve_) == 30
    assert classifier.loss_curve_[-1] < 0.5 * classifier.loss_curve_[0]
    assert classifier.validation_scores_ is None


def test_pipeline_in_cross_val_score():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), GlassClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=15, random_state=0))
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.93


def test_randomized_search_samples_learning_rate_and_l2_on_a_log_scale(iris):
    X, y = iris
    search = RandomizedSearchCV(
        GlassClassifier(hidden_layer_sizes=(16,), epochs=15, random_state=0),
        {"learning_rate": loguniform(1e-4, 1e-1), "l2": loguniform(1e-5, 1e-1)},
        n_iter=5,
        cv=3,
        random_state=0,
    )
    search.fit(X, y)
    rates = np.asarray(search.cv_results_["param_learning_rate"], dtype=float)
    assert len(set(rates)) == 5 and np.all((rates >= 1e-4) & (rates <= 1e-1))
    scores = search.cv_results_["mean_test_score"]
    # a learning rate 100× larger learns iris in 15 epochs; the smallest barely moves from the start
    assert scores[np.argmax(rates)] > scores[np.argmin(rates)]
    assert search.best_estimator_.learning_rate == search.best_params_["learning_rate"]
    assert search.best_score_ > 0.85


def test_fitted_on_a_dataframe_the_classifier_knows_its_feature_names(iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal_length", "sepal_width", "petal_length", "petal_width"])
    classifier = GlassClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(frame, y)
    assert list(classifier.feature_names_in_) == list(frame.columns) and classifier.n_features_in_ == 4
    with pytest.raises(ValueError, match="feature names"):
        classifier.predict(frame[frame.columns[::-1]])


# ---------------------------------------------------------------------------------------------- weights
@pytest.mark.parametrize("estimator_class", [GlassClassifier, GlassRegressor])
def test_sample_weight_two_equals_a_duplicated_row_in_full_batch_training(estimator_class):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) if estimator_class is GlassClassifier else X @ rng.normal(size=5)
    weights = np.ones(40)
    weights[:6] = 2.0
    X_repeated, y_repeated = np.concatenate([X, X[:6]]), np.concatenate([y, y[:6]])
    settings = dict(hidden_layer_sizes=(8,), batch_size=None, epochs=25, learning_rate=0.05, l2=0.01, dtype="float64", random_state=3)

    weighted = estimator_class(**settings).fit(X, y, sample_weight=weights)
    repeated = estimator_class(**settings).fit(X_repeated, y_repeated)
    unweighted = estimator_class(**settings).fit(X, y)

    # Σwℓ/Σw with w = 2 is the mean over the rows with that row twice, and the L2 term's m is Σw = 46
    np.testing.assert_allclose(weighted.network_.flat_parameters, repeated.network_.flat_parameters, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)
    assert np.max(np.abs(weighted.network_.flat_parameters - unweighted.network_.flat_parameters)) > 1e-3


def test_class_weight_balanced_raises_minority_recall():
    X, y = make_classification(n_samples=600, n_features=6, weights=[0.92], class_sep=0.5, flip_y=0.02, random_state=1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    settings = dict(hidden_layer_sizes=(16,), epochs=30, random_state=0)
    plain = GlassClassifier(**settings).fit(X_train, y_train)
    balanced = GlassClassifier(class_weight="balanced", **settings).fit(X_train, y_train)

    plain_recall = recall_score(y_test, plain.predict(X_test))
    balanced_recall = recall_score(y_test, balanced.predict(X_test))
    assert balanced_recall > plain_recall + 0.2, (plain_recall, balanced_recall)


def test_class_weight_dict_equals_the_same_sample_weights(iris):
    X, y = iris
    settings = dict(hidden_layer_sizes=(8,), epochs=3, dtype="float64", random_state=0)
    by_class = GlassClassifier(class_weight={0: 3.0, 1: 1.0, 2: 0.5}, **settings).fit(X, y)
    by_row = GlassClassifier(**settings).fit(X, y, sample_weight=np.array([3.0, 1.0, 0.5])[y])
    np.testing.assert_allclose(by_class.network_.flat_parameters, by_row.network_.flat_parameters, rtol=1e-12)


# ---------------------------------------------------------------------------------------------- partial_fit
def test_partial_fit_continues_the_optimizer_state_and_equals_fit(iris):
    X, y = iris
    settings = dict(hidden_layer_sizes=(8,), batch_size=50, random_state=0)  # 150 rows: 3 Adam steps per epoch
    incremental = GlassClassifier(**settings)
    steps = []
    for _ in range(3):
        incremental.partial_fit(X, y, classes=[0, 1, 2])
        steps.append(incremental.optimizer_state_["t"])
    assert steps == [3, 6, 9] and incremental.n_iter_ == 3 and len(incremental.loss_curve_) == 3

    # three calls of one epoch are exactly one fit of three epochs: same weights, shuffles and moments
    whole = GlassClassifier(epochs=3, **settings).fit(X, y)
    np.testing.assert_array_equal(incremental.network_.flat_parameters, whole.network_.flat_parameters)
    np.testing.assert_array_equal(incremental.optimizer_state_["v"]["layers.0.W"], whole.optimizer_state_["v"]["layers.0.W"])
    assert incremental.loss_curve_ == whole.loss_curve_


def test_partial_fit_refuses_a_missing_classes_argument_unknown_labels_and_balanced_weights(iris):
    X, y = iris
    with pytest.raises(ConfigError, match="classes="):
        GlassClassifier().partial_fit(X, y)
    classifier = GlassClassifier(hidden_layer_sizes=(4,)).partial_fit(X[y < 2], y[y < 2], classes=[0, 1])
    with pytest.raises(DataError, match="label 2"):
        classifier.partial_fit(X, y)
    with pytest.raises(ConfigError, match="balanced"):
        GlassClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


# ---------------------------------------------------------------------------------------------- training options
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_every_optimizer_trains_through_the_estimator(optimizer, iris):
    rates = {"sgd": 0.2, "momentum": 0.2, "rmsprop": 0.01, "adam": 0.01}
    classifier = GlassClassifier(hidden_layer_sizes=(16,), optimizer=optimizer, learning_rate=rates[optimizer], epochs=25, random_state=0)
    classifier.fit(*iris)
    assert classifier.loss_curve_[-1] < 0.5 * classifier.loss_curve_[0]
    assert classifier.score(*iris) > 0.9
    moments = {"sgd": set(), "momentum": {"v"}, "rmsprop": {"s"}, "adam": {"v", "s"}}[optimizer]
    assert set(classifier.optimizer_state_) - {"t"} == moments


def test_decay_schedule_reaches_training(iris):
    # inverse-time decay α₀/(1 + k·epoch) with k = 1e6: epoch 0 trains at α₀, every later epoch at ≤ α₀·1e-6,
    # so the cost stops moving after the first epoch; without decay it keeps falling
    settings = dict(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=6, random_state=0)
    frozen = GlassClassifier(decay="inverse-time", decay_rate=1e6, **settings).fit(*iris)
    free = GlassClassifier(**settings).fit(*iris)
    assert abs(frozen.loss_curve_[5] - frozen.loss_curve_[1]) < 1e-3
    assert free.loss_curve_[1] - free.loss_curve_[5] > 0.05


@pytest.mark.parametrize("decay, second_rate", [("inverse-time", 0.01 / 1.1), ("exponential", 0.01 * 0.95), ("step", 0.01)])
def test_decay_without_a_rate_uses_each_schedules_default_as_the_cli_does(decay, second_rate, iris, capsys):
    # decay_rate left out: builders.DEFAULT_DECAY_RATES, as `glassnet train --decay ...` uses —
    # inverse-time k = 0.1 → α₀/(1 + 0.1·1) at epoch 1; exponential r = 0.95 → 0.95·α₀; step drops only at epoch 10
    GlassClassifier(hidden_layer_sizes=(4,), learning_rate=0.01, epochs=2, decay=decay, random_state=0, verbose=1).fit(*iris)
    rates = [float(line.split("learning_rate ")[1].split()[0]) for line in capsys.readouterr().err.splitlines()]
    assert rates == [0.01, pytest.approx(second_rate, rel=1e-3)]


def test_early_stopping_holds_out_rows_and_keeps_the_best_epoch():
    X, y = make_classification(n_samples=300, n_features=20, n_informative=3, flip_y=0.2, random_state=0)
    classifier = GlassClassifier(
        hidden_layer_sizes=(128,), learning_rate=0.01, epochs=300, early_stopping=True, validation_fraction=0.2, patience=4, random_state=0
    ).fit(X, y)
    assert classifier.n_iter_ < 300  # 20 % label noise: the dev cost turns up long before 300 epochs
    assert len(classifier.validation_scores_) == len(classifier.loss_curve_) == classifier.n_iter_
    assert classifier.best_epoch_ == classifier.n_iter_ - 1 - 4  # it stops after `patience` epochs without a better dev cost
    assert all(0.0 <= score <= 1.0 for score in classifier.validation_scores_)


def test_one_class_is_refused_with_a_message_about_classes():
    with pytest.raises(DataError, match="one class"):
        GlassClassifier().fit(np.zeros((5, 2)), np.ones(5))


# ---------------------------------------------------------------------------------------------- regressor
def test_regressor_fits_one_and_several_targets():
    X, y = make_regression(n_samples=300, n_features=5, n_informative=5, noise=1.0, random_state=0)
    y = y / y.std()
    targets = np.column_stack([y, np.sin(X[:, 0]) + X[:, 1] ** 2 / 4])
    settings = dict(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=60, random_state=0)

    single = GlassRegressor(**settings).fit(X, y)
    assert isinstance(single.network_.loss, MeanSquaredError) and single.n_outputs_ == 1
    assert single.predict(X).shape == (300,) and single.score(X, y) > 0.97

    double = GlassRegressor(**settings).fit(X, targets)
    assert double.n_outputs_ == 2 and double.network_.output_units == 2
    assert double.predict(X).shape == (300, 2) and double.score(X, targets) > 0.9
    with pytest.raises(DataError, match="2"):
        double.partial_fit(X, y)  # one target column where the regressor was fitted on two

    stopped = GlassRegressor(early_stopping=True, patience=3, **settings).fit(X, y)
    assert len(stopped.validation_scores_) == stopped.n_iter_ and max(stopped.validation_scores_) > 0.9  # dev R²


# ---------------------------------------------------------------------------------------------- pickling
def test_pickled_estimator_predicts_identically_and_partial_fit_continues_identically(iris):
    X, y = iris
    classifier = GlassClassifier(hidden_layer_sizes=(8,), learning_rate=0.01, epochs=3, random_state=0).fit(X, y)
    twin = pickle.loads(pickle.dumps(classifier))
    np.testing.assert_array_equal(twin.predict_proba(X), classifier.predict_proba(X))
    classifier.partial_fit(X, y)
    twin.partial_fit(X, y)
    np.testing.assert_array_equal(twin.network_.flat_parameters, classifier.network_.flat_parameters)
    assert twin.optimizer_state_["t"] == classifier.optimizer_state_["t"] == 4 * 5  # 4 epochs of 5 batches of ≤ 32


@pytest.mark.slow
def test_cross_validation_on_joblib_worker_processes():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), GlassClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=10, random_state=0))
    in_process = cross_val_score(model, X, y, cv=3)
    in_workers = cross_val_score(model, X, y, cv=3, n_jobs=2)  # the estimator travels to loky workers by pickle
    np.testing.assert_array_equal(in_workers, in_process)
    assert in_process.min() > 0.93


@pytest.mark.slow
def test_halving_random_search_spends_epochs_as_its_resource(iris):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    search = HalvingRandomSearchCV(
        GlassClassifier(hidden_layer_sizes=(16,), random_state=0),
        {"learning_rate": loguniform(1e-4, 1e-1)},
        resource="epochs",
        min_resources=3,
        max_resources=27,
        factor=3,
        n_candidates=9,
        cv=3,
        random_state=0,
    )
    search.fit(*iris)
    assert sorted(set(search.cv_results_["param_epochs"])) == [3, 9, 27]
    assert search.best_params_["epochs"] == 27 and search.best_score_ > 0.9


@pytest.mark.slow
def test_accuracy_on_digits_is_within_a_few_points_of_mlp_classifier():
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.3, stratify=y, random_state=0)
    # the same network and training: 64 ReLU units, softmax, Adam(α = 1e-3), mini-batches of 32, 30 epochs, λ = 1e-4
    glass = GlassClassifier(hidden_layer_sizes=(64,), l2=1e-4, batch_size=32, epochs=30, random_state=0).fit(X_train, y_train)
    mlp = MLPClassifier(
        hidden_layer_sizes=(64,), alpha=1e-4, batch_size=32, max_iter=30, learning_rate_init=1e-3, n_iter_no_change=30, random_state=0
    )
    with pytest.warns(ConvergenceWarning):  # MLPClassifier warns when max_iter ends its training
        mlp.fit(X_train, y_train)
    glass_accuracy, mlp_accuracy = glass.score(X_test, y_test), mlp.score(X_test, y_test)
    assert mlp_accuracy > 0.95 and abs(glass_accuracy - mlp_accuracy) < 0.03, (glass_accuracy, mlp_accuracy)


# ---------------------------------------------------------------------------------------------- model-file description
def test_estimator_description_is_json_and_rebuilds_an_equal_estimator(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    classifier = GlassClassifier(hidden_layer_sizes=(8,), epochs=2, class_weight={"setosa": 2.0, "versicolor": 1.0, "virginica": 1.0}, random_state=1)
    classifier.fit(pd.DataFrame(X, columns=list("abcd")), names)
    regressor = GlassRegressor(hidden_layer_sizes=(8,), epochs=2, random_state=np.random.RandomState(0)).fit(X[:, :2], X[:, 2:])

    for estimator, inputs in ((classifier, pd.DataFrame(X, columns=list("abcd"))), (regressor, X[:, :2])):
        text = json.dumps(estimator_description(estimator))
        twin = estimator_from_description(json.loads(text), pickle.loads(pickle.dumps(estimator.network_)))
        assert type(twin) is type(estimator) and twin.n_iter_ == 2 and twin.loss_curve_ == estimator.loss_curve_
        np.testing.assert_array_equal(twin.predict(inputs), estimator.predict(inputs))
    assert twin.random_state is None  # a RandomState object cannot be written as JSON
    rebuilt = estimator_from_description(json.loads(json.dumps(estimator_description(classifier))), classifier.network_)
    assert rebuilt.get_params() == classifier.get_params() and rebuilt.classes_.dtype == classifier.classes_.dtype
    assert list(rebuilt.feature_names_in_) == list("abcd")
    with pytest.raises(DataError, match="4 to 3"):
        estimator_from_description(estimator_description(classifier), regressor.network_)


# ---------------------------------------------------------------------------------------------- dropout and batch norm
def test_dropout_and_batch_norm_are_built_into_the_network_and_off_at_inference(iris):
    X, y = iris
    classifier = GlassClassifier(hidden_layer_sizes=(32, 16), keep_prob=0.8, batchnorm=True, learning_rate=0.01, epochs=30, random_state=0)
    classifier.fit(X, y)
    kinds = [type(layer).__name__ for layer in classifier.network_.layers]
    assert kinds == ["Dense", "BatchNorm", "ReLU", "Dropout", "Dense", "BatchNorm", "ReLU", "Dropout", "Dense"]
    assert all(layer.keep_prob == 0.8 for layer in classifier.network_.layers if type(layer).__name__ == "Dropout")
    running = classifier.network_.buffers()
    assert sorted(running) == ["layers.1.running_mean", "layers.1.running_var", "layers.5.running_mean", "layers.5.running_var"]
    for name, value in running.items():
        untouched = 0.0 if name.endswith("mean") else 1.0  # BatchNorm starts at mean 0 and variance 1
        assert np.all(value != untouched), name  # training updated every running statistic
    np.testing.assert_array_equal(classifier.predict_proba(X), classifier.predict_proba(X))  # no dropout, running statistics
    assert classifier.score(X, y) > 0.9
    twin = pickle.loads(pickle.dumps(classifier))
    np.testing.assert_array_equal(twin.predict_proba(X), classifier.predict_proba(X))


def test_dropout_changes_training_and_keep_prob_one_is_plain(iris):
    X, y = iris
    settings = dict(hidden_layer_sizes=(16,), epochs=3, dtype="float64", random_state=0)
    plain = GlassClassifier(**settings).fit(X, y)
    dropped = GlassClassifier(keep_prob=0.5, **settings).fit(X, y)
    assert "Dropout" not in [type(layer).__name__ for layer in plain.network_.layers]
    assert not np.allclose(dropped.loss_curve_, plain.loss_curve_)


# ---------------------------------------------------------------------------------------------- model files
def test_save_and_load_a_fitted_classifier_in_the_safe_format(tmp_path, iris, monkeypatch):
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal_length", "sepal_width", "petal_length", "petal_width"])
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    classifier = GlassClassifier(hidden_layer_sizes=(16,), batchnorm=True, keep_prob=0.9, learning_rate=0.01, epochs=10, random_state=0)
    classifier.fit(frame, names)
    path = tmp_path / "iris.safetensors"
    gn.save(classifier, path)

    monkeypatch.setattr(pickle, "loads", None)  # loading must not unpickle anything
    loaded = gn.load(path)
    assert type(loaded) is GlassClassifier and loaded.get_params() == classifier.get_params()
    assert list(loaded.classes_) == list(classifier.classes_) and list(loaded.feature_names_in_) == list(frame.columns)
    np.testing.assert_array_equal(loaded.predict_proba(frame), classifier.predict_proba(frame))
    np.testing.assert_array_equal(loaded.predict(frame), classifier.predict(frame))
    assert loaded.n_iter_ == 10 and loaded.loss_curve_ == classifier.loss_curve_
    loaded.partial_fit(frame, names)  # a loaded estimator trains on (with its optimizer moments)
    assert loaded.n_iter_ == 11


def test_save_and_load_a_multi_output_regressor(tmp_path):
    X, y = make_regression(n_samples=80, n_features=4, n_targets=2, random_state=0)
    regressor = GlassRegressor(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X, y / y.std())
    gn.save(regressor, tmp_path / "r.safetensors")
    loaded = gn.load(tmp_path / "r.safetensors")
    assert type(loaded) is GlassRegressor and loaded.n_outputs_ == 2
    np.testing.assert_array_equal(loaded.predict(X), regressor.predict(X))


def test_a_changed_estimator_file_or_an_unfitted_estimator_is_refused(tmp_path, iris):
    classifier = GlassClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(*iris)
    path = tmp_path / "model.safetensors"
    gn.save(classifier, path)
    data = path.read_bytes()
    assert data.count(b'\\"epochs\\": 2') == 1  # the estimator entry is JSON inside the header's metadata
    path.write_bytes(data.replace(b'\\"epochs\\": 2', b'\\"epochs\\": 9'))
    with pytest.raises(ModelFileError, match="checksum"):
        gn.load(path)
    with pytest.raises(ModelFileError, match="not fitted"):
        gn.save(GlassClassifier(), tmp_path / "unfitted.safetensors")


@pytest.mark.parametrize(("rows", "batches"), [(65, [33, 32]), (64, [32, 32]), (33, [33])])
def test_with_batch_norm_no_training_batch_is_a_single_row(rows, batches, iris):
    X = iris[0]
    regressor = GlassRegressor(hidden_layer_sizes=(4,), batchnorm=True, batch_size=32, epochs=1, random_state=0)
    regressor.fit(X[:rows, 1:], X[:rows, 0])  # 65 = 2·32 + 1 would leave a batch of one row, where no variance exists
    assert regressor.optimizer_state_["t"] == len(batches)
    with pytest.raises(DataError, match="1 sample"):
        regressor.fit(X[:1, 1:], X[:1, 0])


def test_the_cli_predicts_from_a_saved_estimator(tmp_path):
    from click.testing import CliRunner

    from glassnet.cli.main import main

    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    classifier = GlassClassifier(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=30, random_state=0).fit(X, names)
    gn.save(classifier, tmp_path / "iris.safetensors")
    X.to_csv(tmp_path / "iris.csv", index=False)

    result = CliRunner().invoke(main, ["predict", str(tmp_path / "iris.safetensors"), "--data", str(tmp_path / "iris.csv")])
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().splitlines()
    assert len(rows) == 1 + 150 and "virginica" in rows[0]
    assert [row.split(",")[0] for row in rows[1:]] == list(classifier.predict(X))


def test_ctrl_c_during_fit_or_partial_fit_keeps_the_fitted_estimator_whole(monkeypatch):
    """Issue 15, case 12: an interrupted fit used to leave a new network with n_iter_ = 0 and an empty loss_curve_."""
    import glassnet.estimators.base as base

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    estimator = GlassClassifier(hidden_layer_sizes=(4,), epochs=3, random_state=0).fit(X, y)
    before = (estimator.network_, estimator.n_iter_, list(estimator.loss_curve_), estimator.predict_proba(X), dict(estimator.optimizer_state_))
    real_train = base.train

    def interrupted(network, *args, **kwargs):
        for array in network.parameters().values():
            array[...] = 7.0  # half an epoch of damage, in place
        if kwargs.get("optimizer_state") is not None:
            kwargs["optimizer_state"]["t"] = 999
        raise KeyboardInterrupt

    monkeypatch.setattr(base, "train", interrupted)
    for call in (lambda: estimator.fit(X, y), lambda: estimator.partial_fit(X, y)):
        with pytest.raises(KeyboardInterrupt):
            call()
        assert estimator.network_ is before[0] and estimator.n_iter_ == before[1] == 3 and estimator.loss_curve_ == before[2]
        assert np.array_equal(estimator.predict_proba(X), before[3]) and estimator.optimizer_state_["t"] == before[4]["t"]
    monkeypatch.setattr(base, "train", real_train)
    assert estimator.partial_fit(X, y).n_iter_ == 4
    fresh = GlassClassifier(hidden_layer_sizes=(4,), epochs=3)
    monkeypatch.setattr(base, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit(X, y)
    assert not hasattr(fresh, "network_") and not hasattr(fresh, "n_iter_")  # still unfitted, not half-fitted


def house_prices(rows=400, seed=0):
    """Prices of mean 2e5 linear in five features plus noise; LinearRegression's test R² is 0.983."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 5))
    y = 2e5 + 3e4 * (X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5])) + rng.normal(scale=1e4, size=rows)
    return train_test_split(X, y, random_state=0)


def test_a_target_around_2e5_reaches_linear_regression_with_the_defaults():
    from sklearn.linear_model import LinearRegression

    X_train, X_test, y_train, y_test = house_prices()
    reference = LinearRegression().fit(X_train, y_train).score(X_test, y_test)
    model = make_pipeline(StandardScaler(), GlassRegressor(random_state=0)).fit(X_train, y_train)
    regressor = model[-1]
    assert model.score(X_test, y_test) >= reference - 0.02
    assert regressor.target_scaler_.mean_ == pytest.approx([y_train.mean()]) and regressor.n_iter_ < regressor.max_iter
    unscaled = make_pipeline(StandardScaler(), GlassRegressor(scale_target=False, epochs=40, random_state=0)).fit(X_train, y_train)
    assert unscaled[-1].target_scaler_ is None and unscaled.score(X_test, y_test) < 0.0  # the output cannot climb to 2e5


def test_a_saved_regressor_keeps_its_target_scaler_and_a_bad_one_is_refused(tmp_path):
    X_train, X_test, y_train, _ = house_prices(rows=120)
    regressor = GlassRegressor(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X_train, y_train)
    gn.save(regressor, tmp_path / "r.safetensors")
    loaded = gn.load(tmp_path / "r.safetensors")
    np.testing.assert_array_equal(loaded.target_scaler_.scale_, regressor.target_scaler_.scale_)
    np.testing.assert_array_equal(loaded.predict(X_test), regressor.predict(X_test))
    outputs = regressor.network_.forward(X_test).astype(np.float64)[:, 0]  # ŷ = σ·f(x) + μ
    np.testing.assert_allclose(loaded.predict(X_test), outputs * regressor.target_scaler_.scale_ + regressor.target_scaler_.mean_, rtol=1e-12)
    description = estimator_description(regressor)
    description["fitted"]["target_scaler"]["scale"] = [0.0]
    with pytest.raises(DataError, match="positive scales"):
        estimator_from_description(json.loads(json.dumps(description)), regressor.network_)


def test_by_default_training_stops_when_the_cost_stops_improving(iris):
    classifier = GlassClassifier(hidden_layer_sizes=(8,), learning_rate=0.05, random_state=0).fit(*iris)
    curve, tol, patience = classifier.loss_curve_, classifier.tol, classifier.n_iter_no_change
    assert classifier.n_iter_ == len(curve) < classifier.max_iter and classifier.t_ == classifier.n_iter_ * len(iris[1])
    assert all(curve[i] > min(curve[:i]) - tol for i in range(len(curve) - patience, len(curve)))
    assert classifier.best_loss_ == min(curve)
    fixed = GlassClassifier(hidden_layer_sizes=(8,), learning_rate=0.05, epochs=7, random_state=0).fit(*iris)
    assert fixed.n_iter_ == 7 and fixed.loss_curve_ == curve[:7]  # a fixed number of epochs: the same run, cut


def test_reaching_max_iter_warns_with_scikit_learns_convergence_warning(iris):
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        classifier = GlassClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(*iris)
    assert classifier.n_iter_ == 3
    for value, name in ((0, "max_iter"), (-1.0, "tol"), (0, "n_iter_no_change")):
        with pytest.raises(ConfigError, match=name):
            GlassClassifier(**{name: value}).fit(*iris)


@pytest.mark.parametrize("estimator_class", [GlassClassifier, GlassRegressor])
def test_fit_3_save_load_and_partial_fit_twice_equals_fit_5_bit_for_bit(tmp_path, estimator_class, iris):
    X, y = iris[0], iris[1] if estimator_class is GlassClassifier else iris[0][:, 0] * 3.0 + iris[1]
    settings = dict(hidden_layer_sizes=(8,), optimizer="adam", decay="inverse-time", random_state=0)
    straight = estimator_class(epochs=5, **settings).fit(X, y)
    first = estimator_class(epochs=3, **settings).fit(X, y)
    gn.save(first, tmp_path / "three.safetensors")
    loaded = gn.load(tmp_path / "three.safetensors")
    assert loaded.optimizer_state_["t"] == first.optimizer_state_["t"] > 0
    for _ in range(2):
        loaded.partial_fit(X, y)
    for name, array in straight.network_.state_arrays().items():
        np.testing.assert_array_equal(loaded.network_.state_arrays()[name], array, err_msg=name)
    assert loaded.loss_curve_ == straight.loss_curve_ and loaded.n_iter_ == 5


def test_a_tampered_optimizer_state_in_an_estimator_file_is_refused(tmp_path, iris):
    from glassnet.files.container import read_container, write_container

    classifier = GlassClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(*iris)
    gn.save(classifier, tmp_path / "c.safetensors")
    parsed, tensors = read_container(tmp_path / "c.safetensors", "glassnet-estimator", ("config", "estimator"))
    for change, match in (
        (lambda p, t: p["estimator"]["training"].update(optimizer_scalars={"t": -1}), "non-negative integers"),
        (lambda p, t: t.pop(next(name for name in t if name.startswith("optimizer.v."))), "optimizer moment v"),
        (lambda p, t: p["estimator"]["training"].update(rng={"bit_generator": "MT19937"}), "generator state"),
    ):
        changed, arrays = json.loads(json.dumps(parsed)), dict(tensors)
        change(changed, arrays)
        write_container(tmp_path / "bad.safetensors", "glassnet-estimator", changed, arrays)
        with pytest.raises(ModelFileError, match=match):
            gn.load(tmp_path / "bad.safetensors")


def test_mlp_classifier_attributes_compute_the_predictions_and_are_read_only(iris):
    X, y = iris
    classifier = GlassClassifier(hidden_layer_sizes=(5,), epochs=4, random_state=0).fit(X, y == 2)
    (W1, W2), (b1, b2) = classifier.coefs_, classifier.intercepts_
    assert [W.shape for W in classifier.coefs_] == [(4, 5), (5, 1)] and [b.shape for b in classifier.intercepts_] == [(5,), (1,)]
    logits = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2  # what MLPClassifier users compute from coefs_/intercepts_
    np.testing.assert_allclose(logits[:, 0], classifier.decision_function(X), rtol=1e-12)
    with pytest.raises(ValueError, match="read-only"):
        W1[0, 0] = 1.0
    assert classifier.n_iter_ == 4 and classifier.t_ == 4 * len(y) and classifier.best_loss_ == min(classifier.loss_curve_)
    assert not hasattr(GlassClassifier(), "coefs_")
