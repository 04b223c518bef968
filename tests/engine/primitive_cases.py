"""The coverage table: gradient-check cases for every differentiable primitive.

Each case names the primitive it exercises (the tests assert that the primitive
really appears in the case's graph), a function of float64 tensors, and the
inputs. Inputs are drawn away from kinks (abs, relu, clip), ties (max, maximum)
and singularities (log, sqrt, div), so that central differences are valid.
`test_primitive_coverage.py` fails when a registered primitive has no case here.
"""
import zlib
from dataclasses import dataclass, field

import numpy as np

import minigrad as mg
from minigrad import ops

CASES = []


@dataclass
class Case:
    prim: str
    label: str
    fn: object
    arrays: tuple
    grad_mask: tuple = field(default=None)

    @property
    def id(self):
        return f"{self.prim}-{self.label}"

    def inputs(self):
        """Fresh leaf tensors: float arrays require grad unless grad_mask says otherwise."""
        mask = self.grad_mask or tuple(a.dtype.kind == "f" for a in self.arrays)
        return tuple(mg.tensor(a.copy(), requires_grad=m) for a, m in zip(self.arrays, mask))


def case(prim, label, fn, *arrays, grad_mask=None):
    CASES.append(Case(prim, label, fn, tuple(np.asarray(a) for a in arrays), grad_mask))


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# --------------------------------------------------------------- input makers
def smooth(shape, *key):
    """Standard normal values, scaled to keep exp/tanh in their curved range."""
    return _rng("smooth", shape, *key).standard_normal(shape) * 0.8


def positive(shape, *key):
    """Values in [0.5, 1.5]: safe for log, sqrt, pow bases and denominators."""
    return _rng("positive", shape, *key).uniform(0.5, 1.5, shape)


def avoiding(shape, kinks, *key, margin=0.15):
    """Values in [-1.2, 1.2] at least `margin` away from each of `kinks`."""
    rng = _rng("avoiding", shape, kinks, *key)
    values = rng.uniform(-1.2, 1.2, shape)
    for _ in range(100):
        bad = np.zeros(np.shape(values), dtype=bool)
        for k in kinks:
            bad |= np.abs(values - k) < margin
        if not bad.any():
            return values
        values = np.where(bad, rng.uniform(-1.2, 1.2, shape), values)
    raise AssertionError("could not draw values away from the kinks")


def distinct(shape, *key):
    """All values different by at least 0.15 (no ties for max/min)."""
    n = int(np.prod(shape))
    rng = _rng("distinct", shape, *key)
    values = rng.permutation(n) * 0.25 - 0.125 * n + rng.uniform(-0.05, 0.05, n)
    return values.reshape(shape)


def interleaved(shape_x, shape_y, *key):
    """x on the grid k+0.25, y on k+0.75 (+-0.1): |x - y| >= 0.3 after broadcasting."""
    rng = _rng("interleaved", shape_x, shape_y, *key)
    x = rng.integers(-2, 2, shape_x) + 0.25 + rng.uniform(-0.1, 0.1, shape_x)
    y = rng.integers(-2, 2, shape_y) + 0.75 + rng.uniform(-0.1, 0.1, shape_y)
    return x, y


def nonzero(shape, *key):
    """Values with magnitude in [0.5, 1.5] and random sign (denominators)."""
    rng = _rng("nonzero", shape, *key)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape)


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 1), (1, 3)),
                 ((4, 2, 3), (3,)), ((3,), (4, 2, 3)), ((), (2, 3))]


def _unrolled(x, w):
    """A tanh recurrence over the steps x[t] of x (T, N, F): T slices of one tensor."""
    h = x[0].tanh()
    for t in range(1, x.shape[0]):
        h = (x[t] + h * w).tanh()
    return h


def _label(*shapes):
    return "_".join("x".join(map(str, s)) or "scalar" for s in shapes)


# ------------------------------------------------------------------ arithmetic
for sx, sy in BINARY_SHAPES:
    lab = _label(sx, sy)
    case("add", lab, lambda x, y: x + y, smooth(sx, 1), smooth(sy, 2))
    case("sub", lab, lambda x, y: x - y, smooth(sx, 1), smooth(sy, 2))
    case("mul", lab, lambda x, y: x * y, smooth(sx, 1), smooth(sy, 2))
    case("div", lab, lambda x, y: x / y, smooth(sx, 1), nonzero(sy, 2))
    case("pow", lab, lambda x, y: x ** y, positive(sx, 1), smooth(sy, 2))
    case("maximum", lab, mg.maximum, *interleaved(sx, sy))
    case("minimum", lab, mg.minimum, *interleaved(sx, sy))

