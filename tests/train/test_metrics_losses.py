"""Metrics and the sequence loss against hand computations."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.train import (accuracy, bits_per_character, exact_match, mae, masked_accuracy,
                            mse, sequence_cross_entropy)


def test_accuracy_multiclass_and_binary():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(mg.tensor([0.3, -2.0, 1.0, -0.1]), mg.tensor([1, 0, 0, 0])) == 0.75
    with pytest.raises(ValueError, match="do not match"):
        accuracy(logits, np.array([0, 1]))


def test_sequence_metrics():
    logits = np.zeros((2, 3, 4))
    logits[0, [0, 1, 2], [1, 2, 3]] = 5.0          # predicts 1 2 3
    logits[1, [0, 1, 2], [0, 0, 0]] = 5.0          # predicts 0 0 0
    targets = np.array([[1, 2, 3], [0, 1, 0]])
    assert exact_match(logits, targets) == 0.5
    assert masked_accuracy()(logits, np.array([[1, 2, -100], [0, 1, -100]])) == 0.75


def test_regression_metrics():
    assert mse(np.array([[1.0], [3.0]]), np.array([0.0, 1.0])) == 2.5
    assert mae(np.array([1.0, 3.0]), np.array([0.0, 1.0])) == 1.5


def test_bits_per_character_of_a_uniform_model_is_log2_v():
    logits = np.zeros((2, 5, 8))
    assert bits_per_character(logits, np.zeros((2, 5), dtype=int)) == pytest.approx(3.0)


def test_sequence_cross_entropy_skips_ignored_steps():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 3, 4))
    targets = np.array([[1, 2, -100], [3, -100, -100]])
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -(logp[0, 0, 1] + logp[0, 1, 2] + logp[1, 0, 3]) / 3
    loss = sequence_cross_entropy(mg.tensor(logits), targets)
    assert loss.item() == pytest.approx(expected)


def test_sequence_cross_entropy_gradcheck():
    logits = mg.tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), requires_grad=True)
    targets = np.array([[1, 2, -100], [3, 0, -100]])
    assert mg.gradcheck(lambda z: sequence_cross_entropy(z, targets), (logits,))


def test_sequence_cross_entropy_rejects_bad_shapes():
    with pytest.raises(ValueError, match="do not match"):
        sequence_cross_entropy(mg.randn(2, 3, 4), np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match="ignore_index"):
        sequence_cross_entropy(mg.randn(1, 2, 4), np.full((1, 2), -100))
