"""Conv1d, MaxPool1d, AvgPool1d against plain numpy loops, and gradchecks in float64."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


def conv1d_loop(x, w, b, stride, padding, dilation):
    n, c_in, length = x.shape
    c_out, _, k = w.shape
    xp = np.zeros((n, c_in, length + 2 * padding))
    xp[:, :, padding:padding + length] = x
    length_out = (length + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((n, c_out, length_out))
    for i in range(n):
        for o in range(c_out):
            for l in range(length_out):
                total = 0.0 if b is None else b[o]
                for c in range(c_in):
                    for j in range(k):
                        total += w[o, c, j] * xp[i, c, l * stride + j * dilation]
                out[i, o, l] = total
    return out


def pool_loop(x, k, stride, padding, dilation=1, kind="max", include_pad=True):
    n, c, length = x.shape
    length_out = (length + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    out = np.zeros((n, c, length_out))
    for i in range(n):
        for ch in range(c):
            for l in range(length_out):
                values, count = [], 0
                for j in range(k):
                    pos = l * stride - padding + j * dilation
                    inside = 0 <= pos < length
                    if inside:
                        values.append(x[i, ch, pos])
                    if inside or include_pad:
                        count += 1
                out[i, ch, l] = max(values) if kind == "max" else sum(values) / count
    return out


@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2)])
def test_conv1d_matches_numpy_loop(stride, padding, dilation):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 11)), rng.normal(size=(4, 3, 3)), rng.normal(size=4)
    out = F.conv1d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride, padding, dilation)
    np.testing.assert_allclose(out.data, conv1d_loop(x, w, b, stride, padding, dilation),
                               rtol=1e-12, atol=1e-12)


def test_conv1d_module_shapes_unbatched_same_padding_and_no_bias():
    mg.manual_seed(0)
    conv = mg.nn.Conv1d(3, 5, 4, padding="same", bias=False).double()
    x = np.random.default_rng(1).normal(size=(3, 9))
    out = conv(mg.tensor(x))
    assert out.shape == (5, 9)
    # "same" with an even kernel: 1 zero on the left, 2 on the right (as PyTorch)
    xp = np.concatenate([np.zeros((3, 1)), x, np.zeros((3, 2))], axis=1)
    expected = conv1d_loop(xp[None], conv.weight.data, None, 1, 0, 1)[0]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert conv.weight.shape == (5, 3, 4) and conv.bias is None


def test_conv1d_init_bound():
    mg.manual_seed(0)
    conv = mg.nn.Conv1d(4, 6, 5)
    bound = 1 / np.sqrt(4 * 5)
    for p in (conv.weight, conv.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.8 * bound


def test_conv1d_gradcheck():
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.normal(size=(2, 2, 7)), requires_grad=True)
    w = mg.tensor(rng.normal(size=(3, 2, 3)), requires_grad=True)
    b = mg.tensor(rng.normal(size=3), requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
                        (x, w, b))


@pytest.mark.parametrize("k,stride,padding,dilation", [(2, None, 0, 1), (3, 1, 1, 1),
                                                       (3, 2, 1, 2), (4, 3, 2, 1)])
def test_max_pool1d_matches_numpy_loop(k, stride, padding, dilation):
    x = np.random.default_rng(3).normal(size=(2, 3, 12))
    out = mg.nn.MaxPool1d(k, stride, padding, dilation)(mg.tensor(x))
    expected = pool_loop(x, k, k if stride is None else stride, padding, dilation, "max")
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("k,stride,padding,include_pad", [(2, None, 0, True), (3, 1, 1, True),
                                                          (3, 2, 1, False), (4, 3, 2, False)])
def test_avg_pool1d_matches_numpy_loop(k, stride, padding, include_pad):
    x = np.random.default_rng(4).normal(size=(2, 3, 12))
    pool = mg.nn.AvgPool1d(k, stride, padding, count_include_pad=include_pad)
    expected = pool_loop(x, k, k if stride is None else stride, padding, 1, "avg", include_pad)
    np.testing.assert_allclose(pool(mg.tensor(x)).data, expected, rtol=1e-12)


def test_ceil_mode_adds_the_partial_last_window():
    x = np.arange(8.0).reshape(1, 1, 8)
    # windows of 3 at stride 2 over 8 values: starts 0, 2, 4, and with ceil_mode 6 (two values)
    out = F.max_pool1d(mg.tensor(x), 3, 2, ceil_mode=True)
    np.testing.assert_array_equal(out.data, [[[2.0, 4.0, 6.0, 7.0]]])
    out = F.avg_pool1d(mg.tensor(x), 3, 2, ceil_mode=True)
    np.testing.assert_allclose(out.data, [[[1.0, 3.0, 5.0, 6.5]]])
    assert F.max_pool1d(mg.tensor(x), 3, 2).shape == (1, 1, 3)


def test_pools_gradcheck():
    x = mg.tensor(np.random.default_rng(5).normal(size=(2, 2, 9)), requires_grad=True)
    assert mg.gradcheck(lambda x: F.max_pool1d(x, 3, 2, 1, dilation=2), (x,))
    assert mg.gradcheck(lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False), (x,))
    assert mg.gradcheck(lambda x: F.avg_pool1d(x, 4, 3, 2, ceil_mode=True), (x,))


def test_max_pool_padding_never_gets_gradient_and_must_be_small():
    x = mg.tensor(-np.ones((1, 1, 4)), requires_grad=True, dtype=mg.float64)
    F.max_pool1d(x, 2, 1, 1).sum().backward()
    # 5 windows, the padding takes no share; a tie goes to the window's first maximum
    np.testing.assert_allclose(x.grad.data, [[[2.0, 1.0, 1.0, 1.0]]])
    with pytest.raises(ValueError):
        F.max_pool1d(x, 2, 1, 2)


def test_max_pool_gradient_on_ties_goes_to_the_first_maximum_of_each_window():
    x = mg.tensor([[[1.0, 1.0, 2.0, 2.0, 3.0]]], requires_grad=True, dtype=mg.float64)
    F.max_pool1d(x, 2, 1).sum().backward()  # windows (1,1) (1,2) (2,2) (2,3)
    np.testing.assert_array_equal(x.grad.data, [[[1.0, 0.0, 2.0, 0.0, 1.0]]])


def max_pool_choice_loop(x, k, stride, padding, dilation):
    """(max_pool1d(x), d sum(max_pool1d(x)) / dx) by a loop: a window holding NaN gives
    NaN and passes its gradient to its last NaN; otherwise to its first maximum among
    the input's elements (-inf ones too). A window of padding only gives -inf."""
    n, c, length = x.shape
    length_out = (length + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    values = np.full((n, c, length_out), -np.inf)
    grad = np.zeros_like(x)
    for i in range(n):
        for ch in range(c):
            for l in range(length_out):
                taps = [l * stride - padding + j * dilation for j in range(k)]
                taps = [pos for pos in taps if 0 <= pos < length]
                nans = [pos for pos in taps if np.isnan(x[i, ch, pos])]
                if nans:
                    values[i, ch, l] = np.nan
                    grad[i, ch, nans[-1]] += 1
                elif taps:
                    best = max(x[i, ch, pos] for pos in taps)
                    values[i, ch, l] = best
                    grad[i, ch, next(pos for pos in taps if x[i, ch, pos] == best)] += 1
    return values, grad


@pytest.mark.parametrize("k,stride,padding,dilation", [(2, 2, 1, 1), (3, 1, 1, 1),
                                                       (2, 1, 0, 1), (3, 2, 1, 2)])
def test_max_pool_gradient_with_minus_infinity_nan_and_ties(k, stride, padding, dilation):
    rng = np.random.default_rng(k * 100 + stride * 10 + padding)
    x = rng.choice([np.nan, -np.inf, 0.0, 1.0], size=(2, 3, 9), p=[0.1, 0.4, 0.25, 0.25])
    xt = mg.tensor(x, requires_grad=True, dtype=mg.float64)
    out = F.max_pool1d(xt, k, stride, padding, dilation)
    out.backward(mg.ones_like(out))
    values, grad = max_pool_choice_loop(x, k, stride, padding, dilation)
    np.testing.assert_array_equal(out.data, values)
    np.testing.assert_array_equal(xt.grad.data, grad)


def test_max_pool_window_of_minus_infinities_passes_its_gradient_to_an_input():
    x = mg.tensor([[[-np.inf, -np.inf, 1.0, -np.inf]]], requires_grad=True, dtype=mg.float64)
    out = F.max_pool1d(x, 2, 2, 1)  # windows [pad, x0] [x1, x2] [x3, pad]
    np.testing.assert_array_equal(out.data, [[[-np.inf, 1.0, -np.inf]]])
    out.backward(mg.ones_like(out))
    np.testing.assert_array_equal(x.grad.data, [[[1.0, 0.0, 1.0, 1.0]]])


def test_max_pool_padding_is_minus_infinity():
    x = mg.tensor([[[0.5, 0.7]]], dtype=mg.float64)
    # taps 0 and 3 of the padded [pad, 0.5, 0.7, pad] are both padding
    np.testing.assert_array_equal(F.max_pool1d(x, 2, 1, 1, dilation=3).data, [[[-np.inf]]])
    x = mg.tensor([[[-np.inf, -np.inf, 1.0, 2.0]]], dtype=mg.float64)
    np.testing.assert_array_equal(F.max_pool1d(x, 2, 2, 1).data, [[[-np.inf, 1.0, 2.0]]])
    x = mg.tensor([[[-1.0, -2.0, -3.0]]], requires_grad=True, dtype=mg.float64)
    with mg.detect_anomaly():  # the padding itself never makes an inf in the graph
        F.max_pool1d(x, 3, 1, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[2.0, 1.0, 0.0]]])


