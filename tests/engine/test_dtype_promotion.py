"""Type promotion follows PyTorch, not numpy: for Python numbers, for tensors of
different dtypes (dimensioned tensors outrank 0-d ones), and for float results of
integer inputs (the default dtype, not float64)."""
import pytest
import numpy as np

import minigrad as mg


def test_integer_tensor_times_python_float_gives_the_default_dtype():
    assert (mg.arange(3) * 0.5).dtype == np.float32
    assert (0.5 * mg.arange(3)).dtype == np.float32
    assert (mg.tensor([True, False]) * 1.5).dtype == np.float32
    np.testing.assert_array_equal((mg.arange(3) * 0.5).data, [0.0, 0.5, 1.0])


def test_float_tensors_keep_their_dtype_and_ints_stay_ints():
    assert (mg.randn(3) * 0.5).dtype == np.float32
    assert (mg.randn(3, dtype=mg.float64) * 0.5).dtype == np.float64
    assert (mg.arange(3) + 1).dtype == np.int64


def test_default_float64_gives_float64():
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        assert (mg.arange(3) * 0.5).dtype == np.float64
    finally:
        mg.set_default_dtype(previous)


F32, F64, I64 = np.float32, np.float64, np.int64


@pytest.mark.parametrize("a, b, expected", [
    (np.ones(3, F32), np.arange(3), F32),            # float beats int: the float's dtype
    (np.arange(3), np.ones(3, F32), F32),
    (np.ones(3, F32), np.array(2.0, F64), F32),      # a 0-d float64 does not promote a
    (np.array(2.0, F64), np.ones(3, F32), F32),      # dimensioned float32
    (np.arange(3), np.array(2.0, F32), F32),         # only the 0-d one is float: its dtype
    (np.ones(3, F32), np.array(2, I64), F32),
    (np.ones(3, F32), np.ones(3, F64), F64),         # same rank: the wider float
    (np.array(1.0, F32), np.array(2.0, F64), F64),
    (np.arange(3, dtype=np.int32), np.arange(3), I64),  # integer results stay numpy's
])
def test_mixed_tensor_dtypes(a, b, expected):
    x, y = mg.tensor(a), mg.tensor(b)
    for result in (x + y, x * y, y - x, mg.where(mg.tensor(True), x, y)):
        assert result.dtype == expected
    np.testing.assert_allclose((x + y).data, np.asarray(a, F64) + np.asarray(b, F64),
                               rtol=1e-6)


def test_the_gradient_of_each_input_keeps_its_dtype():
    x = mg.tensor(np.ones(3, F32), requires_grad=True)
    s = mg.tensor(np.array(2.0, F64), requires_grad=True)
    (x * s).sum().backward()
    assert (x * s).dtype == F32
    assert x.grad.dtype == F32 and s.grad.dtype == F64
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0, 2.0])
    assert s.grad.item() == 3.0


@pytest.mark.parametrize("op", [
    lambda t: t / mg.tensor([2, 2, 4]), lambda t: t / 2, lambda t: 2 / t, lambda t: t.exp(),
    lambda t: t.log(), lambda t: t.sqrt(), lambda t: t.tanh(), lambda t: t ** 0.5,
    lambda t: t.sigmoid(),
])
def test_float_results_of_integer_tensors_take_the_default_dtype(op):
    ints = mg.tensor([1, 2, 3])
    result = op(ints)
    assert result.dtype == np.float32
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        assert op(ints).dtype == np.float64
    finally:
        mg.set_default_dtype(previous)


def test_concat_of_int_and_float32_is_float32():
    joined = mg.concat([mg.tensor([1, 2]), mg.tensor(np.ones(1, F32))])
    assert joined.dtype == F32
    np.testing.assert_array_equal(joined.data, [1.0, 2.0, 1.0])


def test_sigmoid_of_integers_is_not_truncated():
    np.testing.assert_allclose(mg.tensor([-1, 0, 2]).sigmoid().data,
                               1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0]))), rtol=1e-6)


def test_cast_keeps_the_dtype_it_was_asked_for():
    assert mg.tensor([1, 2]).to(dtype=mg.float64).dtype == np.float64
    assert mg.tensor([1.5], dtype=mg.float32).double().dtype == np.float64
