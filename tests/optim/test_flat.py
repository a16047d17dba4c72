"""The flat layout is handed over explicitly, and everything that is not it takes the per-parameter path."""

import copy
import pickle

import numpy as np
import pytest

import glassnet as gn
from glassnet.optim.flat import FlatArrays, flat_operands, layout_of


def _network() -> gn.Network:
    return gn.Network([gn.Dense(4), gn.ReLU(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), seed=0).build(5)


def test_a_network_hands_over_its_flat_vectors_and_named_views_of_them():
    network = _network()
    params, grads = network.parameters(), network.gradients()
    assert params.flat is network.flat_parameters and grads.flat is network.flat_gradients
    assert params.layout == layout_of(params) == (("layers.0.W", (5, 4)), ("layers.0.b", (4,)), ("layers.2.W", (4, 3)), ("layers.2.b", (3,)))
    params["layers.2.b"][...] = 7.0  # a view: writing it writes the flat vector
    assert np.all(network.flat_parameters[-3:] == 7.0)
    with pytest.raises(TypeError, match="write into 'layers.0.W' in place"):
        params["layers.0.W"] = np.zeros((5, 4))


def test_copies_and_pickles_are_plain_dicts_of_separate_arrays():
    state = gn.Adam().init(_network().parameters())
    assert isinstance(state["v"], FlatArrays)
    for clone in (copy.deepcopy(state), pickle.loads(pickle.dumps(state))):
        assert type(clone["v"]) is dict and not np.shares_memory(clone["v"]["layers.0.W"], state["v"].flat)


def test_only_matching_flat_layouts_take_the_flat_path():
    network = _network()
    params, grads = network.parameters(), network.gradients()
    state = gn.Adam().init(params)
    param, grad, moments = flat_operands(params, grads, state, ("v", "s"))
    assert param is network.flat_parameters and grad is network.flat_gradients and moments[0] is state["v"].flat
    other = gn.Network([gn.Dense(3), gn.ReLU(), gn.Dense(4)], gn.SoftmaxCrossEntropy(), seed=0).build(7)  # another layout
    assert flat_operands(params, grads, gn.Adam().init(other.parameters()), ("v", "s")) is None
    assert flat_operands(params, dict(grads), state, ("v", "s")) is None  # a plain dict: per parameter
    assert flat_operands(params, grads, copy.deepcopy(state), ("v", "s")) is None


def test_a_copied_state_continues_exactly_as_the_flat_one_would():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    results = []
    for copied in (False, True):
        network = _network()
        history = network.fit(X, y, gn.Adam(0.01), epochs=1, batch_size=8, verbose=0)
        state = copy.deepcopy(history.optimizer_state) if copied else history.optimizer_state
        network.fit(X, y, gn.Adam(0.01), epochs=2, batch_size=8, verbose=0, optimizer_state=state, initial_epoch=1)
        results.append(network.flat_parameters.copy())
    np.testing.assert_array_equal(results[0], results[1])
