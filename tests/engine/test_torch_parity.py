"""Parity of minigrad's user-facing tensor API with PyTorch (the intended default).

Every comparison runs the same float64 data through both frameworks and checks the
forward value, its dtype and shape, and the gradient of a random-weighted sum of the
output(s) with respect to every floating input. Known differences are marked
`xfail(strict=True)` with the difference spelled out in the reason.
"""
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as MF  # noqa: E402

TF = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12

SHAPES = [(), (3,), (2, 3), (4, 2, 3)]
PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((4, 2, 3), (4, 2, 3)),
         ((), (3,)), ((2, 3), ()), ((3,), (2, 3)), ((2, 1), (1, 3)),
         ((4, 1, 3), (2, 1)), ((4, 2, 3), (3,))]


# ---------------------------------------------------------------- harness
def rng_for(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def randn(rng, shape):
    return np.asarray(rng.standard_normal(shape), dtype=np.float64)


def positive(rng, shape):
    return np.abs(randn(rng, shape)) + 0.5


def away_from_zero(rng, shape):
    a = randn(rng, shape)
    return np.where(a >= 0, a + 0.5, a - 0.5)


def _np_dtype(t):
    return t.detach().numpy().dtype


def _pairs(m, t):
    if isinstance(t, (tuple, list)):
        assert isinstance(m, (tuple, list)), f"minigrad returned {type(m)}, torch a sequence"
        assert len(m) == len(t), f"minigrad gave {len(m)} outputs, torch {len(t)}"
        return list(zip(m, t))
    return [(m, t)]


def assert_same(m, t, rtol=RTOL, atol=ATOL):
    """Value, dtype and shape of one minigrad output against one torch output."""
    assert isinstance(m, mg.Tensor), f"minigrad returned {type(m).__name__}, not a Tensor"
    expected = t.detach().numpy()
    assert tuple(m.shape) == tuple(expected.shape), f"shape {m.shape} != torch {expected.shape}"
    assert m.dtype == expected.dtype, f"dtype {m.dtype} != torch {expected.dtype}"
    if expected.dtype.kind in "fc":
        if expected.dtype == np.float32:
            # a float32 result (integer inputs promoted): two correct float32 answers may
            # differ in the last bit (minigrad rounds a float64 result, torch computes in
            # float32), so compare to a few float32 ulps
            rtol, atol = max(rtol, 4 * float(np.finfo(np.float32).eps)), max(atol, 1e-30)
        np.testing.assert_allclose(np.asarray(m.data), expected, rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(np.asarray(m.data), expected)


def check(mg_fn, torch_fn, *inputs, grad=True, seed=0, rtol=RTOL, atol=ATOL):
    """Run mg_fn / torch_fn on the same inputs; compare outputs and input gradients.

    Floating numpy arrays become leaf tensors (requiring grad when `grad`); integer or
    bool arrays become plain tensors; anything else (Python numbers, ...) is passed as is.
    """
    def convert(framework):
        out = []
        for a in inputs:
            if isinstance(a, np.generic):  # 0-d results of numpy arithmetic on test data
                a = np.asarray(a)
            if isinstance(a, np.ndarray):
                floating = a.dtype.kind == "f"
                if framework == "mg":
                    out.append(mg.tensor(a, requires_grad=grad and floating))
                else:
                    out.append(torch.tensor(a, requires_grad=grad and floating))
            else:
                out.append(a)
        return out

    m_in, t_in = convert("mg"), convert("torch")
    m_out, t_out = mg_fn(*m_in), torch_fn(*t_in)
    pairs = _pairs(m_out, t_out)
    for m, t in pairs:
        assert_same(m, t, rtol, atol)
    if not grad:
        return m_out, t_out
    rng = rng_for("weights", seed)
    m_loss, t_loss = None, None
    for m, t in pairs:
        if not (t.requires_grad and t.dtype.is_floating_point):
            continue
        w = randn(rng, tuple(t.shape))
        mt = (m * mg.tensor(w)).sum()
        tt = (t * torch.tensor(w)).sum()
        m_loss = mt if m_loss is None else m_loss + mt
        t_loss = tt if t_loss is None else t_loss + tt
    if t_loss is None:
        return m_out, t_out
    m_loss.backward()
    t_loss.backward()
    for i, (mi, ti) in enumerate(zip(m_in, t_in)):
        if not isinstance(ti, torch.Tensor) or not ti.requires_grad:
            continue
        tg = ti.grad.numpy() if ti.grad is not None else np.zeros(ti.shape)
        assert mi.grad is not None or not tg.any(), f"input {i}: minigrad gave no gradient"
        mgrad = np.zeros(ti.shape) if mi.grad is None else np.asarray(mi.grad.data)
        assert mgrad.shape == tg.shape, f"input {i}: grad shape {mgrad.shape} != {tg.shape}"
        assert mgrad.dtype == tg.dtype, f"input {i}: grad dtype {mgrad.dtype} != {tg.dtype}"
        np.testing.assert_allclose(mgrad, tg, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")
    return m_out, t_out


def ids(value):
    return repr(value).replace(" ", "")


# ------------------------------------------------------------ arithmetic
BINARY = {
    "add": (lambda a, b: a + b, randn),
    "sub": (lambda a, b: a - b, randn),
    "mul": (lambda a, b: a * b, randn),
    "div": (lambda a, b: a / b, away_from_zero),
    "pow": (lambda a, b: a ** b, randn),
    "add_method": (lambda a, b: a.add(b), randn),
    "sub_method": (lambda a, b: a.sub(b), randn),
    "mul_method": (lambda a, b: a.mul(b), randn),
    "div_method": (lambda a, b: a.div(b), away_from_zero),
    "pow_method": (lambda a, b: a.pow(b), randn),
}


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("shapes", PAIRS, ids=ids)
def test_binary_tensor_tensor(op, shapes):
    fn, make_b = BINARY[op]
    rng = rng_for(op, shapes)
    a = positive(rng, shapes[0]) if op.startswith("pow") else randn(rng, shapes[0])
    b = make_b(rng, shapes[1])
    check(fn, fn, a, b)


SCALAR_OPS = {
    "x+s": lambda x, s: x + s, "s+x": lambda x, s: s + x,
    "x-s": lambda x, s: x - s, "s-x": lambda x, s: s - x,
    "x*s": lambda x, s: x * s, "s*x": lambda x, s: s * x,
    "x/s": lambda x, s: x / s, "s/x": lambda x, s: s / x,
}


@pytest.mark.parametrize("op", list(SCALAR_OPS))
@pytest.mark.parametrize("scalar", [2.5, -1.5, 3, -2, 0.0])
@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_binary_tensor_python_number(op, scalar, shape):
    if op == "x/s" and scalar == 0:
        pytest.skip("division by a zero Python number")
    x = away_from_zero(rng_for(op, scalar, shape), shape)
    fn = SCALAR_OPS[op]
    check(lambda t: fn(t, scalar), lambda t: fn(t, scalar), x)


@pytest.mark.parametrize("exponent", [2, 3, 1, 0, -1, -2, 0.5, 2.5, -1.5, 2.0])
@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_pow_python_exponent(exponent, shape):
    x = positive(rng_for("pow", exponent, shape), shape)
    check(lambda t: t ** exponent, lambda t: t ** exponent, x)
    check(lambda t: t.pow(exponent), lambda t: t.pow(exponent), x)


@pytest.mark.parametrize("exponent", [2, 3, 0, -1, 2.0])
def test_pow_python_exponent_negative_base(exponent):
    x = np.array([-2.0, -0.5, 1.5, -3.0])
    check(lambda t: t ** exponent, lambda t: t ** exponent, x)


@pytest.mark.parametrize("base", [2.5, 2, 0.5, 1])
@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_rpow_python_base(base, shape):
    x = randn(rng_for("rpow", base, shape), shape)
    check(lambda t: base ** t, lambda t: base ** t, x)


def test_pow_at_zero_matches_torch_subgradients():
    x = np.array([0.0, 0.0, 0.0, 2.0, 0.0])
    y = np.array([0.0, 2.0, 1.0, 0.0, 0.5])
    check(lambda a, b: a ** b, lambda a, b: a ** b, x, y)
    for e in (0, 1, 2, 0.5, 3):
        check(lambda a: a ** e, lambda a: a ** e, x)
    check(lambda a: 0.0 ** a, lambda a: 0.0 ** a, np.array([0.0, 1.0, 2.0]))


@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_neg_and_pos(shape):
    x = randn(rng_for("neg", shape), shape)
    check(lambda t: -t, lambda t: -t, x)
    check(lambda t: t.neg(), lambda t: t.neg(), x)
    check(lambda t: +t, lambda t: +t, x)


# ---------------------------------------------------------------- matmul
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((4, 2, 3), (3, 5)), ((4, 2, 3), (4, 3, 5)), ((4, 2, 3), (3,)),
                 ((3,), (4, 3, 5)), ((1, 2, 3), (4, 3, 5)), ((2, 1, 2, 3), (4, 3, 2)),
                 ((2, 3), (4, 3, 5))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=ids)
def test_matmul(shapes):
    rng = rng_for("matmul", shapes)
    a, b = randn(rng, shapes[0]), randn(rng, shapes[1])
    check(lambda x, y: x @ y, lambda x, y: x @ y, a, b)
    check(lambda x, y: x.matmul(y), lambda x, y: x.matmul(y), a, b)
    check(lambda x, y: mg.matmul(x, y), lambda x, y: torch.matmul(x, y), a, b)


# ----------------------------------------------------------------- unary
UNARY = {
    "exp": (lambda t: t.exp(), lambda t: t.exp(), randn),
    "log": (lambda t: t.log(), lambda t: t.log(), positive),
    "sqrt": (lambda t: t.sqrt(), lambda t: t.sqrt(), positive),
    "abs": (lambda t: t.abs(), lambda t: t.abs(), randn),
    "abs_builtin": (abs, abs, randn),
    "tanh": (lambda t: t.tanh(), lambda t: t.tanh(), randn),
    "sigmoid": (lambda t: t.sigmoid(), lambda t: t.sigmoid(), randn),
    "relu": (lambda t: t.relu(), lambda t: t.relu(), randn),
    "leaky_relu": (lambda t: t.leaky_relu(), lambda t: TF.leaky_relu(t), randn),
    "leaky_relu_0.2": (lambda t: t.leaky_relu(0.2), lambda t: TF.leaky_relu(t, 0.2), randn),
    "leaky_relu_kw": (lambda t: mg.leaky_relu(t, negative_slope=0.3),
                      lambda t: TF.leaky_relu(t, negative_slope=0.3), randn),
    "softplus": (lambda t: t.softplus(), lambda t: TF.softplus(t), randn),
    "mg.softplus": (lambda t: mg.softplus(t), lambda t: TF.softplus(t), randn),
    "mg.exp": (lambda t: mg.exp(t), torch.exp, randn),
    "mg.log": (lambda t: mg.log(t), torch.log, positive),
    "mg.sqrt": (lambda t: mg.sqrt(t), torch.sqrt, positive),
    "mg.abs": (lambda t: mg.abs(t), torch.abs, randn),
    "mg.tanh": (lambda t: mg.tanh(t), torch.tanh, randn),
    "mg.sigmoid": (lambda t: mg.sigmoid(t), torch.sigmoid, randn),
    "mg.relu": (lambda t: mg.relu(t), torch.relu, randn),
    "F.relu": (MF.relu, TF.relu, randn),
    "F.tanh": (MF.tanh, torch.tanh, randn),
    "F.sigmoid": (MF.sigmoid, torch.sigmoid, randn),
    "clamp_both": (lambda t: t.clamp(-0.5, 0.7), lambda t: t.clamp(-0.5, 0.7), randn),
    "clamp_min": (lambda t: t.clamp(min=-0.2), lambda t: t.clamp(min=-0.2), randn),
    "clamp_max": (lambda t: t.clamp(max=0.3), lambda t: t.clamp(max=0.3), randn),
    "clip": (lambda t: t.clip(-0.5, 0.7), lambda t: t.clip(-0.5, 0.7), randn),
    "mg.clamp": (lambda t: mg.clamp(t, min=-0.5, max=0.7),
                 lambda t: torch.clamp(t, min=-0.5, max=0.7), randn),
    "mg.clip": (lambda t: mg.clip(t, -0.5, 0.7), lambda t: torch.clip(t, -0.5, 0.7), randn),
    "clamp_min_gt_max": (lambda t: t.clamp(0.5, -0.5), lambda t: t.clamp(0.5, -0.5), randn),
}


@pytest.mark.parametrize("op", list(UNARY))
@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_unary(op, shape):
    mg_fn, torch_fn, make = UNARY[op]
    check(mg_fn, torch_fn, make(rng_for(op, shape), shape))


@pytest.mark.parametrize("op", ["abs", "relu", "leaky_relu", "leaky_relu_0.2", "softplus",
                                "sigmoid", "tanh", "exp"])
def test_unary_at_zero_and_extremes(op):
    mg_fn, torch_fn, _ = UNARY[op]
    x = np.array([0.0, -0.0, 1e-300, -1e-300, 30.0, -30.0, 700.0, -700.0])
    if op == "exp":
        x = x[:-2]
    check(mg_fn, torch_fn, x)
    check(mg_fn, torch_fn, np.array(0.0))


@pytest.mark.parametrize("op", ["clamp_both", "clip", "clamp_min", "clamp_max"])
def test_clamp_gradient_at_the_bounds(op):
    mg_fn, torch_fn, _ = UNARY[op]
    check(mg_fn, torch_fn, np.array([-0.5, 0.7, -0.2, 0.3, 0.0, -1.0, 1.0]))


def test_sqrt_at_zero():
    check(lambda t: t.sqrt(), lambda t: t.sqrt(), np.array([0.0, 1.0]))


SOFTPLUS_KW = [{}, {"beta": 2.0}, {"beta": 0.5, "threshold": 5.0}, {"threshold": 1.0},
               {"beta": 3, "threshold": 2}]


@pytest.mark.parametrize("kw", SOFTPLUS_KW, ids=ids)
def test_functional_softplus_beta_threshold(kw):
    x = np.array([-30.0, -3.0, -0.2, 0.0, 0.4, 0.9, 1.2, 2.5, 6.0, 19.0, 21.0, 30.0, 700.0])
    check(lambda t: MF.softplus(t, **kw), lambda t: TF.softplus(t, **kw), x)
    check(lambda t: t.softplus(**kw) if kw else MF.softplus(t), lambda t: TF.softplus(t, **kw), x)
    for shape in SHAPES:
        check(lambda t: MF.softplus(t, **kw), lambda t: TF.softplus(t, **kw),
              randn(rng_for("softplus", shape, kw), shape) * 3)


@pytest.mark.parametrize("slope", [None, 0.2, 0.0, -0.5, 1.5])
@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_functional_leaky_relu(slope, shape):
    x = randn(rng_for("F.leaky_relu", slope, shape), shape)
    if slope is None:
        check(MF.leaky_relu, TF.leaky_relu, x)
        check(MF.leaky_relu, TF.leaky_relu, np.array([0.0, -1.0, 2.0]))
    else:
        check(lambda t: MF.leaky_relu(t, slope), lambda t: TF.leaky_relu(t, slope), x)
        check(lambda t: MF.leaky_relu(t, negative_slope=slope),
              lambda t: TF.leaky_relu(t, negative_slope=slope), x)


CLAMP_TENSOR_SHAPES = [((6,), (6,), (6,)), ((2, 3), (3,), (2, 1)), ((3, 1), (4,), (2, 1, 1)),
                       ((), (3,), ()), ((2, 3), (), (2, 3))]


@pytest.mark.parametrize("bounds", ["both", "min", "max"])
@pytest.mark.parametrize("shapes", CLAMP_TENSOR_SHAPES, ids=ids)
def test_clamp_with_tensor_bounds(bounds, shapes):
    rng = rng_for("clamp tensor", bounds, shapes)
    x, low, high = (randn(rng, s) for s in shapes)
    kw = {"both": lambda lo, hi: {"min": lo, "max": hi}, "min": lambda lo, hi: {"min": lo},
          "max": lambda lo, hi: {"max": hi}}[bounds]
    # torch's backward fails ("output with shape [] doesn't match the broadcast shape")
    # when both bounds broadcast x to a bigger shape: the reference expands x first
    out_shape = np.broadcast_shapes(shapes[0], *[s for s, k in zip(shapes[1:], ("min", "max"))
                                                 if bounds in (k, "both")])

    def ref(t, lo, hi):
        return torch.clamp(t.expand(out_shape), **kw(lo, hi))

    check(lambda t, lo, hi: t.clamp(**kw(lo, hi)), ref, x, low, high)
    check(lambda t, lo, hi: t.clip(**kw(lo, hi)), ref, x, low, high)
    check(lambda t, lo, hi: mg.clamp(t, **kw(lo, hi)), ref, x, low, high)
    if shapes[0] == out_shape:
        check(lambda t, lo, hi: mg.clip(t, **kw(lo, hi)),
              lambda t, lo, hi: torch.clip(t, **kw(lo, hi)), x, low, high)


def test_clamp_with_tensor_bounds_at_ties_and_crossed_bounds():
    """x on a bound, low == high, and low > high (the result is high) all follow torch."""
    x = np.array([-2.0, 0.0, 0.5, 1.0, 3.0, 0.3, 0.3, 0.3, 0.7, -1.0])
    low = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.5, 0.5, 0.5, 0.5])
    high = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 0.5, 0.2, 0.2, 0.5])
    check(lambda t, lo, hi: t.clamp(lo, hi), lambda t, lo, hi: t.clamp(lo, hi), x, low, high)
    check(lambda t, lo: t.clamp(min=lo), lambda t, lo: t.clamp(min=lo), x, low)
    check(lambda t, hi: t.clamp(max=hi), lambda t, hi: t.clamp(max=hi), x, high)
    check(lambda t, lo, hi: t.clamp(lo, hi), lambda t, lo, hi: t.clamp(lo, hi),
          np.array([1, 5, 9]), np.array([2, 2, 2]), np.array([6, 6, 6]), grad=False)


