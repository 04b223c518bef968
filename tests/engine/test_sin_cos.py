"""sin and cos: values against numpy, exact first and second derivatives, the method and
function spellings, dtypes, and (when installed) torch. The gradient checks of every
shape are in primitive_cases.py."""
import numpy as np
import pytest

import minigrad as mg

X = np.array([-4.0, -1.5, -0.3, 0.0, 0.7, 2.0, 3.5])


@pytest.mark.parametrize("name, f, df, d2f", [
    ("sin", np.sin, np.cos, lambda v: -np.sin(v)),
    ("cos", np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v)),
])
def test_values_and_first_and_second_derivatives_are_exact(name, f, df, d2f):
    x = mg.tensor(X, requires_grad=True)
    y = getattr(x, name)()
    assert y.dtype == np.float64 and y.op == name
    np.testing.assert_allclose(y.data, f(X), rtol=1e-15, atol=1e-15)
    (g,) = mg.grad(y.sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, df(X), rtol=1e-15, atol=1e-15)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, d2f(X), rtol=1e-15, atol=1e-15)


def test_function_and_method_spellings_agree_and_take_numbers():
    x = mg.tensor([[0.5, -2.0], [1.0, 3.0]])
    np.testing.assert_array_equal(mg.sin(x).data, x.sin().data)
    np.testing.assert_array_equal(mg.cos(x).data, x.cos().data)
    assert mg.sin(x).dtype == mg.cos(x).dtype == np.float32
    assert mg.sin(2.0).item() == pytest.approx(np.sin(2.0))
    assert mg.cos(mg.tensor(0.0)).item() == 1.0


def test_integer_input_gives_the_default_float_dtype_as_torch():
    assert mg.sin(mg.tensor([0, 1, 2])).dtype == np.float32
    assert mg.cos(mg.tensor([0, 1, 2])).dtype == np.float32


def test_fourth_derivative_of_sin_is_sin():
    x = mg.tensor(0.8, dtype=mg.float64, requires_grad=True)
    y = x.sin()
    for _ in range(4):
        (y,) = mg.grad(y, [x], create_graph=True)
    assert y.item() == pytest.approx(np.sin(0.8), rel=1e-14)


def test_against_torch():
    torch = pytest.importorskip("torch")
    x = mg.tensor(X, requires_grad=True)
    t = torch.tensor(X, requires_grad=True)
    out = (x.sin() * x.cos() + mg.cos(x * x)).sum()
    t_out = (t.sin() * t.cos() + torch.cos(t * t)).sum()
    out.backward()
    t_out.backward()
    np.testing.assert_allclose(out.item(), t_out.item(), rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-13, atol=1e-14)
