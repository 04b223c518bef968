"""Tensor attributes and methods: shape, dtype, grad flags, conversions, repr, operators."""
import inspect

import numpy as np
import pytest

import minigrad as mg
from minigrad import Tensor


def test_shape_ndim_dtype_and_flags_of_a_leaf():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dtype == np.float32
    assert x.size() == (2, 3) and x.size(1) == 3 and x.numel() == 6 and len(x) == 2
    assert x.grad is None and not x.requires_grad and x.is_leaf
    assert x.op is None and x.inputs == ()


def test_flags_of_a_node():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    assert y.op == "mul" and y.inputs[0] is x and len(y.inputs) == 2
    with pytest.warns(UserWarning, match="non-leaf"):
        assert y.grad is None


def test_numpy_and_item():
    x = mg.tensor([[1.5, 2.5]])
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(x.numpy(), np.array([[1.5, 2.5]], dtype=np.float32))
    assert mg.tensor([[3.25]]).item() == 3.25
    assert isinstance(mg.tensor(7).item(), int)
    with pytest.raises(ValueError, match=r"\(1, 2\)"):
        x.item()
    assert float(mg.tensor(2.5)) == 2.5 and x.tolist() == [[1.5, 2.5]]


def test_tensor_copies_its_input():
    source = np.array([1.0, 2.0])
    x = mg.tensor(source)
    source[0] = 100.0
    assert x.numpy()[0] == 1.0


def test_detach_shares_data_but_not_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).detach()
    assert y.is_leaf and not y.requires_grad and y.op is None
    np.testing.assert_array_equal(y.numpy(), [3.0, 6.0])
    z = x.detach()
    z.data[0] = 9.0
    assert x.numpy()[0] == 9.0           # same storage, like torch


def test_requires_grad_():
    x = mg.tensor([1.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad


def test_transpose_properties():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.T.numpy(), np.arange(6.0).reshape(2, 3).T)
    b = mg.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert b.mT.shape == (2, 4, 3) and b.transpose(0, 1).shape == (3, 2, 4)
    v = mg.tensor([1.0, 2.0])
    assert v.T.shape == (2,)


def test_repr_shows_values_dtype_and_grad_state():
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2], dtype=int64)"
    assert repr(mg.tensor([1.0], dtype=mg.float64)) == "tensor([1.], dtype=float64)"
    y = mg.tensor([1.0], requires_grad=True) * 2
    assert "op=mul" in repr(y)


def test_default_dtype_is_float32():
    assert mg.get_default_dtype() == np.float32
    assert mg.tensor(1.0).dtype == np.float32
    assert mg.zeros(2).dtype == np.float32
    assert mg.tensor(np.array([1.0])).dtype == np.float64  # numpy arrays keep their dtype


def test_set_default_dtype_float64(default_float64):
    assert mg.tensor([1.0]).dtype == np.float64
    assert mg.randn(2).dtype == np.float64 and mg.ones(2).dtype == np.float64
    assert (mg.tensor([1, 2]) * 0.5).dtype == np.float64


def test_set_default_dtype_rejects_integers():
    with pytest.raises(TypeError):
        mg.set_default_dtype(mg.int64)


@pytest.mark.parametrize("expression, expected", [
    (lambda x: 2 * x, [2.0, 4.0]),
    (lambda x: x * 2, [2.0, 4.0]),
    (lambda x: 1 - x, [0.0, -1.0]),
    (lambda x: x - 1, [0.0, 1.0]),
    (lambda x: 1 + x, [2.0, 3.0]),
    (lambda x: 2 ** x, [2.0, 4.0]),
    (lambda x: x ** 2, [1.0, 4.0]),
    (lambda x: 4 / x, [4.0, 2.0]),
    (lambda x: x / 4, [0.25, 0.5]),
    (lambda x: -x, [-1.0, -2.0]),
    (lambda x: np.float64(3.0) * x, [3.0, 6.0]),
    (lambda x: x / np.int64(4), [0.25, 0.5]),
    (lambda x: x ** np.float64(2.0), [1.0, 4.0]),
], ids=["rmul", "mul", "rsub", "sub", "radd", "rpow", "pow", "rdiv", "div", "neg",
        "numpy_float64_scalar", "numpy_int64_scalar", "numpy_scalar_exponent"])