# ------------------------------------------------------------- reductions
DIMS = {
    (): [None],  # dims of a 0-d tensor: see test_reductions_of_a_0d_tensor_over_dim
    (3,): [None, 0, -1, (0,)],
    (2, 3): [None, 0, 1, -1, (0, 1), [1, 0]],
    (4, 2, 3): [None, 0, 2, (0, 2), (-1, 0), [1]],
}
DIM_CASES = [(shape, dim) for shape in SHAPES for dim in DIMS[shape]]


def _kw(dim, keepdim, torch_style=True):
    kw = {} if dim is None and not keepdim else ({"dim": dim} if torch_style else {"axis": dim})
    if keepdim:
        kw["keepdim" if torch_style else "keepdims"] = True
    return kw


def check_reduction_spellings(name, dim, keepdim, x):
    """x.name(dim=, keepdim=), numpy's axis=/keepdims=, and mg.name(x, ...) all equal
    torch's x.name(dim=, keepdim=)."""
    tkw = _kw(dim, keepdim)
    ref = lambda t: getattr(t, name)(**tkw)  # noqa: E731
    check(lambda t: getattr(t, name)(**tkw), ref, x)
    check(lambda t: getattr(t, name)(**_kw(dim, keepdim, torch_style=False)), ref, x)
    check(lambda t: getattr(mg, name)(t, **tkw), lambda t: getattr(torch, name)(t, **tkw), x)


