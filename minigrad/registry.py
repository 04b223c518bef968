"""The one registry of primitives, and `apply`, the hot path every op goes through.

A primitive is a numpy forward and a vector-Jacobian product written in minigrad
ops, declared side by side:

    @primitive("hypot")
    def hypot(x, y):                        # sqrt(x**2 + y**2), not one of ours
        return np.hypot(x, y)

    @hypot.defvjp
    def hypot_vjp(g, out, wanted, x, y):
        return (g * x / out if wanted[0] else None), (g * y / out if wanted[1] else None)

`forward(*arrays, **attrs)` gets numpy arrays. Every VJP has one signature,

    vjp(g, out, wanted, *inputs, **attrs) -> one gradient per input

g is the output's gradient, out the output, and inputs the op's inputs: numpy values,
or Tensors under create_graph (the same code serves both). `wanted` is a tuple of
bools, one per input: wanted[i] says whether input i needs a gradient (it requires
grad and, in `mg.grad`, leads to an input asked for), as autograd's argnums and
PyTorch's ctx.needs_input_grad. A VJP returns None for every input not wanted, and
so spends no work on it (ops/arithmetic.py). Derivatives that are functions of the
output reuse `out` (hypot here, tanh, exp). Gradients may have the broadcast shape: the engine
reduces them to each input's shape in one place (autograd.py).
"""
from inspect import signature
from types import MethodType

import numpy as np

from .anomaly import anomaly_in, describe_anomaly
from .dtypes import get_default_dtype
from .errors import AnomalyError, ShapeError, ShapeIndexError, describe_shapes, op_error
from .source import format_location, user_location
from .state import PER_THREAD

PRIMITIVES = {}


class Primitive:
    """A registered op: name, numpy forward, VJP, and an optional error explainer."""

    __slots__ = ("name", "forward", "vjp", "vjp_into", "vjp_gather", "explain",
                 "differentiable", "explicit_dtype")
    decompose = None  # a Composite's decomposition into minigrad ops (composite.py)

    def __init__(self, name, forward, differentiable=True, explicit_dtype=False):
        self.name = name
        self.forward = forward
        self.vjp = None
        self.vjp_into = None
        self.vjp_gather = None
        self.explain = None
        self.differentiable = differentiable
        # True when the op is told its result dtype (cast): promotion rules stay out
        self.explicit_dtype = explicit_dtype

    def defvjp(self, fn):
        """`fn(g, out, wanted, *inputs, **attrs)`: the signature of the module docstring.
        A VJP of the older form `fn(g, out, *inputs)` would take its first input for
        `wanted`, so it is refused here, naming the primitive."""
        parameters = list(signature(fn).parameters)
        if parameters[2:3] != ["wanted"]:
            raise TypeError(
                f"defvjp of primitive {self.name!r}: the VJP must take "
                f"(g, out, wanted, *inputs, **attrs), wanted (a tuple of bools) third; "
                f"{getattr(fn, '__qualname__', fn)} takes ({', '.join(parameters)})")
        self.vjp = fn
        return fn

    def defvjp_into(self, fn):
        """Optional: `fn(buffer, g, **attrs)` adds input 0's gradient into `buffer` in place.

        For ops whose VJP is mostly zeros (a slice of a big tensor): the engine uses
        it, when it builds no graph, instead of allocating a full-size gradient.
        """
        self.vjp_into = fn
        return fn

    def defvjp_gather(self, fn):
        """Optional: `fn(parts, x) -> gradient of x` for several nodes of this op on one
        input x, each part a (g, attrs) pair, summed in ONE op.

        With create_graph the engine uses it in place of one full-size VJP per node
        (T slices x[t] of a sequence give one scatter of T pieces, not T scatters
        into zeros of x's shape added up).
        """
        self.vjp_gather = fn
        return fn

    def defexplain(self, fn):
        """`fn(*arrays, **attrs) -> str` explains a failed forward better than numpy."""
        self.explain = fn
        return fn

    def __call__(self, *args, **attrs):
        for a in args:
            if isinstance(a, Tensor):
                return apply(self, args, attrs)
        # no Tensor among the arguments: a VJP running on plain arrays (backward
        # without create_graph), so compute numerically and build nothing
        return self.forward(*args, **attrs)

    def __get__(self, obj, objtype=None):
        # bound as a method when stored on Tensor: x.tanh() == tanh(x)
        return self if obj is None else MethodType(self, obj)

    def __repr__(self):
        return f"<primitive {self.name}>"