case("add", "python_number_left", lambda x: 2.5 + x, smooth((2, 3), 3))
case("sub", "python_number_left", lambda x: 1 - x, smooth((2, 3), 3))
case("mul", "python_number_left", lambda x: 2 * x, smooth((2, 3), 3))
case("div", "python_number_left", lambda x: 2 / x, nonzero((2, 3), 3))
case("div", "python_number_right", lambda x: x / 4, smooth((2, 3), 3))
case("pow", "python_base", lambda x: 2 ** x, smooth((2, 3), 3))
case("pow", "only_exponent_requires_grad", lambda x, y: x ** y,
     positive((2, 3), 4), smooth((2, 3), 5), grad_mask=(False, True))
case("mul", "only_right_requires_grad", lambda x, y: x * y,
     smooth((2, 3), 4), smooth((3,), 5), grad_mask=(False, True))
case("div", "only_denominator_requires_grad", lambda x, y: x / y,
     smooth((2, 3), 4), nonzero((2, 3), 5), grad_mask=(False, True))

for shape in UNARY_SHAPES:
    lab = _label(shape)
    case("neg", lab, lambda x: -x, smooth(shape, 6))
    for exponent in (2, 3, 1, 0, -1):
        case("pow_const", f"{lab}_exp{exponent}", lambda x, e=exponent: x ** e,
             nonzero(shape, 7))
    for exponent in (0.5, 2.5, -1.5):
        case("pow_const", f"{lab}_exp{exponent}", lambda x, e=exponent: x ** e,
             positive(shape, 7))

# --------------------------------------------------------------------- unary
for shape in UNARY_SHAPES:
    lab = _label(shape)
    case("exp", lab, lambda x: x.exp(), smooth(shape, 8))
    case("log", lab, lambda x: x.log(), positive(shape, 8))
    case("sqrt", lab, lambda x: x.sqrt(), positive(shape, 8))
    case("tanh", lab, lambda x: x.tanh(), smooth(shape, 8))
    case("sin", lab, lambda x: x.sin(), smooth(shape, 8) * 2)
    case("cos", lab, lambda x: x.cos(), smooth(shape, 8) * 2)
    case("sigmoid", lab, lambda x: x.sigmoid(), smooth(shape, 8) * 2)
    case("softplus", lab, lambda x: x.softplus(), smooth(shape, 8) * 2)
    case("abs", lab, lambda x: x.abs(), avoiding(shape, (0.0,), 8))
    case("relu", lab, lambda x: x.relu(), avoiding(shape, (0.0,), 8))
    case("leaky_relu", lab, lambda x: x.leaky_relu(0.1), avoiding(shape, (0.0,), 8))
    case("clip", f"{lab}_both", lambda x: x.clip(-0.5, 0.5), avoiding(shape, (-0.5, 0.5), 8))
    case("clip", f"{lab}_min", lambda x: x.clip(min=-0.5), avoiding(shape, (-0.5,), 9))
    case("clip", f"{lab}_max", lambda x: x.clip(max=0.5), avoiding(shape, (0.5,), 9))
    case("cast", lab, lambda x: x.astype(np.float64) * x, smooth(shape, 8))
case("sin", "mg_sin_past_pi", lambda x: mg.sin(x), np.array([-4.0, -2.0, 0.0, 2.0, 4.0]))
case("cos", "mg_cos_past_pi", lambda x: mg.cos(x), np.array([-4.0, -2.0, 0.0, 2.0, 4.0]))
case("sin", "sin_of_cos", lambda x: x.cos().sin() * x, smooth((2, 3), 8))
case("sigmoid", "large_negative_and_positive",
     lambda x: x.sigmoid(), np.array([-30.0, -3.0, 3.0, 30.0]))
case("softplus", "large_negative_and_positive",
     lambda x: x.softplus(), np.array([-30.0, -3.0, 3.0, 30.0]))
case("softplus", "beta2", lambda x: x.softplus(beta=2.0), smooth((2, 3), 8))
case("softplus", "beta3_threshold1_both_sides", lambda x: x.softplus(beta=3, threshold=1.0),
     avoiding((2, 3), (1 / 3,), 8))