@pytest.mark.parametrize("name", ["sum", "mean"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", DIM_CASES, ids=ids)
def test_sum_mean(name, keepdim, shape, dim):
    x = randn(rng_for(name, shape, dim), shape)
    check_reduction_spellings(name, dim, keepdim, x)
    if dim is not None:  # positional dim / keepdim, as torch's sum(dim, keepdim)
        check(lambda t: getattr(t, name)(dim, keepdim), lambda t: getattr(t, name)(dim, keepdim), x)


@pytest.mark.parametrize("name,dim", [pytest.param(n, d, id=f"{n}-{d}") for n in
                                      ("sum", "mean", "amax", "amin", "max", "min", "norm",
                                       "logsumexp", "softmax", "log_softmax", "var", "std")
                                      for d in (0, -1)])
def test_reductions_of_a_0d_tensor_over_dim(name, dim):
    """torch reduces a 0-d tensor over dim 0 or -1 (max/min: (values, indices); var: nan)."""
    x = np.array(1.7)
    check(lambda t: getattr(t, name)(dim=dim), lambda t: getattr(t, name)(dim=dim), x)


def test_sum_of_integer_and_bool_tensors():
    i = np.array([[1, 2, 3], [4, 5, 6]])
    check(lambda t: t.sum(), lambda t: t.sum(), i, grad=False)
    check(lambda t: t.sum(dim=1), lambda t: t.sum(dim=1), i.astype(np.int32), grad=False)
    check(lambda t: (t > 2).sum(), lambda t: (t > 2).sum(), i, grad=False)
    check(lambda t: t.max(), lambda t: t.max(), i, grad=False)


VAR_CASES = [((3,), None), ((3,), 0), ((2, 3), None), ((2, 3), 1), ((2, 3), 0),
             ((2, 3), (0, 1)), ((4, 2, 3), (0, 2)), ((4, 2, 3), -1)]


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", VAR_CASES, ids=ids)
def test_var_std_default_correction_is_bessel(name, keepdim, shape, dim):
    x = randn(rng_for(name, shape, dim), shape)
    check_reduction_spellings(name, dim, keepdim, x)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("kw", [{"correction": 0}, {"correction": 2}, {"unbiased": False},
                                {"unbiased": True}, {"correction": 0, "dim": 1},
                                {"unbiased": False, "dim": 0, "keepdim": True}], ids=ids)
def test_var_std_correction_keywords(name, kw):
    x = randn(rng_for(name, kw), (4, 3))
    check(lambda t: getattr(t, name)(**kw), lambda t: getattr(t, name)(**kw), x)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_positional_unbiased(name):
    x = randn(rng_for("var positional"), (4, 3))
    check(lambda t: getattr(t, name)(0, False), lambda t: getattr(t, name)(0, False), x)


def test_var_backward_with_no_degrees_of_freedom():
    check(lambda t: t.var(dim=1), lambda t: t.var(dim=1), np.array([[1.0], [2.0]]))


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("data,kw", [
    ([1.0, 2.0], {"correction": 2}), ([1.0, 1.0], {"correction": 2}),
    ([1.0, 2.0, 4.0], {"correction": 3}), ([1.0, 2.0], {"correction": 3}),
    ([[1.0, 2.0], [3.0, 3.0]], {"dim": 1, "correction": 2}),
    ([[1.0, 2.0], [3.0, 3.0]], {"dim": 0, "unbiased": True, "keepdim": True})], ids=ids)
def test_var_std_with_n_minus_correction_at_most_0(name, data, kw):
    """inf/nan forward and backward (+inf over all of x, the sign of x - mean along a dim)."""
    check(lambda t: getattr(t, name)(**kw), lambda t: getattr(t, name)(**kw), np.array(data))


def test_var_of_one_element_is_nan_forward():
    check(lambda t: t.var(), lambda t: t.var(), np.array(3.0), grad=False)


EXT_DIM_CASES = [(s, d) for s, d in DIM_CASES]


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", EXT_DIM_CASES, ids=ids)
def test_amax_amin(name, keepdim, shape, dim):
    x = randn(rng_for(name, shape, dim), shape)
    tkw = _kw(dim, keepdim)
    ref = lambda t: getattr(t, "a" + name)(**tkw)  # noqa: E731
    check(lambda t: getattr(t, "a" + name)(**tkw), ref, x)
    check(lambda t: getattr(t, "a" + name)(**_kw(dim, keepdim, torch_style=False)), ref, x)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_max_min_full_reduction(name, shape):
    x = randn(rng_for(name, shape), shape)
    check(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)
    check(lambda t: getattr(mg, name)(t), lambda t: getattr(torch, name)(t), x)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_full_reduction_ties_share_the_gradient_evenly(name):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, 3.0, -2.0]])
    if name.endswith("min"):
        x = -x
    check(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)
    if name.startswith("a"):
        check(lambda t: getattr(t, name)(dim=1), lambda t: getattr(t, name)(dim=1), x)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_values(name, keepdim):
    """max(dim) / min(dim): (values, indices), gradients with no ties."""
    x = randn(rng_for(name, "dim", keepdim), (4, 2, 3))
    check(lambda t: getattr(t, name)(dim=1, keepdim=keepdim).values,
          lambda t: getattr(t, name)(dim=1, keepdim=keepdim).values, x)
    check(lambda t: getattr(t, name)(1, keepdim), lambda t: getattr(t, name)(1, keepdim), x)
    check(lambda t: getattr(t, name)(axis=-1, keepdims=keepdim),
          lambda t: getattr(t, name)(dim=-1, keepdim=keepdim), x)
    check(lambda t: getattr(mg, name)(t, 0, keepdim), lambda t: getattr(torch, name)(t, 0, keepdim),
          x)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_with_dim_returns_values_and_indices(name):
    x = randn(rng_for("max namedtuple", name), (2, 3))
    m = getattr(mg.tensor(x), name)(dim=1)
    t = getattr(torch.tensor(x), name)(dim=1)
    assert_same(m.values, t.values)
    assert_same(m.indices, t.indices)


