"""Pickling a Network (what joblib and scikit-learn do with a fitted estimator) keeps it whole and trainable."""

import copy
import pickle

import numpy as np
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

import glassnet as gn


def trained_network():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    network = gn.Network([gn.Dense(8), gn.ReLU(), gn.Dense(3)], gn.SoftmaxCrossEntropy(), l2=1e-3, seed=0)
    optimizer = gn.Adam(0.01)
    history = network.fit(X, y, optimizer, epochs=3, batch_size=32, verbose=0)
    return network, optimizer, history, X, y


def test_unpickled_network_predicts_identically_and_its_parameters_are_views_of_the_flat_buffer():
    network, _, _, X, _ = trained_network()
    twin = pickle.loads(pickle.dumps(network))

    np.testing.assert_array_equal(twin.forward(X), network.forward(X))
    np.testing.assert_array_equal(twin.flat_parameters, network.flat_parameters)
    for name, value in twin.parameters().items():
        assert np.shares_memory(value, twin.flat_parameters), name
    for name, value in twin.gradients().items():
        assert np.shares_memory(value, twin.flat_gradients), name
    twin.flat_parameters[:] = 0.0  # writing through the flat buffer reaches every layer again
    assert all(not value.any() for value in twin.parameters().values())


def test_a_pickle_keeps_no_training_batch_and_no_scratch_arrays():
    network, *_ = trained_network()
    twin = pickle.loads(pickle.dumps(network))
    first = twin.layers[0]
    assert first._x is None and len(first._workspace) == 0 and len(twin.loss._workspace) == 0
    assert network.layers[0]._x is not None  # the original still caches its last batch


def test_unpickled_network_trains_on_exactly_like_the_original():
    network, optimizer, history, X, y = trained_network()
    twin = pickle.loads(pickle.dumps(network))
    twin_state = copy.deepcopy(history.optimizer_state)

    # same weights, same generator state (the next shuffles), same Adam moments: bit-identical epochs
    network.fit(X, y, optimizer, epochs=2, verbose=0, optimizer_state=history.optimizer_state, initial_epoch=3)
    twin.fit(X, y, gn.Adam(0.01), epochs=2, verbose=0, optimizer_state=twin_state, initial_epoch=3)
    np.testing.assert_array_equal(twin.flat_parameters, network.flat_parameters)


def test_deepcopy_and_copy_give_independent_networks():
    network, *_ = trained_network()
    for twin in (copy.deepcopy(network), network.copy()):
        np.testing.assert_array_equal(twin.flat_parameters, network.flat_parameters)
        twin.flat_parameters += 1.0
        assert not np.shares_memory(twin.flat_parameters, network.flat_parameters)
        assert not np.allclose(twin.flat_parameters, network.flat_parameters)
    assert network.copy(dtype="float64").flat_parameters.dtype == np.float64


def test_an_unbuilt_network_pickles():
    network = gn.Network([gn.Dense(4), gn.Tanh(), gn.Dense(1)], gn.BinaryCrossEntropy(), seed=5)
    twin = pickle.loads(pickle.dumps(network))
    assert not twin.built and twin.get_config() == network.get_config()
