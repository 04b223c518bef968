"""In-place updates of a tensor's values: `x -= y`, `x.add_(y)`, `x.zero_()`, `x[i] = v`.

minigrad records no in-place op in a graph. Where PyTorch would record one, `x += y`
computes `x + y` out of place instead (Python rebinds `x` to it: same values and
gradients, but other references to the old `x` keep the old values), and the explicit
methods (`x.add_(y)`, `x[i] = v`) raise. Otherwise the rules are PyTorch's:
- a leaf that requires grad is updated in place only under `no_grad()`, as a
  hand-written optimizer step does (`with mg.no_grad(): p -= lr * p.grad`); with grad
  enabled it is an error, as in PyTorch;
- a tensor made by a recorded op keeps its values: its graph needs them for backward;
- a tensor that requires no grad (data, a `.grad`) is updated freely. PyTorch would
  also catch such a tensor being changed after a recorded op read it and before
  backward; minigrad does not: backward then sees the new values.

The result keeps the tensor's shape and dtype: `other` broadcasts to the tensor's
shape, and a float result is not written into an integer tensor (as in PyTorch).
"""
import operator

import numpy as np

from .creation import as_tensor_data
from .errors import ShapeError, ShapeIndexError, op_error
from .state import PER_THREAD
from .tensor import Tensor


def _array(value):
    """A Tensor's data, or the value itself (a number or an array)."""
    return value.data if isinstance(value, Tensor) else value


def check_inplace(tensor, op, other=None):
    """Raise unless `op` may change `tensor`'s values in place (see the module doc)."""
    if tensor._prim is not None and tensor.requires_grad:
        raise RuntimeError(
            f"{op}: in-place update of a tensor made by {tensor._prim.name}: its graph needs "
            f"its values for backward, and minigrad records no in-place op. Write "
            f"`x = x + y` (out of place) instead.")
    if not PER_THREAD.state.grad_enabled:
        return
    if tensor.requires_grad:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad is used in an in-place operation. "
            f"Update it under `with mg.no_grad():` (as an optimizer step does), or write "
            f"`x = x + y` to make a new tensor.")
    if isinstance(other, Tensor) and other.requires_grad:
        raise RuntimeError(
            f"{op}: the update reads a tensor that requires grad, so its result would need "
            f"a gradient, and minigrad records no in-place op. Write `x = x + y` (out of "
            f"place), or build the tensor with mg.stack, mg.concat or mg.where.")


def _write(tensor, op, compute, other=None):
    """Store `compute(current array)` into `tensor` in place, with its shape and dtype.

    `compute(array, out)` runs a numpy ufunc with `out=` for an array, and returns the
    result for a 0-d tensor (a numpy scalar, immutable: its data is replaced).
    """
    check_inplace(tensor, op, other)
    data = tensor.data
    try:
        if isinstance(data, np.ndarray):
            compute(data, data)
            return tensor
        result = np.asarray(compute(np.asarray(data), None))
    except (ValueError, IndexError) as exc:
        raise op_error(op, [data], _shape_detail(str(exc)), cls=ShapeError) from exc
    except TypeError as exc:  # numpy's UFuncTypeError: a cast same_kind forbids
        raise TypeError(f"{op}: {exc} (in-place results keep the tensor's dtype "
                        f"{data.dtype})") from exc
    if result.shape != ():
        raise op_error(op, [data, result], f"the result has shape {result.shape}, but "
                       f"the tensor updated in place has shape ()")
    if not np.can_cast(result.dtype, data.dtype, "same_kind"):
        raise TypeError(f"{op}: result type {result.dtype} can't be cast to the tensor's "
                        f"dtype {data.dtype}")
    tensor.data = as_tensor_data(result.astype(data.dtype))
    return tensor


def _shape_detail(message):
    return f"{message} (an in-place result must keep the tensor's shape)"


def _binary(op, ufunc, alpha=False):
    """An in-place `x op other` method; with `alpha`, it takes torch's `alpha=` (other
    is scaled by it first, as in add_ and sub_)."""
    def update(self, other, scale):
        value = _array(other)
        if scale is not None:
            value = np.multiply(value, scale)
        return _write(self, op, lambda a, out: ufunc(a, value, out=out, casting="same_kind"),
                      other)

    if alpha:
        def method(self, other, *, alpha=None):
            return update(self, other, alpha)
    else:
        def method(self, other):
            return update(self, other, None)
    method.__name__, method.__qualname__ = op, f"Tensor.{op}"
    return method


add_ = _binary("add_", np.add, alpha=True)
sub_ = _binary("sub_", np.subtract, alpha=True)
mul_ = _binary("mul_", np.multiply)
div_ = _binary("div_", np.divide)


def clamp_(self, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clamp_: at least one of min and max must be given")
    low, high = _array(min), _array(max)
    return _write(self, "clamp_", lambda a, out: np.clip(a, low, high, out=out,
                                                         casting="same_kind"))


def copy_(self, src):
    """Copy src's values into self (broadcast to self's shape, cast to its dtype)."""
    value = _array(src)

    def copy(a, out):
        values = np.broadcast_to(np.asarray(value), a.shape)
        if out is None:
            return values.astype(a.dtype)
        np.copyto(out, values, casting="unsafe")
    return _write(self, "copy_", copy, src)


def fill_(self, value):
    return copy_(self, value)


def zero_(self):
    return copy_(self, 0)


def setitem(self, index, value):
    """x[index] = value, as PyTorch (the same rules as the other in-place updates)."""
    if isinstance(index, tuple):
        index = tuple(_array(i) for i in index)
    else:
        index = _array(index)
    check_inplace(self, "setitem", value)
    value = _array(value)
    data = self.data
    target = data if isinstance(data, np.ndarray) else np.array(data)
    try:
        target[index] = value
    except IndexError as exc:
        raise op_error("setitem", [data], str(exc), cls=ShapeIndexError) from exc
    except ValueError as exc:
        raise op_error("setitem", [data, np.asarray(value)], str(exc)) from exc
    if target is not data:
        self.data = as_tensor_data(target)


def _augmented(method, out_of_place):
    """`x op= y`: in place where that needs no recording, else `x op y` (see the module
    doc); Python rebinds x to what this returns."""
    def augmented(self, other):
        made_by_op = self.requires_grad and self._prim is not None
        trained_leaf = self.requires_grad and self._prim is None
        reads_grad = isinstance(other, Tensor) and other.requires_grad
        if made_by_op or (PER_THREAD.state.grad_enabled and reads_grad and not trained_leaf):
            return out_of_place(self, other)  # where PyTorch would record `x op= y`
        return method(self, other)  # in place (refuses a trained leaf with grad enabled)
    augmented.__name__ = f"__i{method.__name__.rstrip('_')}__"
    return augmented


# the augmented assignments (Tensor.__iadd__, ...)
iadd = _augmented(add_, operator.add)
isub = _augmented(sub_, operator.sub)
imul = _augmented(mul_, operator.mul)
itruediv = _augmented(div_, operator.truediv)