def value(x):
    """The numpy value of `x`, whether a VJP got a Tensor (create_graph) or an array."""
    return x.data if isinstance(x, Tensor) else x


def primitive(name, differentiable=True, explicit_dtype=False):
    """Decorator: register a numpy forward under `name`; add its VJP with `.defvjp`."""
    def register(forward):
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is already registered")
        prim = Primitive(name, forward, differentiable, explicit_dtype)
        PRIMITIVES[name] = prim
        return prim
    return register


def _float_dtype_for(value, tensors):
    for t in tensors:
        if isinstance(t, Tensor) and t.data.dtype.kind in "fc":
            return t.data.dtype
    return get_default_dtype()


def as_tensor_like(value, tensors):
    """Wrap a Python number or array as a constant Tensor, keeping the others' dtype."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        if isinstance(value, float) or any(
                isinstance(t, Tensor) and t.data.dtype.kind == "f" for t in tensors):
            return Tensor._constant(np.asarray(value, dtype=_float_dtype_for(value, tensors)))
        return Tensor._constant(np.asarray(value))
    array = np.asarray(value)
    if array.dtype == np.float64 and not isinstance(value, np.ndarray):
        array = array.astype(_float_dtype_for(value, tensors))
    return Tensor._constant(array)


def apply(prim, args, attrs):
    """Run `prim` forward on `args` and, when recording, make the output a graph node."""
    needs_grad = False
    all_tensors = True
    arrays = []
    kind = None  # the tensors' dtype key (see _NDARRAY) while they share one, else _MIXED
    for a in args:
        if isinstance(a, Tensor):
            if a.requires_grad:
                needs_grad = True
            array = a.data
            key = array.__class__
            if key is _NDARRAY:
                key = array.dtype.type
            if key is not kind:
                kind = key if kind is None else _MIXED
            arrays.append(array)
        else:
            all_tensors = False
            if isinstance(a, np.number):
                a = a.item()  # numpy scalars mix in like Python numbers, as in PyTorch
            arrays.append(a)  # Python numbers go to numpy as weak scalars
    try:
        data = prim.forward(*arrays, **attrs) if attrs else prim.forward(*arrays)
    except (ValueError, IndexError, TypeError) as exc:
        raise _forward_error(prim, args, arrays, attrs, exc) from exc
    key = data.__class__
    if key is _NDARRAY:
        key = data.dtype.type
    if key is not kind and not prim.explicit_dtype:
        # mixed dtypes, or a float made from integers: numpy's answer may differ
        data = _torch_promotion(args, data)
    state = PER_THREAD.state
    if state.anomaly:
        _check_finite_forward(prim, arrays, data)
    if needs_grad and state.grad_enabled and prim.differentiable:
        inputs = args if all_tensors else _with_constant_inputs(args, data)
        # the new node; its fields as in Tensor._constant (spelled out here, where
        # every recorded op passes)
        node = _new(Tensor)
        node.data = data
        node.requires_grad = True
        node._grad = None
        node._prim = prim
        node._inputs = inputs
        node._attrs = attrs or NO_ATTRS
        node.scope = state.scope
        # the user's line: set by Module.__call__ inside minigrad's modules, else the
        # first frame outside minigrad above apply's caller (see source.py)
        node.source = state.user_site or user_location(3)
        node._retains_grad = False
        node._hooks = None
        node._grad_of = state.backward_of
        node.name = None
        node.role = None
        node._seq = _next_number()
        node._skeleton = None
        return node
    return Tensor._constant(data)


def _forward_error(prim, args, arrays, attrs, exc):
    """The error for a forward that raised `exc`, naming the op, the operands' shapes and
    the user's line. An operand that is not a number, an array or a Tensor (None, a str)
    gives a TypeError naming the types; an IndexError stays one (ShapeIndexError)."""
    if not all(_is_numeric(a) for a in arrays):
        types = " and ".join(f"'{type(a).__name__}'" for a in args)
        return op_error(prim.name, arrays, f"unsupported operand type(s): {types}; expected "
                        f"Tensors, numbers or numeric arrays", cls=TypeError)
    detail = prim.explain(*arrays, **attrs) if prim.explain is not None else None
    return op_error(prim.name, arrays, detail or str(exc),
                    cls=ShapeIndexError if isinstance(exc, IndexError) else ShapeError)


def _is_numeric(operand):
    if isinstance(operand, (bool, int, float, complex)):
        return True
    try:
        return np.asarray(operand).dtype.kind in "biufc"
    except (ValueError, TypeError):
        return False


_MIXED = object()  # stands for "the tensors have more than one dtype" in apply
# apply compares arrays' dtypes by their scalar type: a numpy scalar's class (cheaper
# to get than `.dtype`, which the scalar engine would pay on every op), an ndarray's
# dtype.type (np.float64 for both a float64 array and a float64 scalar)
_NDARRAY = np.ndarray
# shared by every node without attributes (never mutated): one dict fewer per node
NO_ATTRS = {}


def _torch_promotion(args, data):
    """The result of a floating op in PyTorch's dtype, where numpy's differs.

    PyTorch ranks the operands: tensors with dimensions, then 0-d tensors, then
    Python numbers. The float dtype comes from the first rank holding a float;
    when only a Python number (or no operand) is a float, it is the default
    dtype. So float32 + int64 stays float32, float32 * a 0-d float64 tensor stays
    float32, and int / int or exp(int) give the default dtype (numpy: float64).
    Integer and bool results keep numpy's dtype.
    """
    if data.dtype.kind != "f":
        return data
    wanted = None
    for rank in (_has_dims, _is_0d):
        floats = [a.data.dtype for a in args
                  if isinstance(a, Tensor) and rank(a) and a.data.dtype.kind == "f"]
        if floats:
            wanted = np.result_type(*floats)
            break
    if wanted is None:
        wanted = get_default_dtype()
    return data if data.dtype == wanted else data.astype(wanted)


def _has_dims(tensor):
    return tensor.data.ndim > 0


def _is_0d(tensor):
    return tensor.data.ndim == 0


def _with_constant_inputs(args, result):
    """The inputs of a recorded op, non-Tensor arguments made constant input nodes.

    A Python number becomes a 0-d constant of the result's dtype when that is floating.
    """
    floating = result.dtype.kind == "f"
    inputs = []
    for a in args:
        if not isinstance(a, Tensor):
            if floating and isinstance(a, (float, int)) and not isinstance(a, bool):
                a = Tensor._constant(result.dtype.type(a))
            else:
                a = Tensor._constant(np.asarray(a))
        inputs.append(a)
    return tuple(inputs)


def _check_finite_forward(prim, arrays, data):
    found = anomaly_in(data)
    if found is not None:
        location = user_location(3)
        raise AnomalyError(
            f"detect_anomaly: forward of {prim.name} produced {describe_anomaly(found)}\n"
            f"  input shapes: {describe_shapes(arrays)}\n"
            f"  created at {format_location(location)}")


from .tensor import Tensor, _creation_counter  # noqa: E402  (Tensor's methods call back here)

_new = object.__new__
_next_number = _creation_counter.__next__
