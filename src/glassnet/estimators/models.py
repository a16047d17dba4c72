"""The two scikit-learn estimators: :class:`GlassClassifier` and :class:`GlassRegressor` (see :mod:`glassnet.estimators.base`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, unique_labels

from glassnet.data.target_scaling import fit_target_scaler, scale_target, unscale_target
from glassnet.errors import ConfigError, DataError
from glassnet.estimators.base import SHARED_PARAMETERS, _GlassEstimator, declare_parameters


class GlassRegressor(RegressorMixin, _GlassEstimator):
    """A glassnet network as a scikit-learn regressor: mean squared error on a linear output layer.

    ``y`` is ``(m,)`` or ``(m, k)`` for k targets (one output unit each); ``predict`` returns the same
    shape. ``score`` is R². See the module docstring for every parameter.

    ``scale_target=True`` (default) standardises each target column on the rows of the first ``fit`` or
    ``partial_fit`` call, ỹ = (y − μ)/σ (weighted by ``sample_weight``), trains on ỹ and predicts
    σ·f(x) + μ: a target of any scale (house prices of order 1e5) then trains as well as one of order 1.
    The training cost in ``loss_curve_`` is on the standardised target. ``target_scaler_`` is the fitted
    ``StandardScaler`` (None with ``scale_target=False``).

    Fitted attributes: ``network_``, ``n_outputs_``, ``n_features_in_`` (and ``feature_names_in_``
    after a DataFrame), ``loss_curve_`` (training cost per epoch), ``validation_scores_`` (dev R² per
    epoch with early stopping, else None), ``best_epoch_``, ``n_iter_`` (epochs run),
    ``optimizer_state_``.
    """

    __init__ = declare_parameters((*SHARED_PARAMETERS, "scale_target"))

    def _target_checks(self) -> dict[str, bool]:
        return {"multi_output": True, "y_numeric": True}

    def _scale_targets(self, targets: np.ndarray, weights: np.ndarray | None, first_call: bool) -> np.ndarray:
        if first_call:
            self.target_scaler_ = fit_target_scaler(targets, weights) if self.scale_target else None
        return targets if self.target_scaler_ is None else scale_target(self.target_scaler_, targets)

    def _encode_targets(self, y: np.ndarray, first_call: bool, classes: Any) -> tuple[np.ndarray, str, int]:
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if first_call:
            self.n_outputs_ = n_outputs
        elif n_outputs != self.n_outputs_:
            raise DataError(f"y has {n_outputs} target columns; this regressor was fitted with {self.n_outputs_}.")
        return y, "regression", n_outputs

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "GlassRegressor":
        """Train a new network on ``X (m, n_features)``, ``y (m,)`` or ``(m, k)`` for ``epochs`` epochs."""
        return self._train(X, y, sample_weight, incremental=False)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> "GlassRegressor":
        """One epoch on ``(X, y)``, continuing the network and optimizer state of earlier calls.

        The learning rate is the schedule's at epoch ``n_iter_``; early stopping does not apply.
        """
        return self._train(X, y, sample_weight, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values ``(m,)``, or ``(m, k)`` when fitted on k target columns."""
        outputs = self._logits(X)  # checks that the regressor is fitted first
        outputs = unscale_target(self.target_scaler_, outputs)
        return outputs[:, 0] if self.n_outputs_ == 1 else outputs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class GlassClassifier(ClassifierMixin, _GlassEstimator):
    """A glassnet network as a scikit-learn classifier: sigmoid for two classes, softmax for more.

    Labels may be any sortable values (strings too); ``classes_`` holds them in sorted order. Two
    classes give one output unit with :class:`~glassnet.losses.BinaryCrossEntropy` (``decision_function``
    is that logit, ``(m,)``); K > 2 give K units with :class:`~glassnet.losses.SoftmaxCrossEntropy`
    (``decision_function`` is the logits, ``(m, K)``).

    ``class_weight`` multiplies each row's weight by its class's weight: ``"balanced"`` gives class c
    the weight m / (K·m_c), so every class carries the same total weight in the cost Σwℓ/Σw.

    Fitted attributes: those of :class:`GlassRegressor` (``validation_scores_`` holds dev accuracy)
    with ``classes_`` in place of ``n_outputs_``.
    """

    __init__ = declare_parameters((*SHARED_PARAMETERS, "class_weight"))

    def _target_checks(self) -> dict[str, bool]:
        return {"multi_output": False, "y_numeric": False}

    def _encode_targets(self, y: np.ndarray, first_call: bool, classes: Any) -> tuple[np.ndarray, str, int]:
        check_classification_targets(y)
        if first_call:
            self.classes_ = unique_labels(y if classes is None else classes)
            if len(self.classes_) < 2:
                raise DataError(f"GlassClassifier needs samples of at least 2 classes; y has one class only: {self.classes_[:1].tolist()[0]!r}.")
        indices = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        unknown = self.classes_[indices] != y
        if np.any(unknown):
            raise DataError(f"y has the label {y[unknown][:1].tolist()[0]!r}, which is not among classes_={self.classes_.tolist()!r}.")
        task = "binary" if len(self.classes_) == 2 else "multiclass"
        return indices, task, len(self.classes_)

    def _weights(self, sample_weight: np.ndarray | None, targets: np.ndarray, y: np.ndarray, incremental: bool) -> np.ndarray | None:
        class_weight = self.class_weight
        if class_weight is None:
            return sample_weight
        if isinstance(class_weight, str) and class_weight == "balanced" and incremental:
            raise ConfigError("class_weight='balanced' needs the whole training set; give partial_fit a dict of weights instead.")
        if not (isinstance(class_weight, dict) or (isinstance(class_weight, str) and class_weight == "balanced")):
            raise ConfigError(f"GlassClassifier(class_weight=...) expects None, 'balanced' or a dict {{label: weight}}. Received: class_weight={class_weight!r}")
        try:
            per_class = compute_class_weight(class_weight, classes=self.classes_, y=y)
        except ValueError as error:
            raise ConfigError(f"GlassClassifier(class_weight={class_weight!r}) does not fit classes_={self.classes_.tolist()!r}: {error}") from None
        row_weights = per_class[targets]
        return row_weights if sample_weight is None else row_weights * sample_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "GlassClassifier":
        """Train a new network on ``X (m, n_features)`` and labels ``y (m,)`` for ``epochs`` epochs."""
        return self._train(X, y, sample_weight, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None) -> "GlassClassifier":
        """One epoch on ``(X, y)``, continuing the network and optimizer state of earlier calls.

        The first call needs ``classes``: every label that ``y`` will ever contain. The learning rate is
        the schedule's at epoch ``n_iter_``; early stopping does not apply; ``class_weight`` may be a dict
        (not ``"balanced"``, which needs the whole training set).
        """
        if not hasattr(self, "network_") and classes is None:
            raise ConfigError("The first call of GlassClassifier.partial_fit needs classes=, every label y will ever have.")
        return self._train(X, y, sample_weight, incremental=True, classes=classes)

    def decision_function(self, X: Any) -> np.ndarray:
        """The logit ``(m,)`` for two classes (> 0 means ``classes_[1]``), the logits ``(m, K)`` for more."""
        logits = self._logits(X)
        return logits[:, 0] if len(self.classes_) == 2 else logits

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(m, K)``, columns in the order of ``classes_`` (K = 2 for binary)."""
        logits = self._logits(X)
        return self.network_.loss.predict_proba(logits)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba` (−inf where a probability underflows to 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable label of each row, ``(m,)``, drawn from ``classes_``."""
        logits = self._logits(X)
        return self.classes_[self.network_.loss.predict(logits)]


ESTIMATORS: dict[str, type[_GlassEstimator]] = {"GlassClassifier": GlassClassifier, "GlassRegressor": GlassRegressor}