def test_python_numbers_on_either_side_keep_the_tensor_dtype(expression, expected):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = expression(x)
    assert isinstance(y, mg.Tensor)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), expected)
    assert y.requires_grad


def test_python_numbers_gradients():
    x = mg.tensor([1.0, 3.0], dtype=mg.float64, requires_grad=True)
    (2 ** x + x ** 2 + 1 - x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 ** np.array([1.0, 3.0]) * np.log(2)
                               + 2 * np.array([1.0, 3.0]) - 1)


def test_int_tensor_times_float_number_is_float():
    y = mg.tensor([1, 2]) * 1.5
    assert y.dtype.kind == "f"
    np.testing.assert_allclose(y.numpy(), [1.5, 3.0])


def test_numpy_array_on_the_left_defers_to_tensor():
    y = np.array([1.0, 2.0]) + mg.tensor([1.0, 1.0], requires_grad=True)
    assert isinstance(y, mg.Tensor) and y.requires_grad


def test_reduction_aliases_and_shape_helpers():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(dim=1, keepdim=True).shape == (2, 1)
    assert x.mean(axis=(0, 1)).shape == ()
    assert x.unsqueeze(1).shape == (2, 1, 3) and x.unsqueeze(-1).shape == (2, 3, 1)
    assert x.unsqueeze(0).squeeze().shape == (2, 3)
    assert x.flatten().shape == (6,) and x.view(3, 2).shape == (3, 2)
    np.testing.assert_allclose(x.std().item(), np.std(np.arange(6.0), ddof=1), rtol=1e-6)
    assert x.argmax().item() == 5 and x.argmax(dim=1).tolist() == [2, 2]


def test_split_and_chunk_shapes_and_values():
    x = mg.tensor(np.arange(10.0))
    assert [p.shape for p in x.split(4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in x.split([3, 7])] == [(3,), (7,)]
    assert [p.shape for p in x.chunk(3)] == [(4,), (4,), (2,)]
    np.testing.assert_array_equal(mg.concat(list(x.split(3))).numpy(), np.arange(10.0))
    with pytest.raises(ValueError, match="do not add up"):
        x.split([3, 3])


def test_getitem_values_match_numpy():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = mg.tensor(data)
    for index in [1, (1, 2), (slice(None), 1), (Ellipsis, 0), (None, 1), [1, 1, 0],
                  (np.array([0, 1]), np.array([2, 2])), data > 10]:
        np.testing.assert_array_equal(x[index].numpy(), data[index])
    np.testing.assert_array_equal(x[mg.tensor([1, 0])].numpy(), data[[1, 0]])


def test_repeated_index_gradient_is_the_count():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_bool_mask_gradient():
    x = mg.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    (x[x > 0] * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[5.0, 0.0], [0.0, 5.0]])


def test_max_ties_share_the_gradient():
    x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.5, 0.5])
    a = mg.tensor([2.0], requires_grad=True)
    b = mg.tensor([2.0], requires_grad=True)
    mg.maximum(a, b).sum().backward()
    assert a.grad.item() == 0.5 and b.grad.item() == 0.5


def test_module_level_functions_mirror_methods():
    x = mg.tensor([[0.5, -1.0]], dtype=mg.float64)
    for name in ("exp", "tanh", "sigmoid", "relu", "softplus", "abs"):
        np.testing.assert_allclose(getattr(mg, name)(x).numpy(), getattr(x, name)().numpy())
    np.testing.assert_allclose(mg.sum(x, axis=1).numpy(), [-0.5])
    np.testing.assert_allclose(mg.softmax(x, dim=-1).numpy().sum(), 1.0)
    np.testing.assert_allclose(mg.where(x > 0, x, 0.0).numpy(), [[0.5, 0.0]])


def test_split_chunk_and_flatten_take_pytorchs_dim_arguments():
    x = mg.arange(24.0).reshape(2, 3, 4)
    assert [p.shape for p in x.split(3, dim=2)] == [(2, 3, 3), (2, 3, 1)]
    assert [p.shape for p in mg.split(x, [1, 2], dim=1)] == [(2, 1, 4), (2, 2, 4)]
    assert [p.shape for p in x.chunk(2, dim=-1)] == [(2, 3, 2), (2, 3, 2)]
    np.testing.assert_array_equal(x.chunk(2, dim=-1)[1].numpy(), x.numpy()[..., 2:])
    assert x.flatten(1).shape == (2, 12) and x.flatten(0, 1).shape == (6, 4)
    assert x.flatten(start_dim=1, end_dim=-2).shape == (2, 3, 4)
    assert mg.flatten(x, 1).shape == (2, 12) and x.flatten().shape == (24,)
    np.testing.assert_array_equal(x.flatten(0, 1).numpy(), x.numpy().reshape(6, 4))


