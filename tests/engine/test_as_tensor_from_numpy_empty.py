"""mg.as_tensor, mg.from_numpy and mg.empty, as torch's: when memory is shared, which
dtype is kept, what is refused."""
import warnings

import numpy as np
import pytest

import minigrad as mg


def test_from_numpy_shares_memory_both_ways_and_keeps_the_dtype():
    for dtype in (np.float64, np.float32, np.int32, np.int64, np.bool_, np.float16):
        a = np.zeros((2, 3), dtype=dtype)
        t = mg.from_numpy(a)
        assert t.dtype == dtype and t.shape == (2, 3)
        assert t.is_leaf and not t.requires_grad
        a[0, 1] = 1
        assert t.data[0, 1] == 1  # the array's write shows in the tensor
        t.data[1, 2] = 1
        assert a[1, 2] == 1  # and the tensor's in the array


def test_an_optimizer_step_on_a_from_numpy_parameter_writes_the_array():
    a = np.array([1.0, 2.0])
    p = mg.nn.Parameter(mg.zeros(2, dtype=mg.float64))
    p.data = mg.from_numpy(a).data
    (p * p).sum().backward()
    mg.optim.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(a, [0.0, 0.0])


def test_from_numpy_shares_views_with_any_strides():
    a = np.arange(12.0).reshape(3, 4)
    for view in (a[:, 1], a[::-1], a.T):
        t = mg.from_numpy(view)
        assert np.shares_memory(t.data, a)
        np.testing.assert_array_equal(t.data, view)


@pytest.mark.parametrize("data", [[1.0, 2.0], 3.0, (1, 2), None])
def test_from_numpy_refuses_what_is_not_an_ndarray(data):
    with pytest.raises(TypeError, match=r"from_numpy: expected a numpy.ndarray, got "):
        mg.from_numpy(data)


def test_from_numpy_refuses_arrays_without_numbers():
    with pytest.raises(TypeError, match="from_numpy: cannot share a numpy array of dtype"):
        mg.from_numpy(np.array(["a", "b"]))


def test_from_numpy_of_a_read_only_array_warns_at_the_users_line():
    a = np.zeros(3)
    a.flags.writeable = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = mg.from_numpy(a)
    assert [w.filename for w in caught] == [__file__]
    assert "not writable" in str(caught[0].message)
    assert np.shares_memory(t.data, a)


def test_0d_arrays_are_copied_since_0d_data_is_a_numpy_scalar():
    a = np.array(2.5)
    made = (mg.from_numpy(a), mg.as_tensor(a))
    a[()] = 7.0
    for t in made:
        assert t.shape == () and t.dtype == np.float64 and t.item() == 2.5


def test_as_tensor_shares_an_ndarray_of_the_asked_dtype():
    a = np.arange(4.0)
    for dtype in (None, np.float64, "float64", mg.float64):
        t = mg.as_tensor(a, dtype=dtype)
        assert t.dtype == np.float64 and np.shares_memory(t.data, a)


def test_as_tensor_copies_when_it_must_convert():
    a = np.arange(4.0)
    t = mg.as_tensor(a, dtype=mg.float32)
    assert t.dtype == np.float32 and not np.shares_memory(t.data, a)
    np.testing.assert_array_equal(t.data, a)


def test_as_tensor_of_python_data_is_as_tensor():
    assert mg.as_tensor([1.0, 2.0]).dtype == np.float32  # the default dtype, as torch
    assert mg.as_tensor([1, 2]).dtype == np.int64
    assert mg.as_tensor(3.0, dtype=mg.float64).dtype == np.float64
    assert mg.as_tensor([True]).dtype == np.bool_


def test_as_tensor_of_a_tensor_is_itself_or_a_conversion_in_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert mg.as_tensor(x) is x
    assert mg.as_tensor(x, dtype=mg.float32) is x
    y = mg.as_tensor(x, dtype=mg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_as_tensor_and_from_numpy_against_torch():
    torch = pytest.importorskip("torch")
    def same(t, torch_t):
        return str(t.dtype) == str(torch_t.dtype).removeprefix("torch.") and \
            t.shape == tuple(torch_t.shape)

    for a in (np.arange(6.0).reshape(2, 3), np.arange(3, dtype=np.int32), np.ones(2, bool)):
        assert same(mg.from_numpy(a), torch.from_numpy(a))
        assert same(mg.as_tensor(a), torch.as_tensor(a))
    for data in ([1.5], [1, 2], [[True]]):
        assert same(mg.as_tensor(data), torch.as_tensor(data))
    assert same(mg.empty(2, 3), torch.empty(2, 3))


@pytest.mark.parametrize("shape", [(2, 3), ((2, 3),), ([4],), (0,), ()])
def test_empty_takes_shapes_as_zeros(shape):
    t = mg.empty(*shape)
    assert t.shape == mg.zeros(*shape).shape
    assert t.dtype == np.float32 and t.is_leaf and not t.requires_grad


def test_empty_dtype_and_requires_grad():
    t = mg.empty(2, dtype=mg.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    (t * 0).sum().backward()
    assert t.grad.shape == (2,)
    assert mg.empty(3, dtype="int64").dtype == np.int64
    with pytest.raises(TypeError):
        mg.empty(2, dtype=mg.int64, requires_grad=True)
