"""`Tensor`: a numpy array plus, when it was made by a recorded op, its graph node.

A node records the primitive that made it, its inputs as an ordered tuple, the
op's static attributes, the name scope active at creation, and the user's
file:line. 0-d tensors are the scalar engine.
"""
import copy
import warnings
from itertools import count

import numpy as np

from .dtypes import resolve
from .state import PER_THREAD

# Every tensor gets the next number when it is made. An op's output is made after
# its inputs, so sorting nodes by this number is a topological order. (The nodes of a
# composite op's expansion, made later, are renumbered with floats between the op's
# number and the one before it: composite.py.)
_creation_counter = count()


class Tensor:
    """A multi-dimensional array that can record the ops applied to it.

    `data` is the underlying numpy array (note: a numpy array, not a Tensor).
    """

    __slots__ = ("data", "requires_grad", "_grad", "_prim", "_inputs", "_attrs",
                 "scope", "source", "_retains_grad", "_hooks", "_grad_of", "name", "role",
                 "_seq", "_skeleton", "__weakref__")
    is_parameter = False  # nn.Parameter says True
    __array_ufunc__ = None  # make numpy defer to our reflected operators

    def __init__(self, data, requires_grad=False, dtype=None):
        from .creation import to_array
        self.data = to_array(data, dtype)
        self._leaf_init(requires_grad)

    def _leaf_init(self, requires_grad):
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        self._grad = None
        self._prim = None
        self._inputs = ()
        self._attrs = None
        self.scope = PER_THREAD.state.scope
        self.source = None
        self._retains_grad = False
        self._hooks = None
        self._grad_of = None
        self.name = None
        self.role = None   # (kind, name) that a model declared, see roles.py
        self._seq = next(_creation_counter)
        self._skeleton = None  # what a freed graph keeps of this tensor (structure.py)

    @classmethod
    def _constant(cls, data):
        t = object.__new__(cls)
        t.data = data
        t.requires_grad = False
        t._grad = None
        t._prim = None
        t._inputs = ()
        t._attrs = None
        t.scope = ()
        t.source = None
        t._retains_grad = False
        t._hooks = None
        t._grad_of = None
        t.name = None
        t.role = None
        t._seq = next(_creation_counter)
        t._skeleton = None
        return t

    # ------------------------------------------------------------------ info
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self):
        return self._prim is None

    @property
    def op(self):
        """Name of the primitive that made this tensor, or None for a leaf."""
        return None if self._prim is None else self._prim.name

    @property
    def inputs(self):
        """The input tensors of this node, in argument order (empty for a leaf). After a
        backward freed the graph, the inputs' value-free skeletons (structure.py). A fused
        op (a recurrent layer) shows its unrolled graph (composite.py)."""
        from .structure import graph_inputs
        return graph_inputs(self)

    @property
    def attrs(self):
        return dict(self._attrs or {})

    @property
    def grad_fn(self):
        return self._prim

    @property
    def grad(self):
        """The gradient accumulated by backward: kept on leaves (and on non-leaves that
        called `retain_grad()`); reading it on any other non-leaf warns, as in PyTorch."""
        grad = self._grad
        if grad is None and self._prim is not None and not self._retains_grad:
            warnings.warn(
                f"the .grad of a non-leaf tensor (made by {self._prim.name}) is being read: "
                f"backward does not fill it in. Call .retain_grad() on the tensor before "
                f"backward to keep its gradient, or read the .grad of a leaf instead.",
                UserWarning, stacklevel=2)
        return grad

    @grad.setter
    def grad(self, value):
        self._grad = value

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return int(self.data.size)

    def dim(self):
        return self.data.ndim

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        """The sub-tensors x[0], x[1], ... along dim 0 (`for row in x`, `a, b = x`)."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def numpy(self):
        """The data as a numpy array (shared with the tensor, not copied)."""
        return np.asarray(self.data)

    def __array__(self, dtype=None, copy=None):
        """np.asarray(x): the data, shared unless `copy` or another `dtype` asks for a copy."""
        return np.array(self.data, dtype=dtype, copy=copy)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a "
                             f"Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self.data)

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", precision=4,
                               prefix="tensor(", threshold=60)
        extras = []
        if self.data.dtype != _default_dtype() and self.data.dtype.kind == "f" or \
                self.data.dtype.kind not in "f":
            extras.append(f"dtype={self.data.dtype}")
        if self._prim is not None:
            extras.append(f"op={self._prim.name}")
            if self.scope:
                extras.append(f"scope={'/'.join(self.scope)}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    # ------------------------------------------------------------- autograd
    def detach(self):
        """A new leaf sharing this tensor's data, outside any graph."""
        return Tensor._constant(self.data)

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf "
                               "tensors; use .detach() on a non-leaf")
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating point tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: tensor does not require grad")
        self._retains_grad = True
        return self

    def register_hook(self, fn):
        """Call `fn(grad)` when this tensor's gradient is computed; a non-None result replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _HookHandle(self, fn)

    def backward(self, gradient=None, retain_graph=False, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad."""
        from .autograd import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs)

    # ------------------------------------------------------------ operators
    # Each is one recorded op (minigrad/ops/): a number or an array operand becomes a
    # constant input; `x + 1` and `1 + x` alike.
    def __add__(self, other):
        return _apply(_ops.add, (self, other), _NO_ATTRS)

    def __radd__(self, other):
        return _apply(_ops.add, (other, self), _NO_ATTRS)

    def __sub__(self, other):
        return _apply(_ops.sub, (self, other), _NO_ATTRS)

    def __rsub__(self, other):
        return _apply(_ops.sub, (other, self), _NO_ATTRS)

    def __mul__(self, other):
        return _apply(_ops.mul, (self, other), _NO_ATTRS)

    def __rmul__(self, other):
        return _apply(_ops.mul, (other, self), _NO_ATTRS)

    def __truediv__(self, other):
        return _apply(_ops.div, (self, other), _NO_ATTRS)

    def __rtruediv__(self, other):
        return _apply(_ops.div, (other, self), _NO_ATTRS)

    def __pow__(self, exponent):
        """x ** 2 (a number: op pow_const) or x ** y (a tensor: op pow)."""
        return _methods._pow(self, exponent)

    def __rpow__(self, base):
        return _apply(_ops.pow, (base, self), _NO_ATTRS)

    def __matmul__(self, other):
        return _apply(_ops.matmul, (self, other), _NO_ATTRS)

    def __rmatmul__(self, other):
        return _apply(_ops.matmul, (other, self), _NO_ATTRS)

    def __neg__(self):
        return _apply(_ops.neg, (self,), _NO_ATTRS)

    def __pos__(self):
        return self

    def __abs__(self):
        return _apply(_ops.abs, (self,), _NO_ATTRS)

    def __getitem__(self, index):
        """x[index]: numpy's basic and advanced indexing; the gradient scatters back."""
        return _methods._getitem(self, index)

    # comparisons and bitwise / logical ops: values only, no gradient
    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    def bitwise_not(self):
        return _ops.bitwise_not(self)

    def bitwise_and(self, other):
        return _ops.bitwise_and(self, other)

    def bitwise_or(self, other):
        return _ops.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return _ops.bitwise_xor(self, other)

    def logical_not(self):
        return _ops.logical_not(self)

    def logical_and(self, other):
        return _ops.logical_and(self, other)

    def logical_or(self, other):
        return _ops.logical_or(self, other)

    # ------------------------------------------------------- named arithmetic
    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    neg = __neg__
    pow = __pow__
    matmul = __matmul__

    def maximum(self, other):
        return _ops.maximum(self, other)

    def minimum(self, other):
        return _ops.minimum(self, other)

    # ------------------------------------------------------ elementwise math
    def exp(self):
        return _apply(_ops.exp, (self,), _NO_ATTRS)

    def log(self):
        return _apply(_ops.log, (self,), _NO_ATTRS)

    def sqrt(self):
        return _apply(_ops.sqrt, (self,), _NO_ATTRS)

    abs = __abs__

    def sin(self):
        return _apply(_ops.sin, (self,), _NO_ATTRS)

    def cos(self):
        return _apply(_ops.cos, (self,), _NO_ATTRS)

    def tanh(self):
        return _apply(_ops.tanh, (self,), _NO_ATTRS)

    def sigmoid(self):
        return _apply(_ops.sigmoid, (self,), _NO_ATTRS)

    def relu(self):
        return _apply(_ops.relu, (self,), _NO_ATTRS)

    def leaky_relu(self, negative_slope=0.01):
        return _ops.leaky_relu(self, negative_slope=negative_slope)

    def softplus(self, beta=1, threshold=None):
        """log(1 + e^(beta x)) / beta, or x where beta x > threshold. No threshold by
        default (exact for all x; F.softplus uses PyTorch's threshold=20)."""
        return _methods._softplus(self, beta, threshold)

    def clip(self, min=None, max=None):
        """Limit x to [min, max]; a bound may be a number or a Tensor (broadcast with x),
        whose gradient is where the bound is the value chosen."""
        return _methods._clip(self, min, max)

    clamp = clip

    # ------------------------------------------------------------ reductions
    # dim / keepdim as in torch, axis / keepdims as in numpy; dim=None: all of x
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return _methods._sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return _methods._mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """x.max() (ties share the gradient), x.max(dim, keepdim) -> (values, indices)
        (the gradient goes to the index returned), x.max(other) (elementwise)."""
        return _methods._max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """As max."""
        return _methods._min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return _methods._amax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def amin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return _methods._amin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
            keepdims=None):
        """sum((x - mean)^2) over dim divided by N - correction; correction defaults to
        1 if unbiased else 0, as torch."""
        return _methods._var(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                             keepdims=keepdims)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
            keepdims=None):
        """The square root of x.var(...), same arguments."""
        return _methods._std(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                             keepdims=keepdims)

    def norm(self, p=2, dim=None, keepdim=False):
        """The vector p-norm over dim (all elements by default), p in 1, 2, inf, "fro"."""
        return _methods._norm(self, p, dim, keepdim)

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return _methods._argmax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return _methods._argmin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def softmax(self, axis=-1, *, dim=None):
        return _methods._softmax(self, axis, dim=dim)

    def log_softmax(self, axis=-1, *, dim=None):
        return _methods._log_softmax(self, axis, dim=dim)

    def logsumexp(self, axis=-1, keepdims=False, *, dim=None, keepdim=None):
        return _methods._logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape):
        """x.reshape(2, 3) or x.reshape((2, 3)); one size may be -1."""
        return _methods._reshape(self, *shape)

    view = reshape

    def permute(self, *dims):
        return _methods._permute(self, *dims)

    def transpose(self, dim0=-2, dim1=-1):
        return _methods._transpose(self, dim0, dim1)

    def t(self):
        """The transpose of a matrix (vectors and scalars unchanged), as in PyTorch."""
        return _methods._t(self)

    @property
    def T(self):
        """The dims reversed (a matrix transposed); vectors and scalars unchanged."""
        return _methods._T(self)

    @property
    def mT(self):
        """The last two dims swapped."""
        return _methods._mT(self)

    def expand(self, *sizes):
        """Broadcast to `sizes` (-1 keeps a dim's size); the gradient is summed back."""
        return _methods._expand(self, *sizes)

    broadcast_to = expand

    def squeeze(self, dim=None):
        return _methods._squeeze(self, dim)

    def unsqueeze(self, dim):
        return _methods._unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return _methods._flatten(self, start_dim, end_dim)

    def split(self, split_size_or_sections, axis=0, *, dim=None):
        return _ops.split(self, split_size_or_sections, axis, dim=dim)

    def chunk(self, chunks, axis=0, *, dim=None):
        return _ops.chunk(self, chunks, axis, dim=dim)

    def masked_fill(self, mask, value):
        """`value` where `mask` is True, x elsewhere; the result keeps x's dtype."""
        return _methods._masked_fill(self, mask, value)

    # -------------------------------------------------------- in-place updates
    # x -= y under no_grad, x.add_(y), x.zero_(), x[i] = v: the rules are in inplace.py
    def add_(self, other, *, alpha=None):
        return _inplace.add_(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=None):
        return _inplace.sub_(self, other, alpha=alpha)

    def mul_(self, other):
        return _inplace.mul_(self, other)

    def div_(self, other):
        return _inplace.div_(self, other)

    def clamp_(self, min=None, max=None):
        return _inplace.clamp_(self, min, max)

    def copy_(self, src):
        return _inplace.copy_(self, src)

    def fill_(self, value):
        return _inplace.fill_(self, value)

    def zero_(self):
        return _inplace.zero_(self)

    def __setitem__(self, index, value):
        _inplace.setitem(self, index, value)

    def __iadd__(self, other):
        return _inplace.iadd(self, other)

    def __isub__(self, other):
        return _inplace.isub(self, other)

    def __imul__(self, other):
        return _inplace.imul(self, other)

    def __itruediv__(self, other):
        return _inplace.itruediv(self, other)

    # ---------------------------------------------------------- conversions
    device = "cpu"  # minigrad computes on the CPU, with numpy

    def astype(self, dtype):
        return _ops.cast(self, dtype=resolve(dtype, "astype"))

    def to(self, *args, dtype=None, device=None):
        """x.to(dtype), x.to("cpu"), x.to("cpu", dtype): as in PyTorch, CPU only."""
        for arg in args:
            if isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps"):
                device = arg
            else:
                dtype = arg
        if device is not None and str(device).split(":")[0] != "cpu":
            raise ValueError(f"to: minigrad runs on the CPU only, got device {device!r}")
        return self if dtype is None else self.astype(dtype)

    def type(self, dtype=None):
        """The dtype's name with no argument, else a copy converted to `dtype`."""
        return str(self.data.dtype) if dtype is None else self.astype(dtype)

    def clone(self):
        """A copy that stays in the graph (the gradient flows back unchanged)."""
        return _ops.clone(self)

    def __copy__(self):
        """copy.copy: a new leaf sharing this tensor's data, with its requires_grad and
        name but no .grad and no graph, as in PyTorch."""
        return self._leaf_copy(self.data)

    def __deepcopy__(self, memo):
        """copy.deepcopy of a leaf, as in PyTorch: the data copied, requires_grad and
        name kept, .grad deep-copied. A .grad from backward(create_graph=True) has a
        graph behind it: its values are copied, detached. A non-leaf is refused, since
        copying it would mean copying the whole graph behind it."""
        if self._prim is not None:
            raise RuntimeError(
                f"deepcopy: only leaf tensors (created by the user, not by an op) support "
                f"deepcopy, and this one was made by {self._prim.name}; use "
                f".detach().clone() to copy its values without the graph")
        new = self._leaf_copy(copy.deepcopy(self.data, memo))
        memo[id(self)] = new
        grad = self._grad
        if isinstance(grad, Tensor) and grad._prim is not None:
            grad = grad.detach()
        new._grad = copy.deepcopy(grad, memo)
        if hasattr(self, "__dict__"):       # a subclass without __slots__
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def _leaf_copy(self, data):
        """A new leaf of this tensor's class holding `data`, with the same requires_grad,
        name, scope and source; no .grad, hooks or graph."""
        new = type(self)._constant(data)
        new.requires_grad = self.requires_grad
        new.name, new.scope, new.source = self.name, self.scope, self.source
        return new

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def long(self):
        return self.astype(np.int64)

    def int(self):
        return self.astype(np.int32)

    def bool(self):
        return self.astype(np.bool_)


class _HookHandle:
    def __init__(self, tensor, fn):
        self._tensor, self._fn = tensor, fn

    def remove(self):
        hooks = self._tensor._hooks
        if hooks and self._fn in hooks:
            hooks.remove(self._fn)


def _default_dtype():
    from .dtypes import get_default_dtype
    return get_default_dtype()


# What the methods call, imported once Tensor exists (each of these modules uses it).
# ops registers the primitives; the method bodies look these names up when called.
from . import inplace as _inplace  # noqa: E402
from . import ops as _ops  # noqa: E402
from .ops import tensor_methods as _methods  # noqa: E402
from .registry import NO_ATTRS as _NO_ATTRS, apply as _apply  # noqa: E402
