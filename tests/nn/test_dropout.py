import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


def test_dropout_identity_when_not_training_or_p_zero():
    x = mg.randn(4, 5)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_zeroes_and_rescales_with_the_generators_mask():
    mg.manual_seed(3)
    x = mg.ones(2000, dtype=mg.float64)
    y = F.dropout(x, p=0.25).data
    mg.manual_seed(3)
    expected = (np.random.default_rng(3).random(2000) >= 0.25) / 0.75
    np.testing.assert_allclose(y, expected)
    assert set(np.unique(y)) <= {0.0, 1.0 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.04


def test_dropout_gradient_is_the_mask():
    mg.manual_seed(0)
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    y = F.dropout(x, p=0.5)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, (y.data != 0) * 2.0)


def test_dropout_p_one_and_bad_p():
    x = mg.randn(3)
    assert np.all(F.dropout(x, 1.0).data == 0)
    with pytest.raises(ValueError):
        F.dropout(x, 1.5)


def test_exported_as_mg_nn_functional_dropout():
    assert mg.nn.functional.dropout is F.dropout
