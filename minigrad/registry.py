"""The one registry of primitives, and `apply`, the hot path every op goes through.

A primitive is a numpy forward and a vector-Jacobian product written in minigrad
ops, declared side by side:

    @primitive("tanh")
    def tanh(x):
        return np.tanh(x)

    @tanh.defvjp
    def tanh_vjp(g, out, x):
        return (g * (1 - out * out),)

`forward(*arrays, **attrs)` gets numpy arrays; `vjp(g, out, *inputs, **attrs)` gets
Tensors (the output gradient, the output node, the input nodes) and returns one
gradient per input, or None where an input gets none. Gradients may have the
broadcast shape: the engine reduces them to each input's shape in one place.
"""
from types import MethodType

import numpy as np

from .dtypes import get_default_dtype
from .errors import AnomalyError, op_error
from .source import format_location, user_location
from .state import STATE

PRIMITIVES = {}


class Primitive:
    """A registered op: name, numpy forward, VJP, and an optional error explainer."""

    __slots__ = ("name", "forward", "vjp", "vjp_into", "vjp_gather", "explain",
                 "differentiable")

    def __init__(self, name, forward, differentiable=True):
        self.name = name
        self.forward = forward
        self.vjp = None
        self.vjp_into = None
        self.vjp_gather = None
        self.explain = None
        self.differentiable = differentiable

    def defvjp(self, fn):
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


def wants(position):
    """Inside a VJP: does the engine need the gradient of input `position`?

    VJPs use it to skip costly work (a matmul) for inputs that need no gradient.
    The engine sets `STATE.wants` to the node's inputs: each is wanted when it
    requires grad (the engine puts a stand-in for the ones it does not ask for).
    """
    return STATE.wants[position].requires_grad


def value(x):
    """The numpy value of `x`, whether a VJP got a Tensor (create_graph) or an array."""
    return x.data if isinstance(x, Tensor) else x


def primitive(name, differentiable=True):
    """Decorator: register a numpy forward under `name`; add its VJP with `.defvjp`."""
    def register(forward):
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is already registered")
        prim = Primitive(name, forward, differentiable)
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
    for a in args:
        if isinstance(a, Tensor):
            if a.requires_grad:
                needs_grad = True
            arrays.append(a.data)
        else:
            all_tensors = False
            if isinstance(a, np.number):
                a = a.item()  # numpy scalars mix in like Python numbers, as in PyTorch
            arrays.append(a)  # Python numbers go to numpy as weak scalars
    try:
        data = prim.forward(*arrays, **attrs) if attrs else prim.forward(*arrays)
    except (ValueError, IndexError, TypeError) as exc:
        detail = prim.explain(*arrays, **attrs) if prim.explain is not None else None
        raise op_error(prim.name, arrays, detail or str(exc)) from exc
    if not all_tensors and data.dtype is _FLOAT64:
        data = _python_float_promotion(arrays, data)
    state = STATE
    if state.anomaly:
        _check_finite_forward(prim, arrays, data)
    if needs_grad and state.grad_enabled and prim.differentiable:
        inputs = args if all_tensors else _with_constant_inputs(args, data)
        # the user's line: set by Module.__call__ inside minigrad's modules, else the
        # first frame outside minigrad above apply's caller (see source.py)
        source = state.user_site or user_location(3)
        return _new_node(data, prim, inputs, attrs or NO_ATTRS, state.scope, source,
                         state.backward_of)
    return Tensor._constant(data)


_FLOAT64 = np.dtype(np.float64)
# shared by every node without attributes (never mutated): one dict fewer per node
NO_ATTRS = {}


def _python_float_promotion(arrays, data):
    """An integer tensor mixed with a Python float gives the default dtype, as in PyTorch
    (numpy would give float64)."""
    default = get_default_dtype()
    if default is _FLOAT64 or float not in map(type, arrays):
        return data
    if any(getattr(a, "dtype", None) is not None and a.dtype.kind in "fc" for a in arrays):
        return data  # a float tensor decided the dtype already
    return data.astype(default)


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
    if data.dtype.kind in "fc" and not np.isfinite(data).all():
        location = user_location(3)
        raise AnomalyError(
            f"detect_anomaly: forward of {prim.name} produced "
            f"{'NaN' if np.isnan(data).any() else 'inf'}\n"
            f"  input shapes: {', '.join(str(a.shape) for a in arrays)}\n"
            f"  created at {format_location(location)}")


from .tensor import Tensor  # noqa: E402  (Tensor's methods call back into this module)

_new_node = Tensor._node  # bound once: apply runs for every op