def test_max_with_dim_gradient_on_ties_goes_to_one_index():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    check(lambda t: t.max(dim=1).values, lambda t: t.max(dim=1).values, x)
    check(lambda t: t.max(dim=1), lambda t: t.max(dim=1), x)
    check(lambda t: t.min(dim=0, keepdim=True), lambda t: t.min(dim=0, keepdim=True), -x)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_of_two_tensors_is_elementwise(name):
    rng = rng_for("max2", name)
    a, b = randn(rng, (2, 3)), randn(rng, (2, 3))
    check(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b)
    check(lambda x, y: getattr(mg, name)(x, y), lambda x, y: getattr(torch, name)(x, y), a, b)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "norm"])
def test_reduction_over_empty_dim_tuple(name):
    """dim=() reduces over every dim, as torch (numpy: over none)."""
    x = randn(rng_for("empty dims", name), (2, 3))
    # torch's var(dim=()) backward counts N = 1 (infinite gradients): values only
    grad = name not in ("var", "std")
    check(lambda t: getattr(t, name)(dim=()), lambda t: getattr(t, name)(dim=()), x, grad=grad)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": 1}, {"dim": -1, "keepdim": True},
                                {"dim": 1, "keepdim": False}], ids=ids)
def test_argmax_argmin(name, kw):
    x = randn(rng_for(name, kw), (2, 3))
    check(lambda t: getattr(t, name)(**kw), lambda t: getattr(t, name)(**kw), x, grad=False)
    ties = np.array([[1.0, 3.0, 3.0], [-1.0, -1.0, 0.5]])
    check(lambda t: getattr(t, name)(**kw), lambda t: getattr(t, name)(**kw), ties, grad=False)


NORM_CASES = [(p, shape, dim, keepdim)
              for p in (1, 2, float("inf"))
              for shape, dim in [((3,), None), ((2, 3), None), ((2, 3), 1), ((2, 3), (0, 1)),
                                 ((4, 2, 3), -1), ((4, 2, 3), (0, 2))]
              for keepdim in (False, True)]


@pytest.mark.parametrize("p,shape,dim,keepdim", NORM_CASES, ids=ids)
def test_norm(p, shape, dim, keepdim):
    x = away_from_zero(rng_for("norm", p, shape, dim), shape)
    check(lambda t: t.norm(p=p, dim=dim, keepdim=keepdim),
          lambda t: t.norm(p=p, dim=dim, keepdim=keepdim), x)


def test_norm_default_and_zero_vector():
    x = randn(rng_for("norm default"), (2, 3))
    check(lambda t: t.norm(), lambda t: t.norm(), x)
    check(lambda t: t.norm(2, 1), lambda t: t.norm(2, 1), x)
    for p in (1, 2, float("inf")):
        check(lambda t: t.norm(p=p, dim=1), lambda t: t.norm(p=p, dim=1),
              np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]]))


@pytest.mark.parametrize("shape,kw", [((2, 3), {}), ((4, 2, 3), {}), ((4, 2, 3), {"dim": 1}),
                                      ((4, 2, 3), {"dim": (0, 2), "keepdim": True}),
                                      ((4, 2, 3), {"dim": (-1, 0)}), ((), {}), ((3,), {"dim": 0})],
                         ids=ids)
def test_norm_fro(shape, kw):
    x = away_from_zero(rng_for("norm fro", shape, kw), shape)
    check(lambda t: t.norm(p="fro", **kw), lambda t: t.norm(p="fro", **kw), x)
    check(lambda t: t.norm("fro", **kw), lambda t: t.norm("fro", **kw), x)


def test_norm_fro_of_three_dims_raises():
    with pytest.raises(RuntimeError):
        torch.ones(2, 2, 2).norm(p="fro", dim=(0, 1, 2))
    with pytest.raises(ValueError):
        mg.ones(2, 2, 2).norm(p="fro", dim=(0, 1, 2))


def test_norm_ties_for_inf():
    check(lambda t: t.norm(p=float("inf")), lambda t: t.norm(p=float("inf")),
          np.array([1.0, -3.0, 3.0, 2.0]))


# ---------------------------------------------------- softmax family
SOFTMAX_CASES = [((3,), 0), ((3,), -1), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1),
                 ((4, 2, 3), 0), ((4, 2, 3), 1), ((4, 2, 3), -1), ((), 0), ((), -1)]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES, ids=ids)
def test_softmax_log_softmax(name, shape, dim):
    x = randn(rng_for(name, shape, dim), shape) * 3
    ref = lambda t: getattr(t, name)(dim=dim)  # noqa: E731
    check(lambda t: getattr(t, name)(dim=dim), ref, x)
    check(lambda t: getattr(t, name)(dim), ref, x)
    check(lambda t: getattr(t, name)(axis=dim), ref, x)
    check(lambda t: getattr(MF, name)(t, dim=dim), lambda t: getattr(TF, name)(t, dim=dim), x)
    check(lambda t: getattr(mg, name)(t, dim), lambda t: getattr(torch, name)(t, dim), x)


def test_softmax_large_inputs():
    x = np.array([[1000.0, 1001.0, -1000.0], [-1e4, 0.0, 1e4]])
    for name in ("softmax", "log_softmax"):
        check(lambda t: getattr(t, name)(dim=1), lambda t: getattr(t, name)(dim=1), x)


LSE_CASES = [((3,), 0), ((2, 3), 1), ((2, 3), 0), ((2, 3), (0, 1)), ((4, 2, 3), (0, 2)),
             ((4, 2, 3), -1), ((), 0)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dim", LSE_CASES, ids=ids)
def test_logsumexp(keepdim, shape, dim):
    x = randn(rng_for("lse", shape, dim), shape) * 3
    ref = lambda t: t.logsumexp(dim=dim, keepdim=keepdim)  # noqa: E731
    check(lambda t: t.logsumexp(dim=dim, keepdim=keepdim), ref, x)
    check(lambda t: t.logsumexp(dim, keepdim), lambda t: t.logsumexp(dim, keepdim), x)
    check(lambda t: mg.logsumexp(t, dim=dim, keepdim=keepdim),
          lambda t: torch.logsumexp(t, dim=dim, keepdim=keepdim), x)


def test_logsumexp_of_minus_inf():
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]])
    check(lambda t: t.logsumexp(dim=1), lambda t: t.logsumexp(dim=1), x)


