"""mg.grad and create_graph: gradients as graphs, Hessians checked against hand algebra."""
import numpy as np
import pytest

import minigrad as mg


def f64(values, requires_grad=True):
    return mg.tensor(values, dtype=mg.float64, requires_grad=requires_grad)


def cubic_mix(x):
    """f(x) = x0^2 x1 + x1^3 + exp(x0 x2)."""
    return x[0] ** 2 * x[1] + x[1] ** 3 + (x[0] * x[2]).exp()


def cubic_mix_hessian(x0, x1, x2):
    """The Hessian of `cubic_mix`, derived by hand."""
    e = np.exp(x0 * x2)
    return np.array([
        [2 * x1 + x2 * x2 * e, 2 * x0, e + x0 * x2 * e],
        [2 * x0, 6 * x1, 0.0],
        [e + x0 * x2 * e, 0.0, x0 * x0 * e],
    ])


POINT = [0.3, -0.8, 1.1]


def test_grad_returns_a_tuple_and_does_not_touch_dot_grad():
    x, y = f64([1.0, 2.0]), f64(3.0)
    gx, gy = mg.grad((x * y).sum(), [x, y])
    np.testing.assert_allclose(gx.numpy(), [3.0, 3.0])
    assert gy.item() == 3.0
    assert x.grad is None and y.grad is None


def test_grad_of_single_input_and_grad_outputs():
    x = f64([1.0, 2.0])
    (g,) = mg.grad(x * x, x, grad_outputs=mg.tensor([1.0, -1.0], dtype=mg.float64))
    np.testing.assert_allclose(g.numpy(), [2.0, -4.0])


def test_grad_of_several_outputs_sums_their_contributions():
    x = f64(2.0)
    (g,) = mg.grad([x * x, x * 3], [x])
    assert g.item() == 4.0 + 3.0


def test_unused_input_raises_unless_allow_unused():
    x, unused = f64(1.0), f64(5.0)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        mg.grad(x * 2, [x, unused], retain_graph=True)
    gx, gu = mg.grad(x * 2, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_grad_frees_the_graph_unless_retain_graph():
    x = f64(1.0)
    y = x * x
    mg.grad(y, x, retain_graph=True)
    mg.grad(y, x)
    with pytest.raises(mg.GraphFreedError):
        mg.grad(y, x)


def test_grad_without_create_graph_returns_constants():
    x = f64(1.5)
    (g,) = mg.grad(x ** 3, x)
    assert not g.requires_grad


def test_full_hessian_by_differentiating_each_gradient_component():
    x = f64(POINT)
    (g,) = mg.grad(cubic_mix(x), x, create_graph=True)
    assert g.requires_grad
    rows = [mg.grad(g[i], x, retain_graph=True, allow_unused=True)[0] for i in range(3)]
    hessian = np.stack([np.zeros(3) if r is None else r.numpy() for r in rows])
    np.testing.assert_allclose(hessian, cubic_mix_hessian(*POINT), rtol=1e-12)


def test_hessian_vector_product_matches_hand_derived_hessian():
    x = f64(POINT)
    v = np.array([0.5, -2.0, 1.5])
    (g,) = mg.grad(cubic_mix(x), x, create_graph=True)
    (hv,) = mg.grad((g * mg.tensor(v)).sum(), x)
    np.testing.assert_allclose(hv.numpy(), cubic_mix_hessian(*POINT) @ v, rtol=1e-12)


def test_hessian_vector_product_via_grad_outputs():
    x = f64(POINT)
    v = np.array([1.0, 0.25, -0.5])
    (g,) = mg.grad(cubic_mix(x), x, create_graph=True)
    (hv,) = mg.grad(g, x, grad_outputs=mg.tensor(v))
    np.testing.assert_allclose(hv.numpy(), cubic_mix_hessian(*POINT) @ v, rtol=1e-12)


def test_backward_create_graph_then_differentiate_the_grad():
    x = f64([0.5, -1.5])
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([0.25, 2.25]))
    (second,) = mg.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * np.array([0.5, -1.5]))


