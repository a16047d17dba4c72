"""The L-layer network: a list of layers, a loss, optional L2, one random generator, one dtype.

``forward`` runs the layers in order (each caching what its backward needs when ``training``);
``loss_and_gradients`` runs forward, the loss, then every ``backward`` in reverse — the chain rule,
one layer at a time — and adds the L2 term. All arrays are batch-first: ``X (m, n_features)``,
logits ``(m, n_outputs)``.

Parameters of all layers live in one flat array (``flat_parameters``), and each layer's ``params``
entries are views into it; gradients likewise. ``parameters()`` and ``gradients()`` hand that layout over
explicitly as :class:`~glassnet.optim.flat.FlatArrays` (the named views plus the flat vector), so an
optimizer updates the whole vector at once; anything else that needs the whole vector (gradient
clipping, divergence snapshots) uses the flat arrays directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from glassnet import defaults
from glassnet._validation import check_real
from glassnet.errors import ConfigError, DataError
from glassnet.nn._math import squared_norm
from glassnet.nn import batchnorm, dropout  # noqa: F401  (registers BatchNorm and Dropout for layer_from_config)
from glassnet.nn.layers import Layer, claim_layers, fuse_stages, layer_from_config
from glassnet.nn.losses import Loss, loss_from_config
from glassnet.nn.metrics import r2_score
from glassnet.optim.flat import FlatArrays, layout_of
from glassnet.serialization import serialize
from glassnet.train.loop import fit

if TYPE_CHECKING:
    from glassnet.train.callbacks import Callback
    from glassnet.optim.optimizers import Optimizer
    from glassnet.optim.schedules import Schedule
    from glassnet.train.history import History
    from glassnet.train.loop import Checkpoint

DTYPES = ("float32", "float64")


class Network:
    """``Network(layers, loss, l2=0.0, seed=0, dtype="float32")`` (defaults from :mod:`glassnet.defaults`).

    L2 regularisation (lesson 2), with m the number of rows in the batch (Σ of sample weights when
    given) and the sum over the weights ``W`` of every Dense layer (biases are not penalised)::

        J = (1/m)·Σᵢ ℓᵢ + (λ / 2m)·Σ_l ‖W_l‖²_F
        dW_l += (λ / m)·W_l

    This is the course's convention and scikit-learn's ``alpha`` in ``MLPClassifier``.

    Logistic regression is the network with no hidden layer::

        Network([Dense(1)], BinaryCrossEntropy())

    ``seed`` seeds the network's ``np.random.Generator`` (``rng``), the only source of randomness for
    weight initialisation, mini-batch shuffling and dropout masks.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        loss: Loss,
        l2: float = 0.0,
        seed: int | None = defaults.SEED,
        dtype: str = defaults.DTYPE,
    ) -> None:
        if not isinstance(loss, Loss):
            raise ConfigError(f"Network(loss=...) expects a Loss such as SoftmaxCrossEntropy(). Received: loss={loss!r}")
        if dtype not in DTYPES:
            raise ConfigError(f"Network(dtype=...) expects 'float32' or 'float64'. Received: dtype={dtype!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ConfigError(f"Network(seed=...) expects a non-negative integer or None. Received: seed={seed!r}")
        self.layers = claim_layers(layers, self)
        self.loss = loss
        self.l2 = check_real("Network", "l2", l2, low=0.0)
        self.seed = None if seed is None else int(seed)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(self.seed)
        self.input_units: int | None = None
        self.output_units: int | None = None
        self.flat_parameters = np.empty(0, dtype=self.dtype)
        self.flat_gradients = np.empty(0, dtype=self.dtype)
        self._layout: tuple = ()
        self._stages: list = []
        #: train through fused stages (Dense+ReLU in one pass each way, same numbers); False: layer by layer
        self.fused = True
        self._l2_scratch: dict[tuple[int, ...], np.ndarray] = {}

    # ------------------------------------------------------------------ building
    @property
    def built(self) -> bool:
        return self.input_units is not None

    @property
    def task(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"regression"``, from the loss."""
        return self.loss.task

    def build(self, input_units: int) -> "Network":
        """Create every layer's parameters for inputs of width ``input_units`` (called lazily by forward)."""
        if isinstance(input_units, bool) or not isinstance(input_units, (int, np.integer)) or input_units < 1:
            raise ConfigError(f"Network.build expects a positive input width. Received: {input_units!r}")
        units = int(input_units)
        for index, layer in enumerate(self.layers):
            units = layer.build(units, self.rng, self.dtype)
            layer.needs_input_gradient = index > 0
        self.loss.check_outputs(units)
        self.input_units, self.output_units = int(input_units), units
        self._flatten()
        self._stages = fuse_stages(self.layers)
        return self

    def _flatten(self) -> None:
        """Move every parameter and gradient into one flat array each; layers keep views into them."""
        self._layout = layout_of(dict(self._named("params")))
        values = [value.reshape(-1) for _, value in self._named("params")]
        self.flat_parameters = np.concatenate(values) if values else np.empty(0, dtype=self.dtype)
        self.flat_gradients = np.zeros_like(self.flat_parameters)
        params, grads = FlatArrays(self.flat_parameters, self._layout), FlatArrays(self.flat_gradients, self._layout)
        for index, layer in enumerate(self.layers):
            for name in layer.params:
                layer.params[name], layer.grads[name] = params[f"layers.{index}.{name}"], grads[f"layers.{index}.{name}"]

    def _require_built(self) -> None:
        if not self.built:
            raise RuntimeError("The network has no weights yet: call build(n_features) or fit first.")

    def _named(self, attribute: str) -> Iterable[tuple[str, np.ndarray]]:
        for index, layer in enumerate(self.layers):
            for name, value in getattr(layer, attribute).items():
                yield f"layers.{index}.{name}", value

    def parameters(self) -> dict[str, np.ndarray]:
        """Trainable arrays by name (``"layers.0.W"``, ...), as views: changing them changes the network.

        A :class:`~glassnet.optim.flat.FlatArrays`: its ``.flat`` is ``flat_parameters``, which the views tile.
        """
        self._require_built()
        return FlatArrays(self.flat_parameters, self._layout)

    def gradients(self) -> dict[str, np.ndarray]:
        """Gradients from the last ``loss_and_gradients``, named like :meth:`parameters` (views of ``flat_gradients``)."""
        self._require_built()
        return FlatArrays(self.flat_gradients, self._layout)

    def buffers(self) -> dict[str, np.ndarray]:
        """Non-trainable state needed for inference (e.g. BatchNorm running statistics), by name."""
        self._require_built()
        return dict(self._named("buffers"))

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Everything that determines predictions: parameters and buffers, by name (views)."""
        return {**self.parameters(), **self.buffers()}

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Copy arrays named as in :meth:`state_arrays` into the network; names and shapes must match."""
        targets = self.state_arrays()
        if set(arrays) != set(targets):
            missing, extra = sorted(set(targets) - set(arrays)), sorted(set(arrays) - set(targets))
            raise DataError(f"State arrays do not match the network: missing {missing}, unexpected {extra}.")
        for name, target in targets.items():
            source = np.asarray(arrays[name])
            if source.shape != target.shape:
                raise DataError(f"State array {name!r} has shape {source.shape}; the network expects {target.shape}.")
            np.copyto(target, source, casting="same_kind")

    # ------------------------------------------------------------------ inputs
    def _as_input(self, X: Any) -> np.ndarray:
        try:
            X = np.asarray(X, dtype=self.dtype)
        except (TypeError, ValueError) as error:
            raise DataError(f"X must be a numeric array of shape (n_samples, n_features): {error}") from None
        if X.ndim != 2:
            raise DataError(f"X must be 2-D (n_samples, n_features). Received an array of shape {X.shape}.")
        if X.shape[0] == 0:
            raise DataError("X has no rows.")
        if not self.built:
            self.build(X.shape[1])
        elif X.shape[1] != self.input_units:
            raise DataError(f"X has {X.shape[1]} features; the network was built for {self.input_units}.")
        if not np.all(np.isfinite(X)):
            raise DataError("X contains NaN or inf.")
        return X

    def prepare(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validate ``X`` and ``y`` once (building the network if needed); return them in compute form."""
        X = self._as_input(X)
        y_prepared = self.loss.prepare_targets(y, self.output_units, self.dtype)
        if y_prepared.shape[0] != X.shape[0]:
            raise DataError(f"X has {X.shape[0]} rows but y has {y_prepared.shape[0]}.")
        return X, y_prepared

    # ------------------------------------------------------------------ forward / backward
    def _forward(self, X: np.ndarray, training: bool) -> np.ndarray:
        out = X
        for stage in self._stages if training and self.fused else self.layers:
            out = stage.forward(out, training)
        return out

    def forward(self, X: Any, training: bool = False) -> np.ndarray:
        """Logits ``(m, n_outputs)`` for ``X (m, n_features)``. ``training=True`` caches for backward."""
        X = self._as_input(X)
        out = self._forward(X, training)
        return out.copy() if training else out

    def _backward(self, dout: np.ndarray) -> None:
        for stage in reversed(self._stages if self.fused else self.layers):
            dout = stage.backward(dout)

    def _train_step(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Forward in training mode, cost, backward and L2 on prepared arrays; returns (cost, logits).

        Gradients are left in the layers' ``grads`` (and so in ``flat_gradients``).
        """
        logits = self._forward(X, training=True)
        cost = self.loss.forward(logits, y, sample_weight)
        self._backward(self.loss.backward())
        if self.l2 > 0.0:
            m = X.shape[0] if sample_weight is None else float(sample_weight.sum())
            cost += self._apply_l2(m)
        return cost, logits

    def _apply_l2(self, m: float) -> float:
        """Add (λ/m)·W to each regularised gradient; return the cost term (λ/2m)·Σ‖W‖²."""
        squared = 0.0
        for layer in self.layers:
            for name in layer.regularized:
                weights = layer.params[name]
                squared += squared_norm(weights)
                scratch = self._l2_scratch.get(weights.shape)
                if scratch is None:
                    scratch = self._l2_scratch[weights.shape] = np.empty_like(weights)
                np.multiply(weights, self.l2 / m, out=scratch)  # dW += (λ/m)·W, without a temporary
                layer.grads[name] += scratch
        return self.l2 / (2.0 * m) * squared

    def loss_and_gradients(self, X: Any, y: Any, sample_weight: Any = None) -> tuple[float, dict[str, np.ndarray]]:
        """Cost J (with the L2 term) on ``(X, y)`` and ∂J/∂θ for every parameter, named as in :meth:`parameters`.

        Runs in training mode (dropout active, batch statistics used), drawing from ``rng``.
        """
        X, y = self.prepare(X, y)
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=self.dtype)
        cost, _ = self._train_step(X, y, weights)
        return cost, {name: grad.copy() for name, grad in self.gradients().items()}

    # ------------------------------------------------------------------ predictions
    def predict(self, X: Any) -> np.ndarray:
        """Class indices ``(m,)`` for classifiers, values ``(m,)`` or ``(m, k)`` for regression."""
        return self.loss.predict(self.forward(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(m, K)`` (``K = 2`` for a binary network: columns P(0), P(1))."""
        if self.task == "regression":
            raise ConfigError("predict_proba needs a classification loss; this network is a regressor.")
        return self.loss.predict_proba(self.forward(X))

    def evaluate(self, X: Any, y: Any) -> tuple[float, float]:
        """``(cost, score)`` at inference (no dropout, running statistics); the cost includes the L2 term.

        The score is accuracy for classifiers and R² for regression.
        """
        return self._evaluate(*self.prepare(X, y))

    def _evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """:meth:`evaluate` on arrays already returned by :meth:`prepare`."""
        logits = self._forward(X, training=False)
        cost = self.loss.forward(logits, y)
        if self.l2 > 0.0:
            squared = sum(squared_norm(weights) for weights in self._regularized_weights())
            cost += self.l2 / (2.0 * X.shape[0]) * squared
        if self.task == "regression":
            score = r2_score(y, logits)  # NaN for a single row
        else:
            score = self.loss.count_correct(logits, y) / X.shape[0]
        return cost, score

    def _regularized_weights(self) -> Iterable[np.ndarray]:
        for layer in self.layers:
            for name in layer.regularized:
                yield layer.params[name]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy for classifiers; R² (coefficient of determination) for regression."""
        return self.evaluate(X, y)[1]

    # ------------------------------------------------------------------ training
    def fit(
        self,
        X: Any,
        y: Any,
        optimizer: "Optimizer | None" = None,
        epochs: int = defaults.EPOCHS,
        batch_size: int | None = defaults.BATCH_SIZE,
        schedule: "Schedule | None" = None,
        validation_data: tuple[Any, Any] | None = None,
        callbacks: Sequence["Callback"] = (),
        verbose: int = 1,
        *,
        sample_weight: Any = None,
        clip_norm: float | None = None,
        optimizer_state: dict[str, Any] | None = None,
        initial_epoch: int = 0,
        divergence_factor: float = defaults.DIVERGENCE_FACTOR,
        checkpoint: "Checkpoint | None" = None,
    ) -> "History":
        """Train with mini-batch gradient descent: :func:`glassnet.train.loop.fit` with this network (same options)."""
        return fit(self, X, y, optimizer, epochs, batch_size, schedule, validation_data, callbacks, verbose,
                   sample_weight=sample_weight, clip_norm=clip_norm, optimizer_state=optimizer_state,
                   initial_epoch=initial_epoch, divergence_factor=divergence_factor, checkpoint=checkpoint)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """JSON-able description: layers, loss, l2, seed, dtype, input width (no weights)."""
        return {
            "layers": [serialize(layer) for layer in self.layers],
            "loss": serialize(self.loss),
            "l2": self.l2,
            "seed": self.seed,
            "dtype": self.dtype.name,
            "input_units": self.input_units,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Network":
        """Rebuild an (untrained, but built if ``input_units`` is set) network from :meth:`get_config`."""
        if not isinstance(config, dict) or "layers" not in config or "loss" not in config:
            raise ConfigError(f"A network config needs 'layers' and 'loss'. Received keys: {sorted(config) if isinstance(config, dict) else config!r}")
        if not isinstance(config["layers"], list):
            raise ConfigError(f"A network config's 'layers' must be a list. Received: {config['layers']!r}")
        network = cls(
            [layer_from_config(item) for item in config["layers"]],
            loss_from_config(config["loss"]),
            l2=config.get("l2", 0.0),
            seed=config.get("seed"),
            dtype=config.get("dtype", "float32"),
        )
        if config.get("input_units") is not None:
            network.build(config["input_units"])
        return network

    def copy(self, dtype: str | None = None) -> "Network":
        """An independent copy with the same weights, buffers and generator state (optionally cast to ``dtype``)."""
        state = self.__getstate__()
        if dtype is not None:
            state["config"]["dtype"] = dtype
        return type(self)._restore(state)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        """What a pickle (or ``copy.deepcopy``) keeps: the config, weights and buffers, and the generator state.

        Caches of the last batch, scratch arrays and the views into the flat buffers are left out and
        rebuilt on loading, so a pickle holds no training rows, ``flat_parameters`` is again the one
        array every layer's parameters are views of, and the loaded network trains on exactly as the
        original would (same weights, same random stream). Custom layers must be registered to load.
        """
        return {
            "config": self.get_config(),
            "arrays": self.state_arrays() if self.built else {},
            "rng_state": self.rng.bit_generator.state,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(type(self)._restore(state).__dict__)

    @classmethod
    def _restore(cls, state: dict[str, Any]) -> "Network":
        """A network built from ``__getstate__`` output."""
        network = cls.from_config(state["config"])
        if network.built:
            network.load_state_arrays(state["arrays"])
        network.rng.bit_generator.state = state["rng_state"]
        return network

    def summary(self) -> str:
        """One line per layer with its output width and parameter count."""
        lines = []
        for index, layer in enumerate(self.layers):
            count = sum(value.size for value in layer.params.values())
            lines.append(f"{index:>3}  {layer!r:<48} params={count}")
        total = self.flat_parameters.size
        lines.append(f"     total trainable parameters: {total}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Network(layers={self.layers!r}, loss={self.loss!r}, l2={self.l2!r}, seed={self.seed!r}, dtype={self.dtype.name!r})"