# ------------------------------------------- maximum, minimum, where, masks
@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("shapes", PAIRS, ids=ids)
def test_maximum_minimum(name, shapes):
    rng = rng_for(name, shapes)
    a, b = randn(rng, shapes[0]), randn(rng, shapes[1])
    check(lambda x, y: getattr(mg, name)(x, y), lambda x, y: getattr(torch, name)(x, y), a, b)
    check(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_the_gradient(name):
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 3.0, 5.0])
    check(lambda x, y: getattr(mg, name)(x, y), lambda x, y: getattr(torch, name)(x, y), a, b)


WHERE_SHAPES = [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()), ((3,), (2, 1), (1, 3)),
                ((), (3,), (3,)), ((4, 1, 3), (2, 3), (4, 2, 1))]


@pytest.mark.parametrize("shapes", WHERE_SHAPES, ids=ids)
def test_where(shapes):
    rng = rng_for("where", shapes)
    cond = randn(rng, shapes[0]) > 0
    a, b = randn(rng, shapes[1]), randn(rng, shapes[2])
    check(lambda c, x, y: mg.where(c, x, y), lambda c, x, y: torch.where(c, x, y), cond, a, b)
    check(lambda c, x: mg.where(c, x, 0.5), lambda c, x: torch.where(c, x, 0.5), cond, a)
    check(lambda c, y: mg.where(c, -2.0, y), lambda c, y: torch.where(c, -2.0, y), cond, b)


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 2, 3), (2, 1)),
                                    ((3,), ())], ids=ids)
@pytest.mark.parametrize("value", [0.0, -np.inf, 2.5])
def test_masked_fill(shapes, value):
    rng = rng_for("masked_fill", shapes)
    x = randn(rng, shapes[0])
    mask = randn(rng, shapes[1]) > 0
    check(lambda t, m: t.masked_fill(m, value), lambda t, m: t.masked_fill(m, value), x, mask)


COMPARISONS = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


@pytest.mark.parametrize("op", list(COMPARISONS))
@pytest.mark.parametrize("shapes", PAIRS, ids=ids)
def test_comparisons(op, shapes):
    rng = rng_for("cmp", op, shapes)
    a = np.round(randn(rng, shapes[0]))  # rounded, so that == and != see some ties
    b = np.round(randn(rng, shapes[1]))
    fn = COMPARISONS[op]
    check(fn, fn, a, b, grad=False)
    check(lambda x: fn(x, 0.0), lambda x: fn(x, 0.0), a, grad=False)
    check(lambda x: fn(1, x), lambda x: fn(1, x), a, grad=False)


def test_logical_ops_on_bool_tensors():
    rng = rng_for("logical")
    a, b = randn(rng, (2, 3)) > 0, randn(rng, (3,)) > 0
    check(lambda x, y: x & y, lambda x, y: x & y, a, b, grad=False)
    check(lambda x, y: x | y, lambda x, y: x | y, a, b, grad=False)
    check(lambda x: ~x, lambda x: ~x, a, grad=False)


# -------------------------------------------------------------- shape ops
SHAPE_OPS = [
    ("reshape(-1)", (2, 3), lambda t: t.reshape(-1)),
    ("reshape(3,2)", (2, 3), lambda t: t.reshape(3, 2)),
    ("reshape((3,-1))", (2, 3), lambda t: t.reshape((3, -1))),
    ("reshape 0d->(1,1)", (), lambda t: t.reshape(1, 1)),
    ("reshape (1,)->()", (1,), lambda t: t.reshape(())),
    ("view(6,1)", (2, 3), lambda t: t.view(6, 1)),
    ("reshape(4,-1)", (4, 2, 3), lambda t: t.reshape(4, -1)),
    ("transpose(0,1)", (2, 3), lambda t: t.transpose(0, 1)),
    ("transpose(0,2)", (4, 2, 3), lambda t: t.transpose(0, 2)),
    ("transpose(-1,-2)", (4, 2, 3), lambda t: t.transpose(-1, -2)),
    ("transpose(0,0) 1d", (3,), lambda t: t.transpose(0, 0)),
    ("permute(2,0,1)", (4, 2, 3), lambda t: t.permute(2, 0, 1)),
    ("permute((1,0))", (2, 3), lambda t: t.permute((1, 0))),
    ("permute(-1,0,1)", (4, 2, 3), lambda t: t.permute(-1, 0, 1)),
    ("permute(()) 0d", (), lambda t: t.permute(())),
    ("expand(2,3)", (3,), lambda t: t.expand(2, 3)),
    ("expand((4,2,3))", (2, 1), lambda t: t.expand((4, 2, 3))),
    ("expand(-1,3)", (2, 1), lambda t: t.expand(-1, 3)),
    ("expand(5,-1,-1)", (2, 3), lambda t: t.expand(5, -1, -1)),
    ("expand 0d", (), lambda t: t.expand(2, 3)),
    ("squeeze()", (1, 3, 1), lambda t: t.squeeze()),
    ("squeeze(0)", (1, 3, 1), lambda t: t.squeeze(0)),
    ("squeeze(-1)", (1, 3, 1), lambda t: t.squeeze(-1)),
    ("squeeze(1) not size 1", (1, 3, 1), lambda t: t.squeeze(1)),
    ("squeeze((0,2))", (1, 3, 1), lambda t: t.squeeze((0, 2))),
    ("squeeze 0d", (), lambda t: t.squeeze()),
    ("unsqueeze(0)", (2, 3), lambda t: t.unsqueeze(0)),
    ("unsqueeze(-1)", (2, 3), lambda t: t.unsqueeze(-1)),
    ("unsqueeze(1)", (2, 3), lambda t: t.unsqueeze(1)),
    ("unsqueeze(-2)", (2, 3), lambda t: t.unsqueeze(-2)),
    ("unsqueeze 0d", (), lambda t: t.unsqueeze(0)),
    ("flatten()", (4, 2, 3), lambda t: t.flatten()),
    ("flatten(1)", (4, 2, 3), lambda t: t.flatten(1)),
    ("flatten(0,1)", (4, 2, 3), lambda t: t.flatten(0, 1)),
    ("flatten 0d", (), lambda t: t.flatten()),
    ("T 2d", (2, 3), lambda t: t.T),
    ("T 1d", (3,), lambda t: t.T),
    ("mT", (4, 2, 3), lambda t: t.mT),
    ("t() 2d", (2, 3), lambda t: t.t()),
    ("t() 1d", (3,), lambda t: t.t()),
]


@pytest.mark.parametrize("name,shape,fn", SHAPE_OPS, ids=[c[0] for c in SHAPE_OPS])
def test_shape_ops(name, shape, fn):
    check(fn, fn, randn(rng_for(name), shape))


def test_module_level_shape_functions():
    x = randn(rng_for("mod shape"), (4, 2, 3))
    check(lambda t: mg.reshape(t, (6, 4)), lambda t: torch.reshape(t, (6, 4)), x)
    check(lambda t: mg.permute(t, (1, 2, 0)), lambda t: torch.permute(t, (1, 2, 0)), x)
    check(lambda t: mg.transpose(t, 0, 1), lambda t: torch.transpose(t, 0, 1), x)
    check(lambda t: mg.unsqueeze(t, 1), lambda t: torch.unsqueeze(t, 1), x)
    check(lambda t: mg.squeeze(mg.unsqueeze(t, 1)), lambda t: torch.squeeze(t.unsqueeze(1)), x)
    check(lambda t: mg.flatten(t, 1), lambda t: torch.flatten(t, 1), x)
    check(lambda t: mg.broadcast_to(t, (5, 4, 2, 3)), lambda t: torch.broadcast_to(t, (5, 4, 2, 3)), x)


def test_expand_minus_one_in_a_new_leading_dim_raises():
    with pytest.raises(RuntimeError):
        torch.ones(3).expand(-1, 3)
    with pytest.raises(Exception):
        mg.tensor(np.ones(3)).expand(-1, 3)


@pytest.mark.parametrize("how", ["transpose", "mT"])
def test_transpose_of_a_vector_raises(how):
    fn = (lambda t: t.transpose(-2, -1)) if how == "transpose" else (lambda t: t.mT)
    with pytest.raises((IndexError, RuntimeError)):
        fn(torch.ones(3))
    with pytest.raises(Exception):
        fn(mg.tensor(np.ones(3)))


