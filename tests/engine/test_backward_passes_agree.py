"""The backward engine's one loop gives the same gradients in every mode.

`loss.backward()` with nobody watching runs it on numpy values with no capture,
observer or check; `mg.grad` (which captures its inputs), anomaly mode and
`create_graph=True` take its other branches. Random programs over a pool of broadcast-compatible tensors
(fan-out, reuse, slices that add into their source in place, reductions, a hook
and a retained gradient on an intermediate) must get equal gradients from all of
them, and equal to central finite differences.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import autograd

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)
# every pair of these broadcasts, to at most (2, 3)
LEAF_SHAPES = [(), (3,), (1, 3), (2, 3), (2, 1)]
BINARY = ["add", "sub", "mul", "div"]
UNARY = ["tanh", "sigmoid", "exp_tanh", "relu", "first_row", "last_column", "row_sums"]


def _binary(name, x, y):
    if name == "add":
        return x + y
    if name == "sub":
        return x - y
    if name == "mul":
        return x * y
    return x / (y * y + 1.0)  # a denominator kept away from zero


def _unary(name, x):
    if name == "tanh":
        return x.tanh()
    if name == "sigmoid":
        return x.sigmoid()
    if name == "exp_tanh":
        return x.tanh().exp()
    if name == "relu":
        return (x + 0.05).relu()  # kinks away from the sample points, mostly
    if name == "first_row":   # a slice: added into its source in place
        return x[0] if x.ndim >= 1 else x
    if name == "last_column":
        return x[..., -1:] if x.ndim >= 1 else x
    return x.sum(axis=-1, keepdims=True) if x.ndim >= 1 else x  # row_sums


STEP = st.tuples(st.sampled_from(BINARY + UNARY), st.integers(0, 10 ** 6),
                 st.integers(0, 10 ** 6))
PROGRAMS = st.lists(STEP, min_size=1, max_size=12)


def run(program, leaves, hook_at, retain_at):
    """The program's scalar loss over `leaves`; the intermediate at `hook_at` gets a
    hook doubling its gradient, the one at `retain_at` retains its gradient."""
    pool = list(leaves)
    made = []
    for name, i, j in program:
        x = pool[i % len(pool)]
        if name in BINARY:
            out = _binary(name, x, pool[j % len(pool)])
        else:
            out = _unary(name, x)
        if out is x:
            continue
        if len(made) == hook_at:
            out.register_hook(lambda g: g * 2.0)
        if len(made) == retain_at:
            out.retain_grad()
        made.append(out)
        pool.append(out)
    weights = np.linspace(0.5, 1.5, len(pool))
    loss = sum(p.sum() * float(w) for p, w in zip(pool, weights))
    return loss, made


def make_leaves(seed):
    rng = np.random.default_rng(seed)
    return [mg.tensor(rng.uniform(-1.0, 1.0, shape), requires_grad=True, dtype=mg.float64)
            for shape in LEAF_SHAPES]


@SETTINGS
@given(program=PROGRAMS, seed=st.integers(0, 2 ** 31), hook_at=st.integers(0, 12),
       retain_at=st.integers(0, 12))
def test_plain_backward_matches_capture_anomaly_and_create_graph(program, seed, hook_at, retain_at):
    leaves = make_leaves(seed)
    loss, made = run(program, leaves, hook_at, retain_at)
    loss.backward()
    numeric = [leaf.grad.numpy().copy() for leaf in leaves]
    retained = made[retain_at].grad.numpy().copy() if retain_at < len(made) else None

    leaves = make_leaves(seed)
    loss, _ = run(program, leaves, hook_at, retain_at)
    captured = mg.grad(loss, leaves, retain_graph=True)
    with mg.detect_anomaly():
        watched = mg.grad(loss, leaves, retain_graph=True)
    as_graph = mg.grad(loss, leaves, create_graph=True)
    for k, leaf in enumerate(leaves):
        for other in (captured, watched, as_graph):
            np.testing.assert_allclose(other[k].numpy(), numeric[k], rtol=1e-12, atol=1e-14)
            assert other[k].shape == leaf.shape and other[k].dtype == leaf.dtype

    leaves = make_leaves(seed)
    loss, made = run(program, leaves, hook_at, retain_at)
    loss.backward(create_graph=True)
    for k, leaf in enumerate(leaves):
        np.testing.assert_allclose(leaf.grad.numpy(), numeric[k], rtol=1e-12, atol=1e-14)
    if retained is not None:
        np.testing.assert_allclose(made[retain_at].grad.numpy(), retained, rtol=1e-12,
                                   atol=1e-14)


@SETTINGS
@given(program=PROGRAMS, seed=st.integers(0, 2 ** 31))
def test_plain_backward_matches_finite_differences(program, seed):
    if any(name == "relu" for name, _, _ in program):
        program = [step for step in program if step[0] != "relu"]  # no kinks here
    if not program:
        return

    def loss_of(*leaves):
        return run(program, leaves, hook_at=-1, retain_at=-1)[0]

    leaves = make_leaves(seed)
    loss_of(*leaves).backward()
    for k, leaf in enumerate(leaves):
        expected = np.zeros(leaf.shape)
        base = leaf.numpy().copy()
        for index in np.ndindex(leaf.shape):
            values = []
            for step in (1e-6, -1e-6):
                shifted = base.copy()
                shifted[index] += step
                others = [mg.tensor(l.numpy(), dtype=mg.float64) for l in leaves]
                others[k] = mg.tensor(shifted, dtype=mg.float64)
                values.append(loss_of(*others).item())
            expected[index] = (values[0] - values[1]) / 2e-6
        np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_a_second_numeric_backward_through_a_freed_graph_is_an_error():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_a_hook_that_raises_leaves_every_grad_untouched():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    y.register_hook(lambda g: (_ for _ in ()).throw(ValueError("hook failed")))
    x.grad = mg.tensor([5.0, 5.0])
    with pytest.raises(ValueError, match="hook failed"):
        (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_backward_is_one_loop_with_no_separate_numeric_pass():
    # issue 13, section 4: run_backward and _numeric_pass were two copies of one walk
    assert not hasattr(autograd, "_numeric_pass")
    assert [name for name in vars(autograd) if name.endswith("_pass")] == []