case("softplus", "F_softplus_past_threshold_20",
     lambda x: mg.nn.functional.softplus(x), np.array([-3.0, 0.5, 19.0, 21.0, 30.0]))

# clamp to tensor bounds (broadcast), 0.15 or more apart: x below low (low chosen), inside,
# above high (high chosen), and low > high on the second row (high chosen)
_X = np.array([[-1.7, -0.2, 0.1], [1.3, -0.8, 0.3]])
_LOW = np.array([-1.2, 0.3, -0.3])
_HIGH = np.array([[0.6], [-0.55]])
case("clamp", "both_broadcast", lambda x, lo, hi: x.clamp(lo, hi), _X, _LOW, _HIGH)
case("clamp", "min_only", lambda x, lo: x.clamp(min=lo), _X, _LOW)
case("clamp", "max_only", lambda x, hi: x.clip(max=hi), _X, _HIGH)
case("clamp", "crossed_bounds_number_max",
     lambda x, lo: mg.clamp(x, min=lo, max=-0.5), _X, np.array([-1.25, 0.75, 1.8]))
case("clamp", "only_bounds_require_grad", lambda x, lo, hi: x.clamp(lo, hi),
     _X, _LOW, _HIGH, grad_mask=(False, True, True))

# --------------------------------------------------------------------- shape
case("reshape", "2x3_to_3x2", lambda x: x.reshape(3, 2) * x.reshape(3, 2), smooth((2, 3), 10))
case("reshape", "6_to_2x3_minus1", lambda x: x.reshape(-1, 3), smooth((6,), 10))
case("reshape", "scalar_to_1x1", lambda x: x.reshape(1, 1), smooth((), 10))
case("reshape", "squeeze_unsqueeze", lambda x: x.unsqueeze(0).squeeze(2), smooth((2, 1, 3), 10))
case("permute", "3d", lambda x: x.permute(2, 0, 1), smooth((2, 3, 4), 11))
case("permute", "T", lambda x: x.T, smooth((2, 3), 11))
case("permute", "transpose_mT", lambda x: x.transpose(0, 2) + x.mT.transpose(0, 2),
     smooth((2, 3, 3), 11))
case("expand", "3_to_2x3", lambda x: x.expand(2, 3), smooth((3,), 12))
case("expand", "2x1_to_2x4", lambda x: x.expand(-1, 4), smooth((2, 1), 12))
case("expand", "scalar_to_2x2", lambda x: x.expand(2, 2), smooth((), 12))
case("clone", "matrix_fan_out", lambda x: x.clone() * x, smooth((2, 3), 8))
case("clone", "scalar", lambda x: x.clone() * 3.0, smooth((), 8))
case("expand", "1x3_to_4x2x3", lambda x: mg.broadcast_to(x, (4, 2, 3)), smooth((1, 3), 12))
case("sum_to", "4x2x3_to_3", lambda x: ops.sum_to(x, (3,)), smooth((4, 2, 3), 13))
case("sum_to", "4x2x3_to_2x1", lambda x: ops.sum_to(x, (2, 1)), smooth((4, 2, 3), 13))
case("sum_to", "2x3_to_scalar", lambda x: ops.sum_to(x, ()), smooth((2, 3), 13))

# ---------------------------------------------------------------- reductions
REDUCTION_AXES = [None, 0, -1, 1, (0, 2), (-1, 0, 1)]
for axis in REDUCTION_AXES:
    for keepdims in (False, True):
        lab = f"axis{axis}_keepdims{keepdims}".replace(" ", "")
        kw = dict(axis=axis, keepdims=keepdims)
        case("sum", lab, lambda x, kw=kw: x.sum(**kw), smooth((2, 3, 2), 14))
        case("mean", lab, lambda x, kw=kw: x.mean(**kw), smooth((2, 3, 2), 14))
        case("var", lab, lambda x, kw=kw: x.var(**kw), smooth((2, 3, 2), 14))
        case("amax", lab, lambda x, kw=kw: x.amax(**kw), distinct((2, 3, 2), 14))
        case("amin", lab, lambda x, kw=kw: x.amin(**kw), distinct((2, 3, 2), 14))
        if isinstance(axis, int):  # max(dim) / min(dim): one dim, (values, indices)
            case("max", lab, lambda x, kw=kw: x.max(**kw).values, distinct((2, 3, 2), 14))
            case("min", lab, lambda x, kw=kw: x.min(**kw).values, distinct((2, 3, 2), 14))
