"""softmax, log_softmax, logsumexp and sigmoid stay finite and right at |x| = 1e4; ops
whose results are inf or NaN give them without numpy's warnings, as in PyTorch."""
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parents[2]

BIG = np.array([[1e4, 1e4 - 1.0, -1e4, 0.5],
                [-1e4, -1e4 + 2.0, -1e4 - 3.0, -1e4]])


def reference_softmax(x):
    """softmax_i = 1 / sum_j exp(x_j - x_i): overflow only ever gives an exact 0."""
    with np.errstate(over="ignore"):
        return 1.0 / np.exp(x[..., None, :] - x[..., :, None]).sum(-1)


def reference_logsumexp(x):
    """max + log1p(sum of exp(x_j - max) over the other entries)."""
    k = np.argmax(x, axis=-1)
    top = np.take_along_axis(x, k[..., None], -1)
    others = np.exp(x - top)
    np.put_along_axis(others, k[..., None], 0.0, -1)
    return top[..., 0] + np.log1p(others.sum(-1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_large_inputs(dtype):
    x = mg.tensor(BIG.astype(dtype), requires_grad=True)
    y = x.softmax(-1)
    assert np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(y.numpy(), reference_softmax(BIG), rtol=1e-5, atol=1e-30)
    (y * mg.tensor(np.arange(4.0).astype(dtype))).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_of_large_inputs(dtype):
    x = mg.tensor(BIG.astype(dtype), requires_grad=True)
    y = x.log_softmax(-1)
    expected = BIG - reference_logsumexp(BIG)[:, None]
    assert np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    y.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    # d(sum log_softmax)/dx = 1 - n * softmax
    np.testing.assert_allclose(x.grad.numpy(), 1 - 4 * reference_softmax(BIG), atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_of_large_inputs(dtype):
    x = mg.tensor(BIG.astype(dtype), requires_grad=True)
    y = x.logsumexp(-1)
    np.testing.assert_allclose(y.numpy(), reference_logsumexp(BIG), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), reference_softmax(BIG), rtol=1e-5, atol=1e-30)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    x = mg.tensor([-np.inf, -np.inf], dtype=mg.float64)
    assert x.logsumexp(-1).item() == -np.inf


inf, nan = np.inf, np.nan

# (row, logsumexp(row), d logsumexp / d row) as torch.logsumexp gives them: the gradient
# is exp(x - logsumexp(x)), so an inf entry of a row whose result is inf gets
# exp(inf - inf) = NaN and every finite or -inf entry exp(-inf) = 0
LOGSUMEXP_EDGES = [
    ([inf, 1.0], inf, [nan, 0.0]),
    ([inf, 1e4], inf, [nan, 0.0]),
    ([inf, -inf], inf, [nan, 0.0]),
    ([inf, inf], inf, [nan, nan]),
    ([-inf, 1.0], 1.0, [0.0, 1.0]),
    ([-inf, -inf], -inf, [nan, nan]),   # exp(-inf - -inf)
    ([nan, 1.0], nan, [nan, nan]),
    ([inf, nan], nan, [nan, nan]),
]


def logsumexp_and_gradient(rows, dtype, create_graph):
    """Forward and d(sum of logsumexp)/dx of a batch of rows, with every warning an
    error: numpy's RuntimeWarnings (which name minigrad's or numpy's own files, like
    fromnumeric.py) must not reach the user."""
    x = mg.tensor(np.array(rows, dtype=dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.logsumexp(-1)
        (g,) = mg.grad(y.sum(), x, create_graph=create_graph)
    return y.numpy(), g.numpy()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_of_rows_holding_inf_or_nan_matches_pytorch_silently(dtype, create_graph):
    rows = [row for row, _, _ in LOGSUMEXP_EDGES] + [[1.0, 2.0]]  # a finite row beside them
    values, grads = logsumexp_and_gradient(rows, dtype, create_graph)
    np.testing.assert_array_equal(values[:-1], [value for _, value, _ in LOGSUMEXP_EDGES])
    np.testing.assert_array_equal(grads[:-1], [grad for _, _, grad in LOGSUMEXP_EDGES])
    np.testing.assert_allclose(values[-1], np.log(np.exp(1.0) + np.exp(2.0)), rtol=1e-6)
    np.testing.assert_allclose(grads[-1], reference_softmax(np.array([1.0, 2.0])), rtol=1e-6)


def test_logsumexp_of_rows_holding_inf_or_nan_against_torch():
    torch = pytest.importorskip("torch")
    rows = [row for row, _, _ in LOGSUMEXP_EDGES]
    for dtype, torch_dtype in ((np.float32, torch.float32), (np.float64, torch.float64)):
        t = torch.tensor(rows, dtype=torch_dtype, requires_grad=True)
        torch.logsumexp(t, -1).sum().backward()
        values, grads = logsumexp_and_gradient(rows, dtype, create_graph=False)
        np.testing.assert_array_equal(values, torch.logsumexp(t, -1).detach().numpy())
        np.testing.assert_array_equal(grads, t.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_at_plus_and_minus_1e4(dtype):
    x = mg.tensor(np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=dtype), requires_grad=True)
    with np.errstate(invalid="raise"):
        y = x.sigmoid()
        y.sum().backward()
    values = y.numpy()
    assert np.isfinite(values).all() and np.isfinite(x.grad.numpy()).all()
    assert values[0] == 0.0 and values[-1] == 1.0 and values[2] == 0.5
    np.testing.assert_allclose(values[1], np.exp(-50.0) / (1 + np.exp(-50.0)), rtol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), values * (1 - values), rtol=1e-5)


def test_softplus_of_large_inputs():
    x = mg.tensor([-1e4, 1e4], dtype=mg.float64, requires_grad=True)
    y = x.softplus()
    np.testing.assert_allclose(y.numpy(), [0.0, 1e4])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0])


def test_power_gradients_at_a_zero_base_are_finite_as_in_pytorch():
    # d(x**0)/dx = 0 everywhere; d(x**y)/dy = x**y log x -> 0 at x = 0 (for y > 0)
    x = mg.tensor([0.0, 2.0], requires_grad=True, dtype=mg.float64)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    x = mg.tensor([0.0, 2.0], requires_grad=True, dtype=mg.float64)
    y = mg.tensor([2.0, 3.0], requires_grad=True, dtype=mg.float64)
    (x ** y).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 3.0 * 4.0])
    np.testing.assert_allclose(y.grad.data, [0.0, 8.0 * np.log(2.0)])
    base = mg.tensor([0.0, 0.0], requires_grad=True, dtype=mg.float64)
    g, = mg.grad((base ** 0).sum(), base, create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 0.0])


def test_inf_and_nan_from_ops_come_without_numpy_warnings_but_the_users_own_keep_theirs():
    """As in PyTorch: log(0), sqrt(-1), 1/0 and exp overflow give inf/NaN silently, in
    forward and backward, even under `-W error::RuntimeWarning`; a numpy warning of the
    user's own code still reaches them (here: raises)."""
    program = textwrap.dedent("""
        import numpy as np
        import minigrad as mg
        x = mg.tensor([0.0, -1.0], requires_grad=True, dtype=mg.float64)
        y = x.log() + x.sqrt() + mg.tensor([1.0]) / mg.tensor([0.0]) + (x * 1000).exp()
        y.sum().backward()
        assert not np.isfinite(y.numpy()).any() and not np.isfinite(x.grad.numpy()).all()
        try:
            np.log(np.zeros(1))
        except RuntimeWarning:
            print("user's warning kept")
    """)
    done = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", program],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "user's warning kept"
