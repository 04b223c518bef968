"""Backward semantics: repeated inputs, fan-out, accumulation, retain_grad, freeing."""
import numpy as np
import pytest

import minigrad as mg


def f64(values, requires_grad=True):
    return mg.tensor(values, dtype=mg.float64, requires_grad=requires_grad)


def test_same_tensor_as_both_operands_of_mul():
    x = f64([1.5, -2.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -4.0])


def test_same_tensor_as_both_operands_of_add():
    a = f64(3.0)
    (a + a).backward()
    assert a.grad.item() == 2.0


def test_fan_out_accumulates_from_every_use():
    # b = 2a, c = b*b = 4a^2, dc/da = 8a
    a = f64(1.25)
    b = a + a
    c = b * b
    c.backward()
    assert a.grad.item() == pytest.approx(8 * 1.25)


def test_diamond_graph_with_different_branches():
    # x feeds two branches that meet again: y = exp(x) * x^2, dy/dx = exp(x) (x^2 + 2x)
    x = f64(0.7)
    y = x.exp() * (x * x)
    y.backward()
    assert x.grad.item() == pytest.approx(np.exp(0.7) * (0.49 + 1.4))


def test_leaf_grad_accumulates_across_two_backward_calls():
    x = f64([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2.0, 3 + 4.0])


def test_grad_is_not_aliased_between_leaves_or_calls():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
    (a + b).sum().backward()   # add's VJP hands the same gradient to both inputs
    first = a.grad
    (a * 2).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(first.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 3.0])


def test_broadcast_operand_gets_gradient_of_its_own_shape():
    bias = f64([[1.0], [2.0]])                  # (2, 1)
    row = f64([1.0, 2.0, 3.0])                  # (3,)
    (bias * row).sum().backward()
    assert bias.grad.shape == (2, 1) and row.grad.shape == (3,)
    np.testing.assert_allclose(bias.grad.numpy(), [[6.0], [6.0]])
    np.testing.assert_allclose(row.grad.numpy(), [3.0, 3.0, 3.0])


def test_retain_grad_on_a_non_leaf():
    x = f64([1.0, -1.0])
    h = x * 3
    h.retain_grad()
    other = x * 2
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, -6.0])
    with pytest.warns(UserWarning, match=r"retain_grad\(\)"):
        assert other.grad is None       # non-leaves keep no grad unless asked (warns)
    assert not h.is_leaf and x.is_leaf


def test_float32_leaf_gets_float32_grad_through_a_float64_cast():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert x.dtype == np.float32
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_second_backward_through_a_freed_graph_raises():
    x = f64(2.0)
    y = x * x
    y.backward()
    with pytest.raises(mg.GraphFreedError, match="retain_graph=True"):
        y.backward()


def test_a_backward_that_fails_on_a_freed_graph_leaves_every_grad_untouched():
    x = f64(2.0)
    y = x * x
    y.backward()
    w = f64(3.0)  # made after y: the engine visits it before it reaches y
    w.grad = mg.tensor(1.0, dtype=mg.float64)
    with pytest.raises(mg.GraphFreedError):
        (y * w).backward()
    assert w.grad.item() == 1.0
    assert x.grad.item() == pytest.approx(4.0)


