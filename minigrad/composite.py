"""Composite ops: fast when nobody looks, their full graph wherever anyone looks.

A composite is a primitive with two implementations of one function:

- a fused numpy forward and VJP, recorded as ONE node (a whole recurrent layer over a
  sequence: one op instead of a dozen per time step), and
- a decomposition into ordinary minigrad ops (the unroll loop over the cell), which
  computes the same value and is the graph the op stands for.

    @composite("lstm_layer")
    def lstm_layer(x, h0, c0, w_ih, ..., save, reverse=False):   # numpy arrays
        return states, saved            # the value, and what the VJP needs (if save)
    @lstm_layer.defvjp
    def lstm_layer_vjp(g, out, wanted, x, h0, ..., saved, reverse=False):
        return dx, dh0, ...            # numpy, one per input (None where not wanted)
    @lstm_layer.defdecomposition
    def lstm_layer_unrolled(x, h0, c0, w_ih, ..., reverse=False):   # Tensors
        return ...                     # minigrad ops: the same value, as a graph

A plain forward and backward run fused. Whatever needs the graph gets the
decomposition, transparently, by `expand(node)`: the node is unfolded in place into its
decomposition replayed on its own inputs, so it becomes the top op of that graph (its
value stays the fused one), and every consumer, hook and analysis sees the unrolled
graph. `graph_inputs` (graph capture, rendering, path analysis) expands every composite
it meets; a backward with create_graph, an observer or anomaly mode expands the graph
first (autograd.py). Under `unrolled()` (and in anomaly mode) a composite runs its
decomposition from the start.

Ordering: backward visits nodes by creation number, each after all its consumers. The
nodes of an expansion are made later than the node's consumers, so they are renumbered
into the gap below the node: consecutive floats between the node's (integer) number n
and n - 1, which every input of the node precedes. There are at least 2**19 of them while
fewer than 2**33 tensors have been made (`_renumber` refuses a larger expansion; under
`unrolled()` the graph is built op by op and needs none). A decomposition runs with
composites unrolled, so expansions do not nest.
"""
import math
import threading

import numpy as np

from .errors import MinigradError
from .registry import PRIMITIVES, Primitive, apply
from .state import PER_THREAD
from .structure import FREED, Skeleton, kept, skeleton_of
from .tensor import Tensor, _creation_counter

_saved = threading.local()   # the saved arrays of the composite forward that just ran


class Composite(Primitive):
    """A registered op with a fused forward/VJP and a decomposition (module docstring)."""

    __slots__ = ("decompose", "fused_forward")

    def __init__(self, name, fused_forward):
        super().__init__(name, self._forward, explicit_dtype=True)
        self.fused_forward = fused_forward
        self.decompose = None

    def defdecomposition(self, fn):
        """`fn(*tensors, **attrs) -> Tensor`: the same value, in minigrad ops."""
        self.decompose = fn
        return fn

    def _forward(self, *arrays, **attrs):
        data, saved = self.fused_forward(*arrays, save=_saved.wanted, **attrs)
        _saved.value = saved
        return data

    def __call__(self, *args, **attrs):
        state = PER_THREAD.state
        if not state.fused or state.anomaly:
            return self.decompose(*args, **attrs)   # the unrolled graph, op by op
        _saved.value = None
        _saved.wanted = state.grad_enabled and any(
            isinstance(a, Tensor) and a.requires_grad for a in args)
        out = apply(self, args, attrs)
        saved, _saved.value = _saved.value, None
        if out._prim is self:   # recorded: the VJP gets the saved arrays
            out._attrs = dict(attrs, saved=saved)
        return out


def composite(name):
    """Decorator: register a composite op under `name` from its fused forward
    `fn(*arrays, save, **attrs) -> (value, saved)` (`save` is False when no gradient
    will be asked for: saved may then be None); add `.defvjp` and `.defdecomposition`.

    The VJP has every primitive's signature (registry.py), with the saved arrays
    among the attributes: `vjp(g, out, wanted, *arrays, saved, **attrs)`, numpy
    values only (whatever differentiates the gradients gets the decomposition), and
    `wanted[i]` says whether input i needs a gradient (None for the others)."""
    def register(fused_forward):
        if name in PRIMITIVES:
            raise ValueError(f"primitive {name!r} is already registered")
        prim = PRIMITIVES[name] = Composite(name, fused_forward)
        return prim
    return register


class unrolled:
    """Context (and decorator) in which composite ops run their decomposition: every
    recurrent layer op by op, as the unroll loop writes it. For teaching and for tests:
    the numbers are the same as fused (up to rounding), the speed is not."""

    def __init__(self, enabled=True):
        self.enabled = bool(enabled)

    def __enter__(self):
        state = PER_THREAD.state
        self._previous = state.fused
        state.fused = not self.enabled
        return self

    def __exit__(self, *exc):
        PER_THREAD.state.fused = self._previous
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with unrolled(self.enabled):
                return fn(*args, **kwargs)
        return wrapper


def is_unrolled():
    """True inside `unrolled()`: composite ops run op by op."""
    return not PER_THREAD.state.fused