for name in ("sum", "mean", "amax", "amin"):
    case(name, "scalar", lambda x, n=name: getattr(x, n)(), distinct((), 15))
    case(name, "vector_dim_keepdim", lambda x, n=name: getattr(x, n)(dim=0, keepdim=True),
         distinct((3,), 15))
case("amax", "max_over_all", lambda x: x.max(), distinct((2, 3), 15))
case("amin", "min_over_all", lambda x: mg.min(x), distinct((2, 3), 15))
case("max", "positional_dim_keepdim", lambda x: x.max(1, True).values, distinct((2, 3), 15))
case("min", "mg_min_dim", lambda x: mg.min(x, dim=0).values, distinct((2, 3), 15))
case("maximum", "max_of_two_tensors", lambda x, y: x.max(y), *interleaved((2, 3), (3,)))
case("minimum", "min_of_two_tensors", lambda x, y: mg.min(x, y), *interleaved((2, 3), (2, 3)))
# a 0-d tensor reduces over dim 0 or -1, as in torch
for dim in (0, -1):
    for name in ("sum", "mean", "amax", "amin", "logsumexp"):
        case(name, f"0d_dim{dim}", lambda x, n=name, d=dim: getattr(x, n)(dim=d), smooth((), 15))
    case("max", f"0d_dim{dim}", lambda x, d=dim: x.max(dim=d).values, smooth((), 15))
    case("min", f"0d_dim{dim}", lambda x, d=dim: x.min(d, True).values, smooth((), 15))
    case("sum", f"0d_norm1_dim{dim}", lambda x, d=dim: x.norm(1, dim=d), smooth((), 15))
case("var", "correction0", lambda x: x.var(axis=1, correction=0), smooth((2, 3), 15))
case("var", "unbiased_false", lambda x: x.var(1, False), smooth((2, 3), 15))
case("var", "unbiased_true_keepdim", lambda x: x.var(0, True, True), smooth((3, 2), 15))
case("var", "std", lambda x: x.std(axis=0), smooth((3, 2), 15))
case("var", "std_unbiased_false", lambda x: x.std(dim=1, unbiased=False), smooth((3, 2), 15))
case("var", "vector", lambda x: x.var(), smooth((4,), 15))

# ------------------------------------------------------------------- indexing
X = smooth((4, 3, 2), 16)
INDICES = {
    "int": 1,
    "negative_int": -1,
    "slice": slice(1, 3),
    "step_slice": slice(None, None, 2),
    "negative_step": slice(None, None, -1),
    "int_and_slice": (2, slice(0, 2)),
    "none": (None, 1),
    "ellipsis": (Ellipsis, 1),
    "ellipsis_none": (1, Ellipsis, None),
    "int_array_repeated": np.array([0, 2, 0, 0]),
    "2d_int_array_repeated": np.array([[1, 1], [3, 1]]),
    "two_arrays_repeated_pairs": (np.array([0, 0, 3, 0]), np.array([1, 1, 2, 1])),
    "slice_and_array_repeated": (slice(None), np.array([2, 2, 0])),
    "list_repeated": [3, 3],
    "bool_mask_full": X > 0.1,
    "bool_mask_first_axis": np.array([True, False, True, True]),
    "bool_mask_and_int": (X[:, :, 0] > 0, 1),
    # ints select first, as in PyTorch: here numpy's x[1, :, [0, 0, 1]] is the transpose
    "int_slice_array_repeated": (1, slice(None), np.array([0, 0, 1])),
    "none_int_slice_array": (None, -1, slice(1, None), np.array([1, 1, 0])),
    "array_int_array_repeated": (np.array([0, 3, 0]), 2, np.array([1, 1, 1])),
}
for lab, index in INDICES.items():
    case("getitem", lab, lambda x, i=index: x[i], X)
case("getitem", "tensor_index_repeated", lambda x: x[mg.tensor([1, 1, 0])], X)
case("getitem", "split_int", lambda x: x.split(2, 1), smooth((2, 5), 17))
case("getitem", "split_sizes", lambda x: x.split([1, 3, 1], axis=1), smooth((2, 5), 17))
case("getitem", "chunk", lambda x: x.chunk(3), smooth((5, 2), 17))
case("getitem", "every_step_of_a_sequence",
     lambda x, w: _unrolled(x, w), smooth((4, 2, 3), 17), smooth((3,), 18))