def test_retain_graph_allows_a_second_backward_and_accumulates():
    x = f64(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(8.0)


def test_backward_on_non_scalar_needs_gradient():
    x = f64([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        y.backward()
    y.backward(gradient=mg.tensor([1.0, 10.0], dtype=mg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_backward_gradient_of_wrong_shape_is_rejected():
    y = f64([1.0, 2.0]) * 2
    with pytest.raises(ValueError, match=r"\(3,\)"):
        y.backward(gradient=np.ones(3))


def test_backward_on_tensor_without_graph_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        f64([1.0], requires_grad=False).sum().backward()


def test_backward_inputs_restricts_which_leaves_accumulate():
    a, b = f64(2.0), f64(3.0)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 3.0 and b.grad is None


def test_constants_in_the_graph_get_no_grad():
    x = f64([1.0, 2.0])
    c = f64([5.0, 6.0], requires_grad=False)
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 6.0])


def test_detach_cuts_the_graph():
    x = f64(3.0)
    y = x * x.detach()           # only the first factor is differentiated
    y.backward()
    assert x.grad.item() == 3.0


def _op_arrays(output):
    """Weak references to the arrays of every op node behind `output` (not its own)."""
    import weakref
    from minigrad.structure import graph_inputs
    refs, seen, stack = [], {id(output)}, [output]
    while stack:
        for child in graph_inputs(stack.pop()):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
                if child._prim is not None and isinstance(child.data, np.ndarray):
                    refs.append(weakref.ref(child.data))
    return refs


@pytest.mark.parametrize("retain_graph", [False, True])
def test_backward_frees_the_saved_arrays_and_keeps_only_the_structure(retain_graph):
    """After a plain backward no array of the graph's ops stays alive (PyTorch frees its
    saved tensors), though the structure does (structure.py); with retain_graph every
    one does."""
    import gc

    import models
    mg.manual_seed(0)
    loss = models.LSTM(3, 5)(mg.randn(6, 2, 3))[0].sum()
    refs = _op_arrays(loss)
    assert len(refs) > 50
    loss.backward(retain_graph=retain_graph)
    gc.collect()
    alive = sum(ref() is not None for ref in refs)
    assert alive == (len(refs) if retain_graph else 0)
    assert len(_op_arrays(loss)) == (len(refs) if retain_graph else 0)


def test_the_structure_of_a_freed_graph_keeps_ops_scopes_roles_and_shapes():
    from minigrad.structure import Skeleton, graph_inputs
    x = f64([1.0, 2.0])
    w = f64(0.5)
    with mg.name_scope("t0"):
        h = mg.mark((x * w).tanh(), "state", "h")
    loss = (h * h).sum()
    loss.backward()
    (square,) = graph_inputs(loss)
    first, second = graph_inputs(square)
    assert isinstance(first, Skeleton) and first is second   # one skeleton per tensor
    assert (first.op, first.scope, first.role, first.shape, first.dtype) == \
        ("tanh", ("t0",), ("state", "h"), (2,), np.float64)
    (product,) = graph_inputs(first)
    assert product.op == "mul" and product.data is None
    assert [i.op for i in graph_inputs(product)] == [None, None]
    assert graph_inputs(product)[1] is w    # a parameter is kept as itself


@pytest.fixture
def counted_mul():
    """A throwaway primitive x * y whose VJP records its `wanted` and counts each input's
    gradient it computes; removed from the registry afterwards."""
    name = "engine_tests_counted_mul"
    record = {"wanted": [], "computed": [0, 0]}
    prim = mg.primitive(name)(lambda x, y: x * y)

    @prim.defvjp
    def counted_mul_vjp(g, out, wanted, x, y):
        record["wanted"].append(wanted)
        grads = []
        for k, (w, other) in enumerate(zip(wanted, (y, x))):
            if w:
                record["computed"][k] += 1
            grads.append(g * other if w else None)
        return tuple(grads)

    try:
        yield prim, record
    finally:
        del mg.PRIMITIVES[name]


def test_a_vjp_is_told_which_inputs_need_a_gradient_and_computes_only_those(counted_mul):
    prim, record = counted_mul
    x, y = f64([1.0, 2.0]), f64([3.0, 5.0], requires_grad=False)
    prim(x, y).sum().backward()
    assert record["wanted"] == [(True, False)] and record["computed"] == [1, 0]
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 5.0])


def test_grad_of_one_input_leaves_the_other_unwanted_though_it_requires_grad(counted_mul):
    prim, record = counted_mul
    x, y = f64([1.0, 2.0]), f64([3.0, 5.0])
    (gy,) = mg.grad(prim(x, y).sum(), [y])
    assert record["wanted"] == [(False, True)] and record["computed"] == [0, 1]
    np.testing.assert_array_equal(gy.numpy(), [1.0, 2.0])
    assert x.grad is None and y.grad is None


def test_under_create_graph_a_vjp_is_told_the_same(counted_mul):
    prim, record = counted_mul
    x, y = f64([1.0, 2.0]), f64([3.0, 5.0], requires_grad=False)
    (gx,) = mg.grad(prim(x, y).sum(), [x], create_graph=True)
    assert record["wanted"] == [(True, False)] and record["computed"] == [1, 0]
    np.testing.assert_array_equal(gx.numpy(), [3.0, 5.0])
