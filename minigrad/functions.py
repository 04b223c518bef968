"""Module-level functions mirroring the Tensor methods (mg.exp(x), mg.concat([...]), ...)."""
from . import ops
from .tensor import Tensor
from .ops.joining import checked_tensors
from .registry import as_tensor_like


def _wrap(method_name):
    method = getattr(Tensor, method_name)

    def fn(x, *args, **kwargs):
        return method(as_tensor_like(x, ()), *args, **kwargs)
    fn.__name__ = method_name
    return fn


for _name in ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu",
              "leaky_relu", "softplus", "clip", "clamp", "sum", "mean", "var", "std", "max", "min",
              "amax", "amin", "argmax", "argmin", "softmax", "log_softmax", "logsumexp",
              "reshape", "permute", "transpose", "squeeze", "unsqueeze", "split", "chunk",
              "matmul", "flatten"):
    globals()[_name] = _wrap(_name)

maximum = ops.maximum
minimum = ops.minimum
where = ops.where


def broadcast_to(x, shape):
    return as_tensor_like(x, ()).expand(tuple(shape))


def concat(tensors, axis=0, *, dim=None):
    """Join tensors along an existing axis."""
    axis = axis if dim is None else dim
    return ops.concat(*checked_tensors("concat", tensors, axis), axis=axis)


cat = concat


def stack(tensors, axis=0, *, dim=None):
    """Join tensors along a new axis."""
    axis = axis if dim is None else dim
    return ops.stack(*checked_tensors("stack", tensors, axis, new_axis=True), axis=axis)