def test_third_derivative_through_nested_create_graph():
    x = f64(0.4)
    y = (x * 2).tanh()
    (d1,) = mg.grad(y, x, create_graph=True)
    (d2,) = mg.grad(d1, x, create_graph=True)
    (d3,) = mg.grad(d2, x)
    t = np.tanh(0.8)
    s = 1 - t * t  # sech^2(2x)
    assert d1.item() == pytest.approx(2 * s)
    assert d2.item() == pytest.approx(-8 * t * s)
    assert d3.item() == pytest.approx(-16 * s * (s - 2 * t * t))


def test_grad_rejects_inputs_that_do_not_require_grad():
    x = f64(1.0)
    c = f64(2.0, requires_grad=False)
    with pytest.raises(RuntimeError, match="input 1"):
        mg.grad(x * c, [x, c])


def test_grad_with_respect_to_a_non_leaf_leaves_the_graph_below_it_alone():
    # as torch.autograd.grad: only the part of the graph that is run is freed
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=mg.float64)
    h = x * x
    gh, = mg.grad((h * 3.0).sum(), h)
    np.testing.assert_allclose(gh.data, [3.0, 3.0])
    gx, = mg.grad((h * h).sum(), x)  # h = x*x was not run by the first grad
    np.testing.assert_allclose(gx.data, 4 * x.data ** 3)


def test_a_create_graph_gradient_adds_no_cast_when_dtypes_agree():
    """The gradient graph holds the VJPs' own ops only: no dtype conversion is recorded
    between tensors of one dtype (scalars, arrays and broadcasting alike)."""
    from tests.engine.graph_walk import ops_in_graph
    s = f64(0.5)
    v = f64([0.1, 0.2, 0.3])
    loss = ((s * v).tanh() * v + s.sigmoid()).sum()
    gs, gv = mg.grad(loss, [s, v], create_graph=True)
    ops = ops_in_graph(gs, gv)
    assert "cast" not in ops and "mul" in ops
    mixed = mg.grad((v.float() ** 2).sum(), v, create_graph=True)[0]
    assert "cast" in ops_in_graph(mixed)  # float32 -> float64: recorded, as it must be


def test_create_graph_through_t_slices_sums_them_in_one_op():
    """x[t] for t < T under create_graph: one scatter_add_many of the T slice gradients
    (not T full-size scatters added up), and it differentiates again correctly."""
    from tests.engine.graph_walk import ops_in_graph
    T = 6
    x = f64(np.linspace(-1, 1, T * 2).reshape(T, 2))
    (gx,) = mg.grad(_unrolled_sum(x), x, create_graph=True)
    ops = ops_in_graph(gx)
    assert "scatter_add_many" in ops and "scatter_add" not in ops
    assert gx.op == "scatter_add_many" and len(gx.inputs) == T
    (plain,) = mg.grad(_unrolled_sum(x), x)  # without create_graph: slices added in place
    np.testing.assert_allclose(gx.numpy(), plain.numpy(), rtol=1e-12)
    # d(sum gx^2)/dx through the gathered op, against central differences
    (second,) = mg.grad((gx * gx).sum(), x)
    eps, numeric = 1e-6, np.zeros((T, 2))
    for i in np.ndindex(T, 2):
        sums = []
        for sign in (1, -1):
            shifted = x.numpy().copy()
            shifted[i] += sign * eps
            xs = f64(shifted)
            (g,) = mg.grad(_unrolled_sum(xs), xs)
            sums.append((g.numpy() ** 2).sum())
        numeric[i] = (sums[0] - sums[1]) / (2 * eps)
    np.testing.assert_allclose(second.numpy(), numeric, rtol=1e-5, atol=1e-8)


def _unrolled_sum(x):
    """sum(h_T) of h_t = tanh(x[t] + h_{t-1} / 2), h_0 = 0."""
    h = mg.zeros(2, dtype=mg.float64)
    for t in range(x.shape[0]):
        h = (x[t] + 0.5 * h).tanh()
    return h.sum()
