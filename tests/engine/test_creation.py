"""Constructors: shapes, dtypes, values, and seeded reproducibility."""
import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("make", [mg.zeros, mg.ones, mg.randn, mg.rand])
def test_shape_given_as_varargs_or_tuple(make):
    assert make(2, 3).shape == (2, 3)
    assert make((2, 3)).shape == (2, 3)
    assert make(()).shape == ()
    assert make(4).dtype == np.float32
    assert make(2, dtype=mg.float64).dtype == np.float64


def test_zeros_ones_full_values():
    np.testing.assert_array_equal(mg.zeros(2, 2).numpy(), np.zeros((2, 2)))
    np.testing.assert_array_equal(mg.ones(3).numpy(), np.ones(3))
    x = mg.full((2, 3), 1.5)
    assert x.dtype == np.float32 and (x.numpy() == 1.5).all() and x.shape == (2, 3)
    assert mg.full(3, 7).dtype == np.int64 and mg.full(3, 7).shape == (3,)
    assert mg.full((2,), True).dtype == np.bool_


def test_requires_grad_keyword():
    assert mg.zeros(2, requires_grad=True).requires_grad
    assert mg.randn(2, requires_grad=True).is_leaf
    assert not mg.ones(2).requires_grad


def test_tensor_dtype_inference():
    assert mg.tensor(1.0).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([True]).dtype == np.bool_
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == np.float64
    assert mg.tensor(np.zeros(2, dtype=np.float16)).dtype == np.float16
    assert mg.tensor(np.float64(2.5)).dtype == np.float64
    assert mg.tensor(np.float32(2.5)).dtype == np.float32
    assert mg.tensor(np.int32(3)).dtype == np.int32


def test_tensor_of_a_0d_float64_tensor_stays_float64():
    x = mg.tensor(2.5, dtype=mg.float64)
    assert mg.tensor(x).dtype == np.float64
    assert mg.tensor(x * 2).dtype == np.float64
    assert mg.tensor(x).item() == 2.5


def test_tensor_rejects_non_numeric_data():
    with pytest.raises(TypeError):
        mg.tensor([object()])


def test_arange_linspace_eye():
    assert mg.arange(5).dtype == np.int64 and mg.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(2, 8, 3).tolist() == [2, 5]
    half = mg.arange(0, 1, 0.25)
    assert half.dtype == np.float32 and half.tolist() == [0.0, 0.25, 0.5, 0.75]
    lin = mg.linspace(0, 1, 5)
    assert lin.dtype == np.float32 and lin.shape == (5,) and lin.tolist()[-1] == 1.0
    np.testing.assert_array_equal(mg.eye(3).numpy(), np.eye(3))
    assert mg.eye(2, 3).shape == (2, 3) and mg.eye(2).dtype == np.float32


def test_like_constructors_keep_shape_and_dtype():
    x = mg.tensor(np.ones((2, 3), dtype=np.float64))
    z = mg.zeros_like(x)
    assert z.shape == (2, 3) and z.dtype == np.float64 and (z.numpy() == 0).all()
    o = mg.ones_like(mg.tensor([1, 2]))
    assert o.dtype == np.int64 and o.tolist() == [1, 1]
    assert mg.zeros_like(x, dtype=mg.float32).dtype == np.float32


def test_random_ranges_and_moments():
    mg.manual_seed(0)
    r = mg.rand(4000)
    assert (r.numpy() >= 0).all() and (r.numpy() < 1).all()
    n = mg.randn(4000, dtype=mg.float64).numpy()
    assert abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1
    i = mg.randint(3, 7, (2, 50))
    assert i.shape == (2, 50) and i.dtype == np.int64
    assert set(np.unique(i.numpy())) == {3, 4, 5, 6}


def test_randint_takes_torchs_argument_forms():
    assert set(np.unique(mg.randint(3, (400,)).numpy())) == {0, 1, 2}
    assert mg.randint(5, size=(2, 3)).shape == (2, 3)
    assert set(np.unique(mg.randint(2, 4, size=300).numpy())) == {2, 3}
    with pytest.raises(TypeError, match="randint"):
        mg.randint(5)
    with pytest.raises(TypeError, match="randint"):
        mg.randint(1, 2, 3, 4)


def test_manual_seed_reproduces_every_random_function():
    def draw():
        return (mg.randn(3).numpy(), mg.rand(2, 2).numpy(), mg.randint(0, 100, 5).numpy(),
                mg.generator().permutation(6))

    mg.manual_seed(1234)
    first = draw()
    mg.manual_seed(1234)
    second = draw()
    mg.manual_seed(4321)
    other = draw()
    for a, b, c in zip(first, second, other):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
