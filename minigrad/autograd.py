"""Reverse-mode differentiation: `backward` and `grad`.

The backward pass, step by step:
1. Walk the graph from the outputs (iteratively, never recursively) and list the
   nodes that require grad in topological order (inputs before the ops using them).
2. Seed the outputs' gradients, then visit the nodes from the outputs down. A
   node's gradient is complete when it is visited, because every op that used it
   came later in the order and has already contributed.
3. At a node: run its hooks, keep its gradient if it is a leaf (accumulated into
   `.grad`) or retains grad, then call its primitive's VJP and add each input's
   share (reduced to the input's shape) to that input's pending gradient. The
   pending entry of the node is dropped once used, so memory stays bounded.
4. Unless `retain_graph`, every visited op node releases its inputs, which frees
   the saved arrays; a second backward through it is an error. The node keeps a
   value-free skeleton of its inputs (structure.py), so the graph can still be drawn.

VJPs are minigrad ops. Without `create_graph` they run under no_grad and build
nothing; with it, the gradients are graph nodes that can be differentiated again.
"""
from heapq import heapify, heappop, heappush
from operator import attrgetter
from types import SimpleNamespace

import numpy as np

from .anomaly import anomaly_in, describe_anomaly
from .composite import expand_all
from .errors import AnomalyError, GraphFreedError
from .ops.shape import sum_to
from .ops.unary import cast
from .registry import wants
from .source import format_location
from .state import PER_THREAD
from .structure import FREED, free
from .tensor import Tensor


def topological_order(roots):
    """Nodes reachable from `roots` that require grad, each after all of its inputs.

    A plain stack walk finds them; sorting by creation number orders them, since
    every op's output was made after its inputs.
    """
    found = [r for r in roots if r.requires_grad]
    seen = {id(r) for r in found}
    stack = list(found)
    while stack:
        node = stack.pop()
        for child in _inputs_of(node):
            if child.requires_grad and id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
                found.append(child)
    found.sort(key=_creation_number)
    return found


_creation_number = attrgetter("_seq")


def _inputs_of(node):
    inputs = node._inputs
    if inputs is None or node._skeleton is FREED:
        raise GraphFreedError(
            f"backward through the graph a second time: the graph of {node._prim.name} "
            f"(created at {format_location(node.source)}) was freed by an earlier backward. "
            f"Pass retain_graph=True to the first backward if you need to go through it twice.")
    return inputs


def _seed(output, gradient):
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for outputs with one element; "
                f"this output has shape {output.shape}. Pass `gradient=` (a tensor of that shape).")
        return Tensor._constant(np.ones(output.shape, dtype=output.data.dtype)[()])
    if not isinstance(gradient, Tensor):
        gradient = Tensor._constant(np.asarray(gradient, dtype=output.data.dtype))
    if gradient.shape != output.shape:
        raise ValueError(f"backward: gradient has shape {gradient.shape} but the output has "
                         f"shape {output.shape}")
    return gradient