def test_ceil_mode_pools_a_partial_window_when_the_input_is_shorter_than_the_kernel():
    x = mg.tensor([[[0.5, 0.7, 0.1]]], dtype=mg.float64)
    np.testing.assert_allclose(F.max_pool1d(x, 4, 2, ceil_mode=True).data, [[[0.7]]])
    for include in (True, False):
        np.testing.assert_allclose(F.avg_pool1d(x, 4, 2, ceil_mode=True,
                                                count_include_pad=include).data, [[[1.3 / 3]]])
    with pytest.raises(ValueError, match="shorter than the kernel"):
        F.max_pool1d(x[..., :2], 4, 2, ceil_mode=True)  # no window starts in the input
    with pytest.raises(ValueError, match="shorter than the kernel"):
        F.max_pool1d(x, 4, 2)  # floor mode: only whole windows


def test_pool_repr_as_pytorch():
    assert repr(mg.nn.MaxPool1d(3)) == \
        "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"
    assert repr(mg.nn.AvgPool1d(2, 1)) == \
        "AvgPool1d(kernel_size=(2,), stride=(1,), padding=(0,))"
    assert repr(mg.nn.Conv1d(2, 3, 5, stride=2, padding=1)) == \
        "Conv1d(2, 3, kernel_size=(5,), stride=(2,), padding=(1,))"
    assert repr(mg.nn.Conv1d(2, 3, 5, dilation=2, bias=False)) == \
        "Conv1d(2, 3, kernel_size=(5,), stride=(1,), dilation=(2,), bias=False)"


def test_conv_and_pools_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x, w, b = rng.normal(size=(2, 3, 10)), rng.normal(size=(4, 3, 3)), rng.normal(size=4)
    ours = F.conv1d(mg.tensor(x), mg.tensor(w), mg.tensor(b), 2, 1, 2).data
    theirs = torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                        stride=2, padding=1, dilation=2).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    ours = F.avg_pool1d(mg.tensor(x), 3, 2, 1, ceil_mode=True).data
    theirs = torch.nn.functional.avg_pool1d(torch.tensor(x), 3, 2, 1, ceil_mode=True).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