OUT_OF_RANGE = {
    "unsqueeze(5)": lambda t: t.unsqueeze(5), "unsqueeze(-4)": lambda t: t.unsqueeze(-4),
    "squeeze(2)": lambda t: t.squeeze(2), "squeeze((0,2))": lambda t: t.squeeze((0, 2)),
    "permute(2,1)": lambda t: t.permute(2, 1), "flatten(0,3)": lambda t: t.flatten(0, 3),
    "flatten(-3)": lambda t: t.flatten(-3), "transpose(0,2)": lambda t: t.transpose(0, 2),
    "transpose(-3,0)": lambda t: t.transpose(-3, 0), "split(1,2)": lambda t: t.split(1, 2),
    "chunk(1,-3)": lambda t: t.chunk(1, -3),
    "mg.unsqueeze(t,3)": lambda t: getattr(mg if isinstance(t, mg.Tensor) else torch,
                                           "unsqueeze")(t, 3),
    "nn.Flatten(0,3)": lambda t: (mg.nn if isinstance(t, mg.Tensor) else torch.nn)
    .Flatten(0, 3)(t),
}


@pytest.mark.parametrize("op", list(OUT_OF_RANGE))
def test_out_of_range_dims_raise(op):
    fn = OUT_OF_RANGE[op]
    with pytest.raises(IndexError):
        fn(torch.ones(1, 3))
    with pytest.raises(IndexError, match=r"\(1, 3\)"):  # names the tensor's shape
        fn(mg.tensor(np.ones((1, 3))))


ZERO_D_DIMS = {
    "unsqueeze(0)": lambda t: t.unsqueeze(0), "unsqueeze(-1)": lambda t: t.unsqueeze(-1),
    "squeeze(0)": lambda t: t.squeeze(0), "squeeze(-1)": lambda t: t.squeeze(-1),
    "flatten(0,0)": lambda t: t.flatten(0, 0), "flatten(-1,-1)": lambda t: t.flatten(-1, -1),
    "transpose(0,-1)": lambda t: t.transpose(0, -1), "transpose 1d (0,-1)": None,
}


@pytest.mark.parametrize("op", list(ZERO_D_DIMS))
def test_dims_0_and_minus_1_of_a_0d_tensor(op):
    """torch reads a 0-d tensor's dims as [-1, 0]; 1 or -2 are out of range."""
    if ZERO_D_DIMS[op] is None:
        check(lambda t: t.transpose(0, -1), lambda t: t.transpose(0, -1), randn(rng_for(op), (3,)))
        return
    check(ZERO_D_DIMS[op], ZERO_D_DIMS[op], np.array(1.5))


@pytest.mark.parametrize("op", ["unsqueeze(1)", "unsqueeze(-2)", "squeeze(1)", "flatten(0,1)",
                                "transpose(-2,-1)", "transpose(0,1)"])
def test_out_of_range_dims_of_a_0d_tensor_raise(op):
    fn = eval(f"lambda t: t.{op}")  # noqa: S307  (a fixed table of method calls)
    with pytest.raises(IndexError):
        fn(torch.tensor(1.5))
    with pytest.raises(IndexError):
        fn(mg.tensor(1.5))


@pytest.mark.parametrize("op", ["permute(0,0)", "permute(0)", "squeeze((0,-2))",
                                "flatten(1,0)", "expand(3)", "mT"])
def test_bad_dim_lists_raise(op):
    fn = eval(f"lambda t: t.{op}")  # noqa: S307  (a fixed table of method calls)
    with pytest.raises(RuntimeError):
        fn(torch.ones(1, 3) if op != "mT" else torch.ones(3))
    with pytest.raises(ValueError):
        fn(mg.ones(1, 3) if op != "mT" else mg.ones(3))


# --------------------------------------------------------------- indexing
INDEXES = [
    ("int", (3,), lambda: 1),
    ("neg int", (4, 2, 3), lambda: -1),
    ("int,int", (2, 3), lambda: (1, 2)),
    ("int,int,int", (4, 2, 3), lambda: (3, 0, -1)),
    ("slice", (4, 2, 3), lambda: slice(1, 3)),
    ("slice step", (4, 2, 3), lambda: (slice(None, None, 2), slice(None), slice(0, 3, 2))),
    ("slice empty", (3,), lambda: slice(2, 1)),
    ("None", (2, 3), lambda: None),
    ("None 0d", (), lambda: None),
    ("None mid", (2, 3), lambda: (slice(None), None, 1)),
    ("Ellipsis", (4, 2, 3), lambda: Ellipsis),
    ("Ellipsis 0d", (), lambda: Ellipsis),
    ("...,int", (4, 2, 3), lambda: (Ellipsis, 1)),
    ("int,...,None", (4, 2, 3), lambda: (0, Ellipsis, None)),
    ("list repeated", (3,), lambda: [0, 0, 2, 0]),
    ("list rows repeated", (4, 2, 3), lambda: [1, 1, -1]),
    ("array 2d", (2, 3), lambda: np.array([[0, 1], [1, 1]])),
    ("two arrays", (2, 3), lambda: ([0, 1, 1], [2, 2, 0])),
    ("slice,array", (2, 3), lambda: (slice(None), [2, 0, 2])),
    ("...,array", (4, 2, 3), lambda: (Ellipsis, [1, 1])),
    ("array,slice,array", (4, 2, 3), lambda: ([0, 3, 0], slice(None), [1, 2, 1])),
    ("array,slice,int", (4, 2, 3), lambda: ([0, 3, 0], slice(None), 1)),
    ("slice,int,array", (4, 2, 3), lambda: (slice(None), 1, [2, 0])),
    ("None,array", (2, 3), lambda: (None, [1, 0, 1])),
    ("bool mask", (2, 3), lambda: np.array([[True, False, True], [False, False, True]])),
    ("bool rows", (4, 2, 3), lambda: np.array([True, False, True, True])),
    # ints mixed with arrays: torch selects with the ints first (numpy would move the
    # gathered dims to the front where an int or slice separates them)
    ("int,slice,array", (4, 5, 3), lambda: (1, slice(None), [0, 0, 2])),
    ("neg int,slice,array", (4, 5, 3), lambda: (-1, slice(1, None), [2, 0, 2])),
    ("array,int,array", (4, 5, 3), lambda: ([0, 3, 0], 1, [2, 2, 0])),
    ("array,int", (4, 5, 3), lambda: ([1, 1, 0], 0)),
    ("array,slice,int", (4, 5, 3), lambda: ([1, 1, 3], slice(None), -1)),
    ("int,array,slice", (4, 5, 3), lambda: (2, [4, 4, 0], slice(None))),
    ("None,int,slice,array", (4, 5, 3), lambda: (None, 1, slice(None), [0, 0, 2])),
    ("int,...,array", (4, 5, 3, 2), lambda: (1, Ellipsis, [1, 1, 0])),
    ("array 2d,slice,int,array", (4, 5, 3, 2), lambda: ([[0], [3]], slice(None), 2, [1, 0, 1])),
    ("int,slice,bool mask", (4, 5, 3), lambda: (1, slice(None), np.array([True, False, True]))),
    ("bool mask,int", (4, 5, 3), lambda: (np.array([True, False, True, True]), slice(None), 2)),
    ("bool mask 2d,int", (4, 5, 3), lambda: (np.arange(20).reshape(4, 5) % 3 == 0, 1)),
    ("0-d tensor,slice,array", (4, 5, 3), lambda: (np.array(2), slice(None), [0, 0, 2])),
]


@pytest.mark.parametrize("name,shape,make_index", INDEXES, ids=[c[0] for c in INDEXES])
def test_indexing(name, shape, make_index):
    x = randn(rng_for("index", name), shape)
    index = make_index()

    def torch_index(i):
        if isinstance(i, tuple):
            return tuple(torch_index(p) for p in i)
        if isinstance(i, np.ndarray):
            return torch.tensor(i)
        return i

    check(lambda t: t[index], lambda t: t[torch_index(index)], x)