def run_backward(outputs, seeds, retain_graph, create_graph, capture=None,
                 accumulate=True):
    """The engine. Returns {creation number: grad Tensor} for the tensors in `capture`.

    `capture` is None or a set of creation numbers (`tensor._seq`). With
    `create_graph` the gradients are Tensors and VJPs record a graph. Without it
    they are plain numpy arrays: the same VJP code then runs at numpy speed,
    because a primitive called on arrays just computes (see `Primitive.__call__`).

    Order: the nodes waiting for their VJP sit in a heap keyed by creation number,
    and the newest is visited first. Every op that uses a node was created after
    it, so by then all of them have been visited and its gradient is complete.
    Nodes enter the heap when their first gradient arrives, so the walk finds the
    graph and orders it in one pass. Leaves have no VJP to run: they wait outside
    the heap (which stays small) and are visited last.
    """
    as_graph = bool(create_graph)
    if as_graph or PER_THREAD.state.observer is not None or PER_THREAD.state.anomaly:
        # whoever watches or differentiates the gradients sees the unrolled graph
        expand_all(outputs)
    needed = _nodes_leading_to(topological_order(outputs), capture) \
        if capture is not None else None
    pending = {}  # creation number -> gradient so far
    waiting = {}  # creation number -> the tensor whose gradient that is
    heap = []     # negated creation numbers of the tensors in `waiting` (ints compare fast)
    # keys whose pending gradient is an array this pass allocated itself, so it can
    # take further contributions in place (arrays from VJPs may alias others)
    owned = set()
    # slices add their gradient into their source's array in place (vjp_into); an
    # observer then sees the slice's gradient for that edge (the same norm as the
    # full-size scatter), which it must accept (`takes_slice_gradients`). Anomaly
    # mode needs no check there: the slice's gradient was checked where it was made.
    fast_in_place = not as_graph and (
        PER_THREAD.state.observer is None
        or getattr(PER_THREAD.state.observer, "takes_slice_gradients", False))
    for out, seed in zip(outputs, seeds):
        _deliver(pending, waiting, heap, owned, out, seed if as_graph else seed.data)
    # under create_graph, nodes whose VJP can be gathered (slices) leave their
    # gradient here per input: {creation number: {primitive: [(g, attrs), ...]}}
    gathered = {}
    gather_slices = as_graph and PER_THREAD.state.observer is None
    captured = {}
    # (tensor, gradient) for the .grad fields, filled in only once the whole pass
    # has succeeded: a failing backward (a freed graph, a hook raising) changes none
    finished = []
    state = PER_THREAD.state
    saved = state.grad_enabled, state.backward_of, state.wants
    state.grad_enabled = as_graph
    observer = state.observer
    # nothing to watch, capture or check: the loop skips those tests
    plain = needed is None and capture is None and observer is None and not state.anomaly
    try:
        if plain and not as_graph:
            # the common case has a loop of its own; it visits every node, so the
            # general loop below then finds nothing left to do
            _numeric_pass(heap, waiting, pending, owned, retain_graph, accumulate, finished,
                          state)
        pop = pending.pop
        while heap or waiting:
            if not heap:  # only leaves wait now, with their gradients complete
                heap = [-key for key in waiting]
                heapify(heap)
            key = -heappop(heap)
            node = waiting.pop(key)
            g = pop(key)
            if gathered and key in gathered:
                for gathering, parts in gathered.pop(key).items():
                    total = gathering.vjp_gather(parts, node)
                    g = total if g is None else g + total
            if node._hooks:
                g = _run_hooks(node, g, as_graph)
            if not plain:
                if needed is not None and key not in needed:
                    continue
                if observer is not None:
                    observer.on_node(node, _as_tensor(g))
                if capture is not None and key in capture:
                    captured[key] = _as_tensor(g)
            prim = node._prim
            if prim is None:
                if accumulate:
                    finished.append((node, g, key in owned and not node._hooks))
                continue
            if node._retains_grad and accumulate:
                # accumulates, as PyTorch's retain_grad (the VJP below may pass g on)
                finished.append((node, g, False))
            inputs = node._inputs
            if inputs is None or node._skeleton is FREED:
                _inputs_of(node)  # raises: freed by an earlier backward
            state.wants = inputs  # wants(i) reads inputs[i].requires_grad
            if needed is not None:
                state.wants = [inp if inp._seq in needed else _NOT_WANTED for inp in inputs]
                if not any(inp.requires_grad for inp in state.wants):
                    continue  # a captured node with nothing asked below: run and free nothing
            if prim.vjp_gather is not None and gather_slices:
                # e.g. x[t] under create_graph: keep (g, attrs); x's node gets one op
                # summing all of them when it is visited
                if wants(0):
                    inp = inputs[0]
                    gathered.setdefault(inp._seq, {}).setdefault(prim, []).append(
                        (g, node._attrs))
                    _wait_for(pending, waiting, heap, inp)
                if not retain_graph:
                    free(node)
                continue
            if prim.vjp_into is not None and fast_in_place:
                # e.g. x[index]: add g into x's pending array in place instead of
                # scattering it into zeros of x's shape (T slices of one tensor stay O(T))
                if wants(0):
                    if observer is not None:
                        observer.on_edge(node, 0, inputs[0], _as_tensor(g))
                    buffer = _owned_pending(pending, waiting, heap, owned, inputs[0])
                    prim.vjp_into(buffer, g, **node._attrs)
                if not retain_graph:
                    free(node)
                continue
            attrs = node._attrs
            if as_graph:
                state.backward_of = node
                grads = prim.vjp(g, node, *inputs, **attrs)
            elif attrs or len(inputs) != 2:
                grads = prim.vjp(g, node.data, *[inp.data for inp in inputs], **attrs)
            else:  # most ops: spelled out, as a comprehension and ** cost more
                grads = prim.vjp(g, node.data, inputs[0].data, inputs[1].data)
            if not plain and state.anomaly:
                _check_finite_backward(node, grads)
            position = -1
            for inp, ig in zip(inputs, grads):
                position += 1
                if ig is None or not inp.requires_grad:
                    continue
                if not plain:
                    if needed is not None and inp._seq not in needed:
                        continue
                data = inp.data
                if ig.shape != data.shape:
                    ig = sum_to(ig, data.shape)
                if as_graph or ig.__class__ is np.ndarray:
                    if ig.dtype is not data.dtype and ig.dtype != data.dtype:
                        ig = cast(ig, dtype=data.dtype)
                elif ig.__class__ is not data.__class__:
                    # a numpy scalar: its class tells its dtype, and is cheaper to get
                    ig = cast(ig, dtype=data.dtype)
                if observer is not None:
                    observer.on_edge(node, position, inp, _as_tensor(ig))
                _deliver(pending, waiting, heap, owned, inp, ig)
            if not retain_graph:
                free(node)
    finally:
        state.grad_enabled, state.backward_of, state.wants = saved
    for tensor, g, g_is_owned in finished:
        _accumulate_grad(tensor, g, as_graph, g_is_owned)
    return captured