def test_pytorch_conveniences_clone_t_masked_fill_to_type_int_device():
    x = mg.tensor([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]], dtype=mg.float64, requires_grad=True)
    copy = x.clone()
    assert copy.op == "clone" and copy.data is not x.data
    np.testing.assert_array_equal(copy.numpy(), x.numpy())
    (copy * copy).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2 * x.numpy())

    assert x.t().shape == (3, 2) and x[0].t().shape == (3,)
    with pytest.raises(ValueError, match="t: expects a tensor with <= 2 dimensions"):
        mg.zeros(2, 2, 2).t()

    filled = x.masked_fill(x < 0, 0.0)
    np.testing.assert_array_equal(filled.numpy(), [[1.0, 0.0, 3.0], [0.0, 5.0, 0.0]])
    x.grad = None
    filled.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 1], [0, 1, 0]])

    assert x.device == "cpu" and x.to("cpu") is x
    assert x.to("cpu", mg.float32).dtype == np.float32
    assert x.to(dtype=mg.float32).dtype == np.float32
    with pytest.raises(ValueError, match="CPU only"):
        x.to("cuda")
    assert x.type() == "float64" and x.type(mg.float32).dtype == np.float32
    assert x.int().dtype == np.int32


@pytest.mark.parametrize("p", [1, 2, float("inf")])
def test_norm_matches_numpy_and_gradchecks(p):
    values = np.array([[0.5, -1.5, 2.0], [-0.7, 0.3, 1.1]])
    x = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    np.testing.assert_allclose(x.norm(p).item(), np.linalg.norm(values.ravel(), ord=p))
    np.testing.assert_allclose(x.norm(p, dim=1).numpy(), np.linalg.norm(values, ord=p, axis=1))
    assert x.norm(p, dim=0, keepdim=True).shape == (1, 3)
    assert mg.gradcheck(lambda t: t.norm(p, dim=1), [x])


def test_norm_of_zero_has_zero_gradient_and_bad_p_is_an_error():
    x = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="norm: p must be 1, 2 or inf"):
        x.norm(3)


# the API a reader looks for in the class (issue 13, section 4: the methods used to be
# attached at import by setattr loops in ops/tensor_methods.py and inplace.py)
PUBLIC_API = ["__add__", "__radd__", "__sub__", "__mul__", "__truediv__", "__pow__",
              "__matmul__", "__neg__", "__abs__", "__getitem__", "__setitem__", "__eq__",
              "__lt__", "__and__", "__iadd__", "__isub__", "add", "mul", "matmul", "exp",
              "tanh", "sigmoid", "relu", "clip", "clamp", "sum", "mean", "max", "var", "std",
              "norm", "argmax", "softmax", "logsumexp", "reshape", "view", "permute",
              "transpose", "expand", "squeeze", "unsqueeze", "flatten", "split", "chunk",
              "masked_fill", "maximum", "add_", "zero_", "copy_", "T", "mT"]


@pytest.mark.parametrize("name", PUBLIC_API)
def test_a_public_method_is_defined_in_the_class_body_of_tensor_py(name):
    assert name in Tensor.__dict__, f"Tensor.{name} is attached from outside the class"
    member = Tensor.__dict__[name]
    function = member.fget if isinstance(member, property) else member
    assert inspect.getsourcefile(function) == inspect.getsourcefile(Tensor)
    assert function.__qualname__.startswith("Tensor.")


def test_nothing_outside_tensor_py_attaches_methods_to_tensor():
    # every method and property of Tensor (not the inherited ones) is written in tensor.py
    for name, member in vars(Tensor).items():
        function = member.fget if isinstance(member, property) else member
        if inspect.isfunction(function):
            assert inspect.getsourcefile(function) == inspect.getsourcefile(Tensor), name