def test_indexing_int_then_slice_then_array():
    x = randn(rng_for("index int slice array"), (4, 2, 3))
    check(lambda t: t[1, :, [0, 0, 2]], lambda t: t[1, :, [0, 0, 2]], x)


@pytest.mark.parametrize("name,shape,make_index", [c for c in INDEXES if "," in c[0]],
                         ids=[c[0] for c in INDEXES if "," in c[0]])
def test_indexing_gradient_of_gradient(name, shape, make_index):
    """Second order through x[index] (create_graph: the slices' gathered scatter)."""
    index = make_index()
    x = randn(rng_for("index grad grad", name), shape)
    w = randn(rng_for("index grad grad w", name), shape)

    def torch_index(i):
        return tuple(torch.tensor(p) if isinstance(p, (list, np.ndarray)) else p for p in i)

    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (mg_g,) = mg.grad((mx[index] ** 3).sum(), mx, create_graph=True)
    (t_g,) = torch.autograd.grad((tx[torch_index(index)] ** 3).sum(), tx, create_graph=True)
    (mg_gg,) = mg.grad((mg_g * mg.tensor(w)).sum(), mx)
    (t_gg,) = torch.autograd.grad((t_g * torch.tensor(w)).sum(), tx)
    assert_same(mg_g, t_g)
    assert_same(mg_gg, t_gg)


def test_indexing_with_integer_tensors():
    x = randn(rng_for("index tensor"), (4, 2, 3))
    idx = np.array([2, 2, 0])
    check(lambda t, i: t[i], lambda t, i: t[i], x, idx)
    check(lambda t, i: t[:, :, i], lambda t, i: t[:, :, i], x, idx)
    check(lambda t: t[mg.tensor(1)], lambda t: t[torch.tensor(1)], x)
    check(lambda t, i: t[i, 1], lambda t, i: t[i, 1], x, np.array([[0, 3], [3, 3]]))


# ---------------------------------------------------- concat, stack, split
@pytest.mark.parametrize("dim", [0, 1, -1, -3])
def test_concat(dim):
    rng = rng_for("cat", dim)
    shapes = {0: [(1, 2, 3), (4, 2, 3)], 1: [(4, 1, 3), (4, 2, 3)],
              -1: [(4, 2, 1), (4, 2, 3)], -3: [(2, 2, 3), (4, 2, 3)]}[dim]
    a, b = randn(rng, shapes[0]), randn(rng, shapes[1])
    check(lambda x, y: mg.cat([x, y, x], dim=dim), lambda x, y: torch.cat([x, y, x], dim=dim), a, b)
    check(lambda x, y: mg.concat((x, y), dim), lambda x, y: torch.concat((x, y), dim), a, b)
    check(lambda x, y: mg.concat([x, y], axis=dim), lambda x, y: torch.cat([x, y], dim), a, b)


@pytest.mark.parametrize("shape", SHAPES, ids=ids)
@pytest.mark.parametrize("dim", [0, -1])
def test_stack(shape, dim):
    rng = rng_for("stack", shape, dim)
    a, b = randn(rng, shape), randn(rng, shape)
    check(lambda x, y: mg.stack([x, y, x], dim=dim), lambda x, y: torch.stack([x, y, x], dim=dim),
          a, b)
    check(lambda x, y: mg.stack((x, y), axis=dim), lambda x, y: torch.stack((x, y), dim), a, b)
    check(lambda x, y: mg.stack([x, y], dim), lambda x, y: torch.stack([x, y], dim), a, b)


SPLITS = [((5,), 2, 0), ((5,), 5, 0), ((5,), 7, 0), ((5,), [2, 3], 0), ((5,), [0, 5], 0),
          ((4, 2, 3), 1, 1), ((4, 2, 3), 2, -1), ((4, 2, 3), [1, 1, 2], 0), ((4, 6), 4, 1)]


@pytest.mark.parametrize("shape,size,dim", SPLITS, ids=ids)
def test_split_takes_chunk_sizes(shape, size, dim):
    x = randn(rng_for("split", shape, size, dim), shape)
    check(lambda t: t.split(size, dim), lambda t: t.split(size, dim), x)
    check(lambda t: t.split(size, dim=dim), lambda t: t.split(size, dim=dim), x)
    check(lambda t: mg.split(t, size, dim), lambda t: torch.split(t, size, dim), x)


@pytest.mark.parametrize("shape,chunks,dim", [((6,), 3, 0), ((5,), 2, 0), ((6,), 4, 0),
                                              ((4, 2, 3), 2, -1), ((4, 2, 3), 3, 0)], ids=ids)
def test_chunk(shape, chunks, dim):
    x = randn(rng_for("chunk", shape, chunks, dim), shape)
    check(lambda t: t.chunk(chunks, dim), lambda t: t.chunk(chunks, dim), x)
    check(lambda t: mg.chunk(t, chunks, dim=dim), lambda t: torch.chunk(t, chunks, dim=dim), x)


# ---------------------------------------------------------------- losses
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2), (4,)], ids=ids)
def test_cross_entropy_and_nll_loss(reduction, ignore_index, weighted, shape):
    rng = rng_for("ce", reduction, ignore_index, weighted, shape)
    x = randn(rng, shape) * 2
    tshape = () if len(shape) == 1 else shape[:1] + shape[2:]
    target = rng.integers(0, shape[1 if len(shape) > 1 else 0], size=tshape).astype(np.int64)
    if target.ndim:
        target.reshape(-1)[0] = ignore_index  # at least one ignored target
    elif target == ignore_index:
        target = np.array(0)  # all targets ignored: see test_cross_entropy_with_every_target_ignored
    w = positive(rng, (shape[1 if len(shape) > 1 else 0],)) if weighted else None
    kw = dict(ignore_index=ignore_index, reduction=reduction)

    def mg_w():
        return None if w is None else mg.tensor(w)

    def t_w():
        return None if w is None else torch.tensor(w)

    check(lambda a, t: MF.cross_entropy(a, t, weight=mg_w(), **kw),
          lambda a, t: TF.cross_entropy(a, t, weight=t_w(), **kw), x, target)
    check(lambda a, t: MF.nll_loss(a.log_softmax(dim=1 if a.ndim > 1 else 0), t, weight=mg_w(), **kw),
          lambda a, t: TF.nll_loss(a.log_softmax(dim=1 if a.ndim > 1 else 0), t, weight=t_w(), **kw),
          x, target)
    check(lambda a, t: MF.cross_entropy(a, t, weight=mg_w(), label_smoothing=0.2, **kw),
          lambda a, t: TF.cross_entropy(a, t, weight=t_w(), label_smoothing=0.2, **kw), x, target)


def test_cross_entropy_defaults_and_positional():
    rng = rng_for("ce defaults")
    x = randn(rng, (5, 4))
    target = np.array([0, 3, 3, -100, 1])
    check(lambda a, t: MF.cross_entropy(a, t), lambda a, t: TF.cross_entropy(a, t), x, target)
    check(lambda a, t: MF.nll_loss(a, t), lambda a, t: TF.nll_loss(a, t), x, target)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss", "cross_entropy_smoothing"])
def test_cross_entropy_with_every_target_ignored_has_zero_gradient(loss):
    x = randn(rng_for("ce all ignored grad", loss), (2, 3))
    kw = {"label_smoothing": 0.1} if loss.endswith("smoothing") else {}
    name = loss.replace("_smoothing", "")
    check(lambda a, t: getattr(MF, name)(a, t, **kw), lambda a, t: getattr(TF, name)(a, t, **kw),
          x, np.array([-100, -100]))
    check(lambda a, t: getattr(MF, name)(a, t, ignore_index=1, **kw),
          lambda a, t: getattr(TF, name)(a, t, ignore_index=1, **kw), x[:1], np.array([1]))


