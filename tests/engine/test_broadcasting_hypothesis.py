"""Property tests: binary ops and where over random mutually broadcastable shapes."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minigrad as mg

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
TRIPLES = mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)
SEEDS = st.integers(0, 2 ** 32 - 1)


def operands(shapes, seed, op):
    """Float64 operands of the given shapes, away from zero denominators and ties."""
    rng = np.random.default_rng(seed)
    sx, sy = shapes.input_shapes
    if op in ("maximum", "minimum"):
        x = rng.integers(-2, 2, sx) + 0.25 + rng.uniform(-0.1, 0.1, sx)
        y = rng.integers(-2, 2, sy) + 0.75 + rng.uniform(-0.1, 0.1, sy)
        return x, y
    x = rng.standard_normal(sx)
    y = rng.standard_normal(sy)
    if op == "div":
        y = np.sign(y + 1e-300) * (0.5 + np.abs(y))
    return x, y


MINIGRAD = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y,
            "mul": lambda x, y: x * y, "div": lambda x, y: x / y,
            "maximum": mg.maximum, "minimum": mg.minimum}
NUMPY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
         "maximum": np.maximum, "minimum": np.minimum}


def check_binary(op, shapes, seed):
    x, y = operands(shapes, seed, op)
    tx = mg.tensor(x, requires_grad=True)
    ty = mg.tensor(y, requires_grad=True)
    out = MINIGRAD[op](tx, ty)
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.numpy(), NUMPY[op](x, y), rtol=1e-15, atol=0)
    assert mg.gradcheck(MINIGRAD[op], (tx, ty))
    out.sum().backward()
    assert tx.grad.shape == x.shape and ty.grad.shape == y.shape


@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_add(shapes, seed):
    check_binary("add", shapes, seed)


@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_sub(shapes, seed):
    check_binary("sub", shapes, seed)


@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_mul(shapes, seed):
    check_binary("mul", shapes, seed)


@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_div(shapes, seed):
    check_binary("div", shapes, seed)


@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_maximum(shapes, seed):
    check_binary("maximum", shapes, seed)


@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_minimum(shapes, seed):
    check_binary("minimum", shapes, seed)


@SETTINGS
@given(shapes=TRIPLES, seed=SEEDS)
def test_where(shapes, seed):
    rng = np.random.default_rng(seed)
    sc, sx, sy = shapes.input_shapes
    cond = rng.random(sc) > 0.5
    x, y = rng.standard_normal(sx), rng.standard_normal(sy)
    tx = mg.tensor(x, requires_grad=True)
    ty = mg.tensor(y, requires_grad=True)
    out = mg.where(mg.tensor(cond), tx, ty)
    assert out.shape == shapes.result_shape
    np.testing.assert_array_equal(out.numpy(), np.where(cond, x, y))
    assert mg.gradcheck(lambda a, b: mg.where(mg.tensor(cond), a, b), (tx, ty))
    out.sum().backward()
    # each output element sends its gradient to exactly one of x, y
    assert tx.grad.numpy().sum() + ty.grad.numpy().sum() == np.prod(shapes.result_shape)