case("scatter_add_many", "slices_and_repeated_rows",
     lambda a, b: ops.scatter_add_many(a, b, indexes=((slice(None), 1), np.array([0, 2, 0])),
                                       shape=(3, 2)),
     smooth((3,), 18), smooth((3, 2), 19))
case("scatter_add", "repeated",
     lambda g: ops.scatter_add(g, index=np.array([0, 2, 0, 0]), shape=(3, 2)),
     smooth((4, 2), 18))
case("scatter_add", "basic_index",
     lambda g: ops.scatter_add(g, index=(slice(None), 1), shape=(3, 2)), smooth((3,), 18))
case("scatter_add", "bool_mask",
     lambda g: ops.scatter_add(g, index=np.array([True, False, True]), shape=(3,)),
     smooth((2,), 18))

# -------------------------------------------------------------------- joining
case("concat", "axis0", lambda a, b: mg.concat([a, b]), smooth((2, 3), 19), smooth((1, 3), 20))
case("concat", "axis_minus1_three", lambda a, b, c: mg.concat([a, b, c], axis=-1),
     smooth((2, 1), 19), smooth((2, 3), 20), smooth((2, 2), 21))
case("concat", "dim1_one_constant", lambda a, b: mg.cat([a, b], dim=1),
     smooth((2, 2), 19), smooth((2, 3), 20), grad_mask=(False, True))
case("concat", "same_tensor_twice", lambda a: mg.concat([a, a * 2, a]), smooth((2,), 19))
case("stack", "axis0", lambda a, b: mg.stack([a, b]), smooth((2, 3), 22), smooth((2, 3), 23))
case("stack", "axis_minus1", lambda a, b, c: mg.stack([a, b, c], axis=-1),
     smooth((3,), 22), smooth((3,), 23), smooth((3,), 24))
case("stack", "scalars", lambda a, b: mg.stack([a, b]), smooth((), 22), smooth((), 23))
case("stack", "dim1_one_constant", lambda a, b: mg.stack([a, b], dim=1),
     smooth((2, 2), 22), smooth((2, 2), 23), grad_mask=(True, False))

# --------------------------------------------------------------------- matmul
MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)),
                 ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((1, 2, 3), (2, 3, 2))]
for sx, sy in MATMUL_SHAPES:
    case("matmul", _label(sx, sy), lambda a, b: a @ b, smooth(sx, 25), smooth(sy, 26))
case("matmul", "matrix_times_self_T", lambda a: a @ a.T, smooth((2, 3), 27))
case("matmul", "method_only_left", lambda a, b: a.matmul(b),
     smooth((2, 3), 25), smooth((3, 2), 26), grad_mask=(True, False))

# --------------------------------------------------------------- softmax family
for shape, axis in [((3,), -1), ((2, 3), -1), ((2, 3), 0), ((2, 3, 2), 1)]:
    lab = f"{_label(shape)}_axis{axis}"
    case("softmax", lab, lambda x, a=axis: x.softmax(a), smooth(shape, 28) * 2)
    case("log_softmax", lab, lambda x, a=axis: x.log_softmax(dim=a), smooth(shape, 28) * 2)
    case("logsumexp", lab, lambda x, a=axis: x.logsumexp(a), smooth(shape, 28) * 2)
case("logsumexp", "keepdims", lambda x: x.logsumexp(axis=1, keepdims=True), smooth((2, 3), 29))
case("logsumexp", "axis_none", lambda x: x.logsumexp(axis=None), smooth((2, 3), 29))
case("logsumexp", "axis_tuple", lambda x: x.logsumexp(axis=(0, 2)), smooth((2, 3, 2), 29))
case("softmax", "weighted", lambda x, w: (x.softmax(-1) * w).sum(),
     smooth((2, 3), 30), smooth((2, 3), 31))

# ---------------------------------------------------------------------- where
for sc, sx, sy in [((3,), (3,), (3,)), ((2, 1), (1, 3), (3,)), ((), (2, 3), ()),
                   ((4, 2, 3), (3,), (2, 1))]:
    cond = _rng("cond", sc).random(sc) > 0.5
    case("where", _label(sc, sx, sy), mg.where, cond, smooth(sx, 32), smooth(sy, 33))