def _numeric_pass(heap, waiting, pending, owned, retain_graph, accumulate, finished, state):
    """run_backward's loop for the common case: gradients as numpy values, and nobody
    watching (no observer, capture or anomaly check)."""
    pop, get = pending.pop, pending.get
    ndarray = np.ndarray
    while heap:
        key = -heappop(heap)
        node = waiting.pop(key)
        g = pop(key)
        if node._hooks:
            g = _run_hooks(node, g, False)
        if node._retains_grad and accumulate:
            finished.append((node, g, False))
        inputs = node._inputs
        if inputs is None or node._skeleton is FREED:
            _inputs_of(node)  # raises: freed by an earlier backward
        prim = node._prim
        state.wants = inputs
        if prim.vjp_into is not None:
            if inputs[0].requires_grad:
                buffer = _owned_pending(pending, waiting, heap, owned, inputs[0])
                prim.vjp_into(buffer, g, **node._attrs)
        else:
            attrs = node._attrs
            if attrs or len(inputs) != 2:
                grads = prim.vjp(g, node.data, *[inp.data for inp in inputs], **attrs)
            else:
                grads = prim.vjp(g, node.data, inputs[0].data, inputs[1].data)
            for inp, ig in zip(inputs, grads):
                if ig is None or not inp.requires_grad:
                    continue
                data = inp.data
                kind = ig.__class__
                if kind is not data.__class__ or kind is ndarray and (
                        ig.shape != data.shape or ig.dtype is not data.dtype):
                    ig = _conform(ig, data)
                # _deliver(pending, waiting, heap, owned, inp, ig), spelled out
                key = inp._seq
                previous = get(key)
                if previous is None:
                    pending[key] = ig
                    waiting[key] = inp
                    if inp._prim is not None:
                        heappush(heap, -key)
                elif key in owned:
                    np.add(previous, ig, out=previous)
                else:
                    total = previous + ig
                    pending[key] = total
                    if total.__class__ is ndarray:
                        owned.add(key)
        if not retain_graph:
            # free(node), spelled out for the common case of a 0-d graph (the scalar
            # engine): inputs that are numpy scalars are kept as they are
            if node._skeleton is None:
                for inp in inputs:
                    if inp.data.__class__ is ndarray:
                        free(node)
                        break
                else:
                    node._skeleton = FREED
            else:
                free(node)
    for key in sorted(waiting, reverse=True):  # the leaves, their gradients complete
        node = waiting.pop(key)
        g = pop(key)
        if node._hooks:
            g = _run_hooks(node, g, False)
        if accumulate:
            finished.append((node, g, key in owned and not node._hooks))


def _conform(g, data):
    """g reduced to data's shape and cast to its dtype."""
    if g.shape != data.shape:
        g = sum_to(g, data.shape)
    if g.dtype != data.dtype:
        g = cast(g, dtype=data.dtype)
    return g


def _start_waiting(waiting, heap, tensor):
    """Enter tensor among those to visit: in the heap, or, for a leaf (no VJP to run),
    among the leaves visited last."""
    waiting[tensor._seq] = tensor
    if tensor._prim is not None:
        heappush(heap, -tensor._seq)


def _wait_for(pending, waiting, heap, tensor):
    """Make sure tensor will be visited, with no dense gradient yet if it has none."""
    if tensor._seq not in waiting:
        pending[tensor._seq] = None
        _start_waiting(waiting, heap, tensor)


