"""Reverse-mode differentiation: `backward` and `grad`.

The backward pass (`run_backward`), step by step:
1. Seed: each output gets its gradient (1 for a scalar loss) as its pending gradient.
2. Visit the tensors that have a pending gradient, newest first. Every op that used a
   tensor was created after it, so when a tensor is visited, every consumer has already
   passed its share back: its gradient is complete. The order needs no sort of the
   graph: a heap of creation numbers holds the op nodes still to visit, each entering
   when its first gradient arrives. Leaves have no VJP to run: they wait outside the
   heap (which stays small) and are visited last.
3. At an op node: run its hooks, keep its gradient if it retains grad, and ask its
   primitive's VJP for the gradients of the inputs that need one (`wanted`). Each is
   reduced to its input's shape and dtype and added to that input's pending gradient.
   The node's own entry was dropped when it was visited, so memory stays bounded.
4. At a leaf: its gradient is added to `.grad`, once the whole pass has succeeded, so
   that a failing backward (a freed graph, a hook raising) changes no `.grad`.
5. Unless `retain_graph`, every visited op node releases its inputs, which frees the
   saved arrays; a second backward through it is an error. The node keeps a value-free
   skeleton of its inputs (structure.py), so the graph can still be drawn.

VJPs are minigrad ops. Without `create_graph` they run on numpy values with recording
off, and compute at numpy speed; with it, they run on Tensors and the gradients are
graph nodes that can be differentiated again.
"""
from heapq import heapify, heappop, heappush
from operator import attrgetter

import numpy as np