def is_composite(node):
    return node._prim is not None and node._prim.decompose is not None


def _static(attrs):
    return {k: v for k, v in (attrs or {}).items() if k != "saved"}


def _replay(node, inputs):
    """Run node's decomposition on `inputs` as the node's forward would have: in its
    scope and source line, recording, composites unrolled, no anomaly checks. Returns
    (top tensor, creation number before the replay)."""
    state = PER_THREAD.state
    saved = (state.scope, state.user_site, state.grad_enabled, state.fused, state.anomaly,
             state.backward_of)
    state.scope, state.user_site = node.scope, node.source
    state.grad_enabled, state.fused, state.anomaly, state.backward_of = True, False, False, None
    try:
        start = next(_creation_counter)
        top = node._prim.decompose(*inputs, **_static(node._attrs))
    finally:
        (state.scope, state.user_site, state.grad_enabled, state.fused, state.anomaly,
         state.backward_of) = saved
    if not isinstance(top, Tensor) or top._prim is None or top._seq <= start:
        raise MinigradError(f"the decomposition of {node._prim.name} must return a new "
                            f"op's result (a Tensor made by minigrad ops)")
    return top, start


def _made_since(top, start):
    """The nodes behind `top` made after creation number `start`, oldest first."""
    found, stack, seen = [], [top], {id(top)}
    while stack:
        tensor = stack.pop()
        found.append(tensor)
        for child in tensor._inputs:
            if child._seq > start and id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    found.sort(key=lambda t: t._seq)
    return found


def _renumber(made, node):
    """Give `made` (oldest first) creation numbers between node's and the integer before
    it, in order: consecutive floats, so that each is distinct and exact."""
    below = node._seq
    number = float(below - 1)
    if number != below - 1:
        raise MinigradError(f"expanding {node._prim.name}: creation number {below} is too "
                            f"large to renumber below (run the model under mg.unrolled())")
    for tensor in made:
        number = math.nextafter(number, math.inf)
        if not number < below:
            raise MinigradError(
                f"expanding {node._prim.name}: its decomposition has {len(made)} nodes, more "
                f"than fit between creation numbers {below - 1} and {below}; run the model "
                f"under mg.unrolled() to build its graph op by op")
        tensor._seq = number


def expand(node):
    """Unfold the composite `node` (a Tensor, alive or freed, or a Skeleton) into its
    decomposition, in place; returns node. Anything else is returned as it is."""
    if not is_composite(node):
        return node
    if isinstance(node, Tensor) and node._inputs is not None and node._skeleton is not FREED:
        _expand_alive(node)
    else:
        _expand_structure(node)
    return node


def _expand_alive(node):
    top, start = _replay(node, node._inputs)
    _renumber(_made_since(top, start)[:-1], node)   # top itself is dropped
    node._prim, node._inputs, node._attrs = top._prim, top._inputs, top._attrs
    node.scope = top.scope   # the top op's own (it may add scopes to the node's)
    if node.role is None:
        node.role = top.role


def _expand_structure(node):
    """A freed composite (or its Skeleton): replay the decomposition on zeros of its
    inputs' shapes, then keep only the structure of what it made, tied to the skeletons
    of the real inputs."""
    if isinstance(node, Skeleton):
        holder = node
    elif node._skeleton is FREED:
        holder = None
    else:
        holder = node._skeleton
    kept_inputs = node._inputs if holder is None else holder._inputs
    if kept_inputs is None:
        return   # nothing known below this node
    stand_ins = [i if isinstance(i, Tensor) else
                 Tensor(np.zeros(i.shape, dtype=i.dtype), requires_grad=i.requires_grad)
                 for i in kept_inputs]
    top, start = _replay(node, stand_ins)
    real = {id(s): k for s, k in zip(stand_ins, kept_inputs)}
    for stand_in, known in zip(stand_ins, kept_inputs):
        if known.role is None:   # a role the decomposition gives its inputs (h0, c0)
            known.role = stand_in.role
    made = _made_since(top, start)
    for tensor in made:
        skeleton_of(tensor)
    for tensor in made:
        tensor._skeleton._inputs = tuple(
            real[id(i)] if id(i) in real else
            i._skeleton if i._seq > start else kept(i) for i in tensor._inputs)
    structure = top._skeleton._inputs
    node._prim, node._attrs, node.scope = top._prim, top._attrs, top.scope
    if holder is None:
        node._inputs = structure
    else:
        holder._inputs = structure
        holder._prim, holder._attrs, holder.scope = top._prim, top._attrs, top.scope


def expand_all(roots):
    """Expand every composite op in the live graph behind `roots` (an iterative walk);
    afterwards the graph is the unrolled graph, node for node."""
    stack = [r for r in roots if isinstance(r, Tensor)]
    seen = {id(r) for r in stack}
    while stack:
        node = stack.pop()
        if node._inputs is None or node._skeleton is FREED:
            continue   # freed: nothing to run, graph_inputs expands its structure
        if is_composite(node):
            _expand_alive(node)
        for child in node._inputs:
            if id(child) not in seen and child._prim is not None and isinstance(child, Tensor):
                seen.add(id(child))
                stack.append(child)