def test_cross_entropy_with_every_target_ignored_is_nan():
    x = randn(rng_for("ce all ignored"), (2, 3))
    check(lambda a, t: MF.cross_entropy(a, t), lambda a, t: TF.cross_entropy(a, t),
          x, np.array([-100, -100]), grad=False)
    check(lambda a, t: MF.cross_entropy(a, t, reduction="sum"),
          lambda a, t: TF.cross_entropy(a, t, reduction="sum"), x, np.array([-100, -100]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_with_probability_targets(reduction, label_smoothing, weighted):
    rng = rng_for("ce soft", reduction, label_smoothing, weighted)
    x = randn(rng, (3, 4, 2))
    p = rng.random((3, 4, 2))
    p /= p.sum(axis=1, keepdims=True)
    w = positive(rng, (4,)) if weighted else None
    check(lambda a, q: MF.cross_entropy(a, q, weight=None if w is None else mg.tensor(w),
                                        reduction=reduction, label_smoothing=label_smoothing),
          lambda a, q: TF.cross_entropy(a, q, weight=None if w is None else torch.tensor(w),
                                        reduction=reduction, label_smoothing=label_smoothing),
          x, p)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", SHAPES, ids=ids)
def test_mse_loss(reduction, shape):
    rng = rng_for("mse", reduction, shape)
    a, b = randn(rng, shape), randn(rng, shape)
    check(lambda x, y: MF.mse_loss(x, y, reduction=reduction),
          lambda x, y: TF.mse_loss(x, y, reduction=reduction), a, b)
    check(lambda x: MF.mse_loss(x, mg.tensor(b), reduction),
          lambda x: TF.mse_loss(x, torch.tensor(b), reduction=reduction), a)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("extras", ["none", "weight", "pos_weight", "both"])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (4, 2, 3), ()], ids=ids)
def test_binary_cross_entropy_with_logits(reduction, extras, shape):
    rng = rng_for("bce", reduction, extras, shape)
    x = randn(rng, shape) * 3
    y = rng.random(shape)
    w = positive(rng, shape[-1:]) if extras in ("weight", "both") else None
    pw = positive(rng, shape[-1:]) if extras in ("pos_weight", "both") else None

    def args(lib):
        conv = mg.tensor if lib == "mg" else torch.tensor
        return dict(weight=None if w is None else conv(w),
                    pos_weight=None if pw is None else conv(pw), reduction=reduction)

    check(lambda a, t: MF.binary_cross_entropy_with_logits(a, t, **args("mg")),
          lambda a, t: TF.binary_cross_entropy_with_logits(a, t, **args("torch")), x, y)


def test_binary_cross_entropy_with_large_logits():
    x = np.array([1e4, -1e4, 50.0, -50.0, 0.0])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    check(lambda a, t: MF.binary_cross_entropy_with_logits(a, t, reduction="none"),
          lambda a, t: TF.binary_cross_entropy_with_logits(a, t, reduction="none"), x, y)


@pytest.mark.parametrize("shape,num_classes", [((4,), -1), ((4,), 6), ((2, 3), 5), ((), 3)],
                         ids=ids)
def test_one_hot(shape, num_classes):
    idx = rng_for("one_hot", shape).integers(0, 3, size=shape).astype(np.int64)
    check(lambda t: MF.one_hot(t, num_classes), lambda t: TF.one_hot(t, num_classes), idx,
          grad=False)
    check(lambda t: MF.one_hot(t, num_classes=num_classes),
          lambda t: TF.one_hot(t, num_classes=num_classes), idx, grad=False)


# ---------------------------------------------- dtype promotion (not float64)
@pytest.mark.parametrize("case", ["tensor/tensor", "tensor/int", "int/tensor"])
def test_integer_true_division_gives_default_float(case):
    a, b = np.array([1, 2, 3]), np.array([2, 2, 4])
    fn = {"tensor/tensor": lambda x, y: x / y, "tensor/int": lambda x, y: x / 2,
          "int/tensor": lambda x, y: 2 / x}[case]
    check(fn, fn, a, b, grad=False)


@pytest.mark.parametrize("op", ["exp", "log", "sqrt", "tanh", "pow0.5", "logsumexp"])
def test_floating_unary_of_integer_tensor_gives_default_float(op):
    fn = {"pow0.5": lambda t: t ** 0.5, "logsumexp": lambda t: t.logsumexp(0)}.get(
        op, lambda t: getattr(t, op)())
    check(fn, fn, np.array([1, 2, 3]), grad=False)


def test_sigmoid_of_integer_tensor():
    check(lambda t: t.sigmoid(), lambda t: t.sigmoid(), np.array([-1, 0, 2]), grad=False)


@pytest.mark.parametrize("case", ["f32+i64", "f32+0d f64", "i64+0d f32", "f32*0d i64",
                                  "cat f32,i64"])
def test_tensor_dtype_promotion_follows_torch(case):
    f32 = np.ones(3, np.float32)
    a, b, fn = {
        "f32+i64": (f32, np.array([1, 2, 3]), lambda x, y: x + y),
        "f32+0d f64": (f32, np.array(2.0), lambda x, y: x + y),
        "i64+0d f32": (np.array([1, 2, 3]), np.array(2.0, np.float32), lambda x, y: x + y),
        "f32*0d i64": (f32, np.array(2), lambda x, y: x * y),
        "cat f32,i64": (f32, np.array([1, 2]), None),
    }[case]
    if fn is None:
        check(lambda x, y: mg.cat([x, y]), lambda x, y: torch.cat([x, y]), a, b, grad=False)
    else:
        check(fn, fn, a, b, grad=False)


BITWISE = {"~": lambda x, y: ~x, "&": lambda x, y: x & y, "|": lambda x, y: x | y,
           "^": lambda x, y: x ^ y, "& 6": lambda x, y: x & 6, "3 | x": lambda x, y: 3 | x,
           "bitwise_and": lambda x, y: x.bitwise_and(y),
           "bitwise_not": lambda x, y: x.bitwise_not(),
           "logical_and": lambda x, y: x.logical_and(y),
           "logical_not": lambda x, y: x.logical_not()}


@pytest.mark.parametrize("op", list(BITWISE))
@pytest.mark.parametrize("dtypes", ["int64", "int32", "bool", "int64,bool"])
def test_bitwise_ops_on_integer_and_bool_tensors(op, dtypes):
    a, b = np.array([1, 2, 6, 0]), np.array([3, 1, 4, 0])
    first, _, second = dtypes.partition(",")
    a = a.astype(first) if first != "bool" else a > 1
    b = b.astype(second or first) if (second or first) != "bool" else b > 1
    fn = BITWISE[op]
    check(fn, fn, a, b, grad=False)


def test_masked_fill_keeps_the_tensor_dtype():
    x = np.array([1, 2, 3])
    check(lambda t: t.masked_fill(t > 1, 1.5), lambda t: t.masked_fill(t > 1, 1.5), x, grad=False)
    check(lambda t: t.masked_fill(t > 1, -2.7), lambda t: t.masked_fill(t > 1, -2.7),
          x.astype(np.int32), grad=False)
    check(lambda t: t.masked_fill(t > 0.5, 3), lambda t: t.masked_fill(t > 0.5, 3),
          np.array([0.25, 1.0], np.float32), grad=False)
    check(lambda t: t.masked_fill(t, 0), lambda t: t.masked_fill(t, 0), np.array([True, False]),
          grad=False)


def test_masked_fill_with_a_0d_tensor_value():
    x, v = randn(rng_for("masked_fill 0d"), (2, 3)), np.array(-1.25)
    check(lambda t, s: t.masked_fill(t > 0, s), lambda t, s: t.masked_fill(t > 0, s), x, v)
    check(lambda t, s: t.masked_fill(t > 0, s), lambda t, s: t.masked_fill(t > 0, s),
          x.astype(np.float32), v, grad=False)


def test_python_number_promotion_matches_torch():
    i, f32 = np.array([1, 2, 3]), np.ones(3, np.float32)
    for fn in (lambda x: x * 0.5, lambda x: 0.5 + x, lambda x: x + 1, lambda x: x * True,
               lambda x: x - 2):
        check(fn, fn, i, grad=False)
        check(fn, fn, f32, grad=False)
    check(lambda x: x * 2.5, lambda x: x * 2.5, np.array([True, False]), grad=False)
    check(lambda c: mg.where(c, 1.0, 0.0), lambda c: torch.where(c, 1.0, 0.0),
          np.array([True, False]), grad=False)