from .anomaly import anomaly_in, describe_anomaly
from .composite import expand_all
from .errors import AnomalyError, GraphFreedError
from .ops.shape import sum_to
from .ops.unary import cast
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
    """The backward pass of the module docstring. Returns {creation number: gradient
    Tensor} for the tensors in `capture`.

    Args:
        outputs, seeds: the tensors to differentiate, and their gradients (Tensors).
        retain_graph: keep the graph; else every op node visited is freed.
        create_graph: gradients as Tensors that record a graph; else numpy values (the
            same VJP code: a primitive called on arrays just computes, see
            `Primitive.__call__`).
        capture: None, or a set of creation numbers (`tensor._seq`) whose gradients
            are returned; then only the nodes leading to them are visited.
        accumulate: add the leaves' gradients to their `.grad` (False for `grad()`).

    Besides `capture`, two things may watch the pass: an observer
    (`PER_THREAD.state.observer`, graph capture: told every node's gradient and every
    edge's) and anomaly mode (every VJP's result checked). The common case has none
    of the three, and the loop then pays one test of a local flag for each.
    """
    state = PER_THREAD.state
    as_graph = bool(create_graph)
    observer = state.observer
    anomaly = state.anomaly
    if as_graph or observer is not None or anomaly:
        # whoever watches or differentiates the gradients sees the unrolled graph
        expand_all(outputs)
    needed = None if capture is None else \
        _nodes_leading_to(topological_order(outputs), capture)
    watching = capture is not None or observer is not None
    # A slice x[index] may add its gradient into x's pending array in place (vjp_into)
    # instead of scattering it into zeros of x's shape: T slices of one tensor stay
    # O(T). Not under create_graph (the gradient is a graph), nor for an observer that
    # cannot take a slice's gradient for that edge (`takes_slice_gradients`; it has
    # the norm of the full-size scatter). Anomaly mode needs no check there: the
    # slice's gradient was checked where it was made.
    in_place = not as_graph and (
        observer is None or getattr(observer, "takes_slice_gradients", False))
    # Under create_graph, the slices of one tensor leave their gradients here instead,
    # and the tensor gets ONE op summing them when it is visited (vjp_gather):
    # {creation number: {primitive: [(g, attrs), ...]}}
    gathering = as_graph and observer is None
    gathered = {}

    pending = {}   # creation number -> the gradient so far of a tensor to visit
    waiting = {}   # creation number -> that tensor
    heap = []      # negated creation numbers of the op nodes waiting (ints compare fast)
    # creation numbers whose pending gradient is an array this pass allocated itself,
    # so that it can take further contributions in place (a VJP's arrays may alias)
    owned = set()
    for out, seed in zip(outputs, seeds):
        _deliver(pending, waiting, heap, owned, out, seed if as_graph else seed.data)
    captured = {}
    # (tensor, gradient, owned) for the .grad fields, filled in once the pass succeeded
    finished = []
    pop, get = pending.pop, pending.get
    ndarray = np.ndarray
    saved = state.grad_enabled, state.backward_of
    state.grad_enabled = as_graph
    try:
        while heap or waiting:
            if not heap:  # only leaves wait now, their gradients complete
                heap = [-key for key in waiting]
                heapify(heap)
            key = -heappop(heap)
            node = waiting.pop(key)
            g = pop(key)
            if gathered and key in gathered:
                g = _add_gathered(g, gathered.pop(key), node)
            if node._hooks:
                g = _run_hooks(node, g, as_graph)
            if watching:
                if needed is not None and key not in needed:
                    continue
                if observer is not None:
                    observer.on_node(node, _as_tensor(g))
                if capture is not None and key in capture:
                    captured[key] = _as_tensor(g)
            prim = node._prim
            if prim is None:  # a leaf
                if accumulate:
                    finished.append((node, g, key in owned and not node._hooks))
                continue
            if node._retains_grad and accumulate:
                # accumulates, as PyTorch's retain_grad (the VJP below may pass g on)
                finished.append((node, g, False))
            inputs = node._inputs
            if inputs is None or node._skeleton is FREED:
                _inputs_of(node)  # raises: freed by an earlier backward

            # which inputs need a gradient: those that require grad (and, with
            # `capture`, lead to a captured tensor)
            if needed is not None:
                wanted = tuple([i.requires_grad and i._seq in needed for i in inputs])
                if True not in wanted:
                    continue  # a captured node with nothing asked below: run and free nothing
            elif len(inputs) == 2:
                wanted = (inputs[0].requires_grad, inputs[1].requires_grad)
            else:
                wanted = tuple([i.requires_grad for i in inputs])

            if prim.vjp_into is not None and in_place:
                if wanted[0]:   # x[index]: g added into x's pending array
                    source = inputs[0]
                    if observer is not None:
                        observer.on_edge(node, 0, source, _as_tensor(g))
                    buffer = _owned_pending(pending, waiting, heap, owned, source)
                    prim.vjp_into(buffer, g, **node._attrs)
            elif gathering and prim.vjp_gather is not None:
                if wanted[0]:   # x[t] under create_graph: g kept for x's one gathering op
                    source = inputs[0]
                    gathered.setdefault(source._seq, {}).setdefault(prim, []).append(
                        (g, node._attrs))
                    _wait_for(pending, waiting, heap, source)
            else:
                attrs = node._attrs
                if as_graph:
                    state.backward_of = node
                    grads = prim.vjp(g, node, wanted, *inputs, **attrs)
                elif attrs or len(inputs) != 2:
                    grads = prim.vjp(g, node.data, wanted, *[i.data for i in inputs], **attrs)
                else:  # most ops: spelled out, as a comprehension and ** cost more
                    grads = prim.vjp(g, node.data, wanted, inputs[0].data, inputs[1].data)
                if anomaly:
                    _check_finite_backward(node, grads)
                if observer is not None:
                    grads = _tell_observer(observer, node, inputs, grads, wanted)
                for inp, ig, wants_it in zip(inputs, grads, wanted):
                    if ig is None or not wants_it:
                        continue
                    data = inp.data
                    kind = ig.__class__
                    if kind is not data.__class__ or kind is ndarray and (
                            ig.shape != data.shape or ig.dtype is not data.dtype):
                        ig = _conform(ig, data)
                    # _deliver(pending, waiting, heap, owned, inp, ig), spelled out
                    seq = inp._seq
                    previous = get(seq)
                    if previous is None:
                        pending[seq] = ig
                        if seq not in waiting:  # (a slice's source may wait already)
                            waiting[seq] = inp
                            if inp._prim is not None:
                                heappush(heap, -seq)
                    elif seq in owned:
                        np.add(previous, ig, out=previous)
                    else:
                        total = previous + ig
                        pending[seq] = total
                        if total.__class__ is ndarray:
                            owned.add(seq)

            if not retain_graph:
                # free(node), spelled out for the common case of a 0-d graph (the
                # scalar engine): inputs that are numpy scalars are kept as they are
                if node._skeleton is None:
                    for inp in inputs:
                        if inp.data.__class__ is ndarray:
                            free(node)
                            break
                    else:
                        node._skeleton = FREED
                else:
                    free(node)
    finally:
        state.grad_enabled, state.backward_of = saved
    for tensor, g, g_is_owned in finished:
        _accumulate_grad(tensor, g, as_graph, g_is_owned)
    return captured


def _conform(g, data):
    """g reduced to data's shape (undoing broadcasting: the one place that does) and
    cast to its dtype."""
    if g.shape != data.shape:
        g = sum_to(g, data.shape)
    if g.dtype != data.dtype:
        g = cast(g, dtype=data.dtype)
    return g


def _add_gathered(g, parts_by_primitive, tensor):
    """tensor's gradient g (None: none yet) plus the gradients its slices left for it
    under create_graph: each primitive's parts summed by ONE op (`vjp_gather`)."""
    for prim, parts in parts_by_primitive.items():
        total = prim.vjp_gather(parts, tensor)
        g = total if g is None else g + total
    return g


def _tell_observer(observer, node, inputs, grads, wanted):
    """Tell the observer the gradient that each wanted input of node gets (reduced to
    the input's shape and dtype); returns those gradients."""
    told = []
    for position, (inp, ig, wants_it) in enumerate(zip(inputs, grads, wanted)):
        if ig is not None and wants_it:
            ig = _conform(ig, inp.data)
            observer.on_edge(node, position, inp, _as_tensor(ig))
        told.append(ig)
    return told


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
