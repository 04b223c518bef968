"""clip_grad_norm_ and clip_grad_value_ against their definitions."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_


def params_with_grads(*grads):
    params = []
    for g in grads:
        p = mg.nn.Parameter(mg.zeros(*np.shape(g), dtype=mg.float64))
        p.grad = mg.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def test_clip_grad_norm_scales_when_above():
    a, b = params_with_grads([3.0, 0.0], [[0.0], [4.0]])  # joint 2-norm 5
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert float(total) == pytest.approx(5.0)
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(a.grad.data, [3.0 * scale, 0.0])
    np.testing.assert_allclose(b.grad.data, [[0.0], [4.0 * scale]])


def test_clip_grad_norm_leaves_small_grads_and_other_norms():
    a, b = params_with_grads([0.3, -0.4], [1.0])
    total = clip_grad_norm_([a, b], max_norm=10.0, norm_type=1)
    assert float(total) == pytest.approx(1.7)
    np.testing.assert_array_equal(a.grad.data, [0.3, -0.4])
    total = clip_grad_norm_([a, b], max_norm=0.5, norm_type=float("inf"))
    assert float(total) == pytest.approx(1.0)
    np.testing.assert_allclose(b.grad.data, [0.5 / (1.0 + 1e-6)])
    np.testing.assert_allclose(a.grad.data, np.array([0.3, -0.4]) * 0.5 / (1.0 + 1e-6))


def test_clip_grad_norm_skips_missing_grads_and_does_not_touch_shared_arrays():
    a, b = params_with_grads([6.0, 8.0], [0.0, 0.0])
    c = mg.nn.Parameter(mg.zeros(2))
    kept = a.grad.data.copy()
    held = a.grad.data
    clip_grad_norm_([a, b, c], 5.0)
    assert c.grad is None
    np.testing.assert_allclose(a.grad.data, kept * 5.0 / (10.0 + 1e-6))
    np.testing.assert_array_equal(held, kept)  # scaled into a fresh array


def test_clip_grad_norm_nonfinite():
    (a,) = params_with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError):
        clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    assert np.isinf(float(clip_grad_norm_(a, 1.0)))


@pytest.mark.parametrize("norm_type", [2.0, float("inf")])
def test_clip_grad_norm_nan_total_makes_every_gradient_nan(norm_type):
    a, b = params_with_grads([1.0, np.nan], [2.0])  # the NaN last: max() would skip it
    assert np.isnan(float(clip_grad_norm_([a, b], 1.0, norm_type=norm_type)))
    assert np.isnan(a.grad.data).all() and np.isnan(b.grad.data).all()


def test_clip_grad_value():
    a, b = params_with_grads([-3.0, 0.5, 2.0], [[0.1, -0.2]])
    clip_grad_value_([a, b], 1.0)
    np.testing.assert_array_equal(a.grad.data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.data, [[0.1, -0.2]])