case("where", "comparison_condition", lambda x, y: mg.where(x > y, x, y * 2),
     *interleaved((2, 3), (3,)))


# --------------------------------------------------------- fused recurrent layers
def _recurrent_layer_case(kind, label, T=3, N=2, F=2, H=2, proj=0, reverse=False,
                          lengths=None, nonlinearity="tanh"):
    """One layer-direction as the composite op `recurrent_layer` (models/fused.py),
    every weight and initial state an input: the fused VJP (gradcheck) and, under
    create_graph, the unrolled decomposition (gradgradcheck)."""
    import models
    from models.fused import layer_states
    options = {"nonlinearity": nonlinearity} if kind == "rnn" else \
        {"proj_size": proj} if kind == "lstm" else {}
    cell = models.cells.CELL_TYPES[kind](F, H, **options)
    G, H_out = cell.gates, proj or H
    names = ["x", "h0"] + (["c0"] if kind == "lstm" else []) + \
        ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] + (["weight_hr"] if proj else [])
    key = (kind, label)
    arrays = [smooth((T, N, F), *key, 0), smooth((N, H_out), *key, 1)] + \
        ([smooth((N, H), *key, 2)] if kind == "lstm" else []) + \
        [smooth((G * H, F), *key, 3), smooth((G * H, H_out), *key, 4),
         smooth((G * H,), *key, 5), smooth((G * H,), *key, 6)] + \
        ([smooth((proj, H), *key, 7)] if proj else [])
    mask = [True] * len(arrays)
    if lengths is not None:
        names.append("valid")
        arrays.append(np.arange(T)[:, None, None] < np.asarray(lengths)[None, :, None])
        mask.append(False)
    if kind == "rnn" and nonlinearity == "relu":   # keep the pre-activations off 0
        arrays[names.index("bias_ih")] = arrays[names.index("bias_ih")] + 2.0

    def fn(*tensors):
        return layer_states(*tensors, names=tuple(names), cell=cell, reverse=reverse,
                            layer=0, first_step=0)
    case("recurrent_layer", label, fn, *arrays, grad_mask=tuple(mask))


_recurrent_layer_case("lstm", "lstm")
_recurrent_layer_case("lstm", "lstm_projected_reverse_lengths", proj=1, reverse=True,
                      lengths=[3, 2])
_recurrent_layer_case("gru", "gru_lengths", lengths=[2, 3])
_recurrent_layer_case("rnn", "rnn_tanh_reverse", reverse=True)
_recurrent_layer_case("rnn", "rnn_relu", nonlinearity="relu")


def _ints(x):
    return x.astype(np.int64)


# Non-differentiable primitives: name -> (minigrad function, numpy reference).
NON_DIFFERENTIABLE = {
    "eq": (lambda x, y: x == y, np.equal),
    "ne": (lambda x, y: x != y, np.not_equal),
    "lt": (lambda x, y: x < y, np.less),
    "le": (lambda x, y: x <= y, np.less_equal),
    "gt": (lambda x, y: x > y, np.greater),
    "ge": (lambda x, y: x >= y, np.greater_equal),
    "logical_not": (lambda x, y: (x > y).logical_not(), lambda x, y: ~(x > y)),
    "logical_and": (lambda x, y: x.logical_and(y), np.logical_and),
    "logical_or": (lambda x, y: x.logical_or(y), np.logical_or),
    "bitwise_not": (lambda x, y: ~_ints(x) + ~(x > y), lambda x, y: ~_ints(x) + ~(x > y)),
    "bitwise_and": (lambda x, y: _ints(x) & _ints(y), lambda x, y: _ints(x) & _ints(y)),
    "bitwise_or": (lambda x, y: (_ints(x) | _ints(y)) + ((x > 0) | (y > 0)),
                   lambda x, y: (_ints(x) | _ints(y)) + ((x > 0) | (y > 0))),
    "bitwise_xor": (lambda x, y: _ints(x) ^ (y > 0), lambda x, y: _ints(x) ^ (y > 0)),
    "argmax": (lambda x, y: (x * y).argmax(axis=1), lambda x, y: np.argmax(x * y, axis=1)),
    "argmin": (lambda x, y: (x + y).argmin(dim=0, keepdim=True),
               lambda x, y: np.argmin(x + y, axis=0, keepdims=True)),
}
