"""Every case of the coverage table through gradcheck and gradgradcheck, in float64."""
import numpy as np
import pytest

import minigrad as mg

from .graph_walk import ops_in_graph
from .primitive_cases import CASES, NON_DIFFERENTIABLE

IDS = [c.id for c in CASES]


def _outputs(result):
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case):
    inputs = case.inputs()
    outputs = _outputs(case.fn(*inputs))
    assert case.prim in ops_in_graph(*outputs), f"{case.id} does not use {case.prim}"
    assert all(o.dtype == np.float64 for o in outputs)
    assert mg.gradcheck(case.fn, inputs)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradgradcheck(case):
    assert mg.gradgradcheck(case.fn, case.inputs())


@pytest.mark.parametrize("name", sorted(NON_DIFFERENTIABLE))
def test_non_differentiable_primitive_values_and_no_graph(name):
    fn, reference = NON_DIFFERENTIABLE[name]
    rng = np.random.default_rng(7)
    # small integers as floats: plenty of exact ties for the comparisons
    x = rng.integers(-2, 3, (3, 4)).astype(np.float64)
    y = rng.integers(-2, 3, (3, 4)).astype(np.float64)
    x[0, 0] = y[0, 0]
    out = fn(mg.tensor(x, requires_grad=True), mg.tensor(y, requires_grad=True))
    expected = reference(x, y)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert out.dtype == expected.dtype
    assert not out.requires_grad and out.is_leaf
    assert name in ops_in_graph(out) or out.op is None  # constants carry no node


def test_comparisons_of_python_numbers_and_broadcasting():
    x = mg.tensor([[1.0, 2.0, 3.0]], dtype=mg.float64)
    np.testing.assert_array_equal((x > 2).numpy(), [[False, False, True]])
    np.testing.assert_array_equal((2 <= x).numpy(), [[False, True, True]])
    col = mg.tensor([[1.0], [3.0]], dtype=mg.float64)
    np.testing.assert_array_equal((x == col).numpy(),
                                  [[True, False, False], [False, False, True]])
