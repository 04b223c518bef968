"""clip_grad_norm_ returns the total norm in the gradients' dtype, as torch does."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_


def param_with_grad(grad, dtype):
    p = mg.nn.Parameter(mg.zeros(len(grad), dtype=dtype))
    p.grad = mg.tensor(np.array(grad, dtype=dtype))
    return p


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64, mg.float16])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_total_norm_has_the_parameters_dtype(dtype, norm_type):
    params = [param_with_grad([3.0, 0.0], dtype), param_with_grad([4.0], dtype)]
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    assert total.dtype == dtype and total.shape == ()
    assert float(total) == {2.0: 5.0, 1.0: 7.0, float("inf"): 4.0}[norm_type]
    assert all(p.grad.dtype == dtype for p in params)


def test_mixed_dtypes_promote_and_no_gradients_give_the_default_dtype():
    params = [param_with_grad([3.0], mg.float32), param_with_grad([4.0], mg.float64)]
    assert clip_grad_norm_(params, 10.0).dtype == np.float64
    assert clip_grad_norm_([mg.nn.Parameter(mg.zeros(2))], 1.0).dtype == np.float32


def test_a_total_beyond_float16s_range_is_inf():
    p = param_with_grad([60000.0, 60000.0], mg.float16)
    assert np.isposinf(float(clip_grad_norm_(p, 1e9)))


def test_against_torch():
    torch = pytest.importorskip("torch")
    for dtype, torch_dtype in [(mg.float32, torch.float32), (mg.float64, torch.float64)]:
        p = param_with_grad([0.1, -0.7, 2.3], dtype)
        t = torch.zeros(3, dtype=torch_dtype, requires_grad=True)
        t.grad = torch.tensor([0.1, -0.7, 2.3], dtype=torch_dtype)
        ours, theirs = clip_grad_norm_(p, 0.5), torch.nn.utils.clip_grad_norm_([t], 0.5)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(float(ours), theirs.item(), rtol=1e-6)
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-6)
