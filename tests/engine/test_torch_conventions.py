"""PyTorch's conventions where numpy's differ, checked without PyTorch installed
(tests/engine/test_torch_parity.py compares against torch itself when it is)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def leaf(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_max_with_dim_returns_values_and_indices_and_grads_the_index():
    x = leaf([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]])
    values, indices = x.max(1)
    np.testing.assert_array_equal(values.data, [5.0, 7.0])
    np.testing.assert_array_equal(indices.data, [1, 0])
    assert indices.dtype == np.int64 and not indices.requires_grad
    result = mg.min(x, dim=0, keepdim=True)
    np.testing.assert_array_equal(result.values.data, [[1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(result.indices.data, [[0, 1, 1]])
    values.sum().backward()
    # the tie in row 0 sends the whole gradient to the first index, the one returned
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [1, 0, 0]])


def test_max_over_all_and_amax_split_ties():
    x = leaf([[1.0, 5.0, 5.0]])
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0.5, 0.5]])
    x.grad = None
    x.amax(1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 0.5, 0.5]])


def test_max_of_two_tensors_is_elementwise():
    a, b = mg.tensor([1.0, 4.0]), mg.tensor([3.0, 2.0])
    np.testing.assert_array_equal(a.max(b).data, [3.0, 4.0])
    np.testing.assert_array_equal(mg.min(a, b).data, [1.0, 2.0])


def test_var_reads_its_second_argument_as_unbiased():
    data = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 9.0]])
    x = mg.tensor(data)
    np.testing.assert_allclose(x.var(1, False).data, np.var(data, axis=1))
    np.testing.assert_allclose(x.var(1).data, np.var(data, axis=1, ddof=1))
    np.testing.assert_allclose(x.std(0, True, True).data, np.std(data, axis=0, ddof=1,
                                                                 keepdims=True))


def test_var_with_no_degrees_of_freedom_gives_nan_gradients_not_an_error():
    x = leaf([[1.0], [2.0]])
    x.var(1).sum().backward()
    assert np.isnan(x.grad.data).all() or np.isinf(x.grad.data).all()


@pytest.mark.parametrize("dim", [0, -1])
def test_a_0d_tensor_reduces_over_dim_0_and_minus_1(dim):
    x = leaf(3.0)
    for reduce in (lambda t: t.sum(dim), lambda t: t.mean(dim=dim), lambda t: t.amax(dim),
                   lambda t: t.max(dim).values, lambda t: t.logsumexp(dim)):
        x.grad = None
        out = reduce(x)
        assert out.shape == () and out.item() == 3.0
        out.backward()
        assert x.grad.item() == 1.0


@pytest.mark.parametrize("call, op", [
    (lambda t: t.unsqueeze(3), "unsqueeze"), (lambda t: t.unsqueeze(-4), "unsqueeze"),
    (lambda t: t.squeeze(2), "squeeze"), (lambda t: t.permute(2, 1), "permute"),
    (lambda t: t.flatten(0, 2), "flatten"), (lambda t: t.transpose(0, 2), "transpose"),
])
def test_out_of_range_dims_raise_instead_of_wrapping(call, op):
    x = mg.zeros((1, 3))
    with pytest.raises(IndexError) as info:
        call(x)
    assert op in str(info.value) and "(1, 3)" in str(info.value)


def test_in_range_negative_dims_still_work():
    x = mg.zeros((2, 3))
    assert x.unsqueeze(-3).shape == (1, 2, 3) and x.unsqueeze(2).shape == (2, 3, 1)
    assert x.permute(-1, 0).shape == (3, 2) and x.flatten(-2, -1).shape == (6,)


def test_vector_transposes_and_expand_into_a_new_dim():
    v = mg.zeros(3)
    assert v.T.shape == (3,)
    for call in (lambda: v.transpose(-2, -1), lambda: v.mT, lambda: v.expand(-1, 3)):
        with pytest.raises((IndexError, ValueError)):
            call()
    assert v.expand(2, -1).shape == (2, 3)


def test_masked_fill_keeps_the_dtype():
    ints = mg.tensor([1, 2, 3])
    filled = ints.masked_fill(mg.tensor([True, False, True]), 1.5)
    assert filled.dtype == np.int64
    np.testing.assert_array_equal(filled.data, [1, 2, 1])


def test_invert_and_or_are_bitwise_on_ints_and_logical_on_bools():
    np.testing.assert_array_equal((~mg.tensor([1, 2])).data, [-2, -3])
    np.testing.assert_array_equal((mg.tensor([6]) & mg.tensor([3])).data, [2])
    np.testing.assert_array_equal((mg.tensor([6]) | 1).data, [7])
    flags = ~mg.tensor([True, False])
    assert flags.dtype == np.bool_ and flags.data.tolist() == [False, True]


def test_ints_select_first_in_mixed_indexing():
    data = np.arange(24.0).reshape(4, 2, 3)
    x = leaf(data)
    picked = x[1, :, [0, 0, 2]]
    assert picked.shape == (2, 3)  # numpy's x[1, :, [0, 0, 2]] would be (3, 2)
    np.testing.assert_array_equal(picked.data, data[1][:, [0, 0, 2]])
    picked.sum().backward()
    expected = np.zeros((4, 2, 3))
    expected[1, :, 0], expected[1, :, 2] = 2.0, 1.0  # the repeated index adds twice
    np.testing.assert_array_equal(x.grad.data, expected)


def test_functional_softplus_and_leaky_relu():
    data = np.array([-30.0, -1.0, 0.0, 2.0, 25.0])
    x = mg.tensor(data)
    np.testing.assert_allclose(F.softplus(x).data,
                               np.where(data > 20, data, np.log1p(np.exp(data))), rtol=1e-12)
    np.testing.assert_allclose(F.softplus(x, beta=2.0, threshold=5.0).data,
                               np.where(2 * data > 5, data, np.log1p(np.exp(2 * data)) / 2),
                               rtol=1e-12)
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).data, np.where(data > 0, data, 0.1 * data))


def test_clamp_with_tensor_bounds():
    x = leaf([-2.0, 0.5, 3.0])
    low, high = leaf([-1.0, -1.0, -1.0]), leaf([1.0, 1.0, 1.0])
    out = x.clamp(low, high)
    np.testing.assert_array_equal(out.data, [-1.0, 0.5, 1.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 1, 0])
    np.testing.assert_array_equal(low.grad.data, [1, 0, 0])
    np.testing.assert_array_equal(high.grad.data, [0, 0, 1])


def test_frobenius_norm():
    data = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(mg.tensor(data).norm("fro").item(), np.sqrt((data ** 2).sum()))
