"""nn.init: distributions' ranges and moments, gains, orthogonality, identity."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import init


def param(*shape):
    return mg.nn.Parameter(mg.zeros(*shape, dtype=mg.float64))


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError):
        init.calculate_gain("swish")


def test_fills_in_place_and_draw_from_mg_generator():
    p = param(3, 4)
    data = p.data
    assert init.constant_(p, 2.5) is p and p.data is data
    np.testing.assert_array_equal(p.data, 2.5)
    np.testing.assert_array_equal(init.zeros_(p).data, 0)
    np.testing.assert_array_equal(init.ones_(p).data, 1)
    mg.manual_seed(7)
    init.uniform_(p, -2, 3)
    np.testing.assert_allclose(p.data, np.random.default_rng(7).uniform(-2, 3, (3, 4)))
    f32 = mg.nn.Parameter(mg.zeros(2, 2))
    init.normal_(f32)
    assert f32.dtype == np.float32


def test_xavier_and_kaiming_scales():
    mg.manual_seed(0)
    p = param(200, 300)
    init.xavier_uniform_(p, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.99 * bound
    init.xavier_normal_(p)
    assert p.data.std() == pytest.approx(math.sqrt(2 / 500), rel=0.03)
    init.kaiming_uniform_(p, nonlinearity="relu")
    assert np.abs(p.data).max() <= math.sqrt(6 / 300)
    assert p.data.std() == pytest.approx(math.sqrt(2 / 300), rel=0.03)
    init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu")
    assert p.data.std() == pytest.approx(math.sqrt(2 / 200), rel=0.03)
    conv = param(8, 4, 5)  # fan_in = 4 * 5
    init.kaiming_uniform_(conv, a=math.sqrt(5))
    assert np.abs(conv.data).max() <= math.sqrt(3) * math.sqrt(2 / 6) / math.sqrt(20)


def test_orthogonal_and_eye():
    mg.manual_seed(0)
    wide, tall = param(3, 7), param(7, 3)
    init.orthogonal_(wide)
    init.orthogonal_(tall, gain=2.0)
    np.testing.assert_allclose(wide.data @ wide.data.T, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(tall.data.T @ tall.data, 4 * np.eye(3), atol=1e-12)
    w_hh = param(4, 4)
    init.eye_(w_hh)
    np.testing.assert_array_equal(w_hh.data, np.eye(4))
    assert init.identity_ is init.eye_
    with pytest.raises(ValueError):
        init.eye_(param(2, 2, 2))


@pytest.mark.parametrize("fill", [
    lambda p: init.constant_(p, 2.5), init.zeros_, init.ones_,
    lambda p: init.uniform_(p, 2.0, 3.0), lambda p: init.normal_(p, 5.0, 0.1)])
def test_fills_a_0d_parameter_whose_data_is_a_numpy_scalar(fill):
    p = mg.nn.Parameter(mg.tensor(7.0, dtype=mg.float64))
    assert isinstance(p.data, np.float64)  # the engine's 0-d convention
    assert fill(p) is p
    assert p.data.shape == () and p.data.dtype == np.float64 and p.data != 7.0
    assert isinstance(p.data, np.float64)
