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

from .errors import AnomalyError, op_error
from .source import format_location, user_location
from .state import STATE

PRIMITIVES = {}


class Primitive:
    """A registered op: name, numpy forward, VJP, and an optional error explainer."""

    __slots__ = ("name", "forward", "vjp", "explain", "differentiable")

    def __init__(self, name, forward, differentiable=True):
        self.name = name
        self.forward = forward
        self.vjp = None
        self.explain = None
        self.differentiable = differentiable

    def defvjp(self, fn):
        self.vjp = fn
        return fn

    def defexplain(self, fn):
        """`fn(*arrays, **attrs) -> str` explains a failed forward better than numpy."""
        self.explain = fn
        return fn

    def __call__(self, *args, **attrs):
        return apply(self, args, attrs)

    def __get__(self, obj, objtype=None):
        # bound as a method when stored on Tensor: x.tanh() == tanh(x)
        return self if obj is None else MethodType(self, obj)

    def __repr__(self):
        return f"<primitive {self.name}>"


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
    from .dtypes import get_default_dtype
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
    inputs = []
    needs_grad = False
    for a in args:
        if not isinstance(a, Tensor):
            a = as_tensor_like(a, args)
        elif a.requires_grad:
            needs_grad = True
        inputs.append(a)
    arrays = [t.data for t in inputs]
    try:
        data = prim.forward(*arrays, **attrs)
    except (ValueError, IndexError, TypeError) as exc:
        detail = prim.explain(*arrays, **attrs) if prim.explain is not None else None
        raise op_error(prim.name, arrays, detail or str(exc)) from exc
    state = STATE
    if state.anomaly:
        _check_finite_forward(prim, arrays, data)
    if needs_grad and state.grad_enabled and prim.differentiable:
        return Tensor._node(data, prim, tuple(inputs), attrs, state.scope,
                            user_location(2), state.backward_of)
    return Tensor._constant(data)


def _check_finite_forward(prim, arrays, data):
    if data.dtype.kind in "fc" and not np.isfinite(data).all():
        location = user_location(3)
        raise AnomalyError(
            f"detect_anomaly: forward of {prim.name} produced "
            f"{'NaN' if np.isnan(data).any() else 'inf'}\n"
            f"  input shapes: {', '.join(str(a.shape) for a in arrays)}\n"
            f"  created at {format_location(location)}")


from .tensor import Tensor  # noqa: E402  (Tensor's methods call back into this module)