# stands for an input in `PER_THREAD.state.wants` whose gradient nobody asked for
_NOT_WANTED = SimpleNamespace(requires_grad=False)


def _deliver(pending, waiting, heap, owned, tensor, g):
    """Add g to tensor's pending gradient; its first gradient enters it among the
    tensors to visit. A sum of arrays is a fresh array, owned by the pass: later
    contributions go into it in place."""
    key = tensor._seq
    previous = pending.get(key)
    if previous is None:
        pending[key] = g
        if key not in waiting:  # (a slice's source may wait already: _wait_for)
            _start_waiting(waiting, heap, tensor)
    elif key in owned:
        np.add(previous, g, out=previous)
    else:
        total = previous + g
        pending[key] = total
        if total.__class__ is np.ndarray:
            owned.add(key)


def _owned_pending(pending, waiting, heap, owned, inp):
    """inp's pending gradient as an array this pass owns (allocated once, then reused)."""
    key = inp._seq
    buffer = pending.get(key)
    if buffer is None or key not in owned:
        fresh = np.zeros(inp.data.shape, dtype=inp.data.dtype)
        if buffer is None:
            _start_waiting(waiting, heap, inp)
        else:
            fresh += buffer
        buffer = pending[key] = fresh
        owned.add(key)
    return buffer


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor._constant(np.asarray(g))


def _run_hooks(node, g, as_graph):
    g = _as_tensor(g)
    for hook in node._hooks:
        replaced = hook(g)
        if replaced is not None:
            g = replaced if isinstance(replaced, Tensor) else Tensor._constant(np.asarray(replaced))
    return g if as_graph else g.data


def _nodes_leading_to(order, targets):
    """Creation numbers of the nodes from which some target is reachable (order has
    inputs first)."""
    needed = set()
    for node in order:
        if node._seq in targets or any(i._seq in needed for i in node._inputs or ()):
            needed.add(node._seq)
    return needed


def _accumulate_grad(leaf, g, as_graph, g_is_owned=False):
    """Add g to leaf.grad (or a retained non-leaf's). Arrays are copied (one gradient
    array may feed several tensors) unless the pass allocated g for this tensor."""
    if as_graph:
        leaf._grad = g if leaf._grad is None else leaf._grad + g
    elif leaf._grad is None:
        if (g_is_owned or isinstance(g, np.generic)) and g.dtype == leaf.data.dtype:
            # numpy scalars are immutable, and an owned array has no other reference
            leaf._grad = Tensor._constant(g)
        else:
            leaf._grad = Tensor._constant(np.array(g, dtype=leaf.data.dtype, copy=True))
    else:
        leaf._grad = Tensor._constant(leaf._grad.data + g)


def _check_finite_backward(node, grads):
    for position, ig in enumerate(grads):
        if ig is None:
            continue
        found = anomaly_in(ig.data if isinstance(ig, Tensor) else ig)
        if found is not None:
            shapes = ", ".join(str(i.shape) for i in node._inputs)
            raise AnomalyError(
                f"detect_anomaly: backward of {node._prim.name} produced "
                f"{describe_anomaly(found)} in the gradient of input {position}\n"
                f"  input shapes: {shapes}\n"
                f"  created at {format_location(node.source)}")


def backward(output, gradient=None, retain_graph=False, create_graph=False, inputs=None):
    """Accumulate d(output)/d(leaf) into `.grad` of the leaves (or only of `inputs`)."""
    if not output.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no graph "
                           "(was it computed under no_grad, or from tensors without "
                           "requires_grad=True?)")
    seed = _seed(output, gradient)
    if inputs is None:
        run_backward([output], [seed], retain_graph or create_graph, create_graph)
        return
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    captured = run_backward([output], [seed], retain_graph or create_graph, create_graph,
                            capture={t._seq for t in inputs}, accumulate=False)
    for t in inputs:
        if t._seq in captured:
            g = captured[t._seq]
            _accumulate_grad(t, g if create_graph else g.data, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, returned as a tuple of Tensors.

    Does not touch any `.grad`. `retain_graph` defaults to `create_graph`.
    """
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"grad: output {i} (shape {out.shape}) does not require grad")
    seeds = [_seed(o, g) for o, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(outputs, seeds, retain_graph, create_graph,
                            capture={t._seq for t in inputs}, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(t._seq)
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the "
                               f"outputs; pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)
