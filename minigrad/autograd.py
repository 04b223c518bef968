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
   the saved arrays; a second backward through it is an error.

VJPs are minigrad ops. Without `create_graph` they run under no_grad and build
nothing; with it, the gradients are graph nodes that can be differentiated again.
"""
import numpy as np

from .errors import AnomalyError, GraphFreedError
from .ops.shape import sum_to
from .ops.unary import cast
from .source import format_location
from .state import STATE
from .tensor import Tensor


def topological_order(roots):
    """Nodes reachable from `roots` that require grad, each after all of its inputs."""
    order, seen = [], set()
    for root in roots:
        if id(root) in seen or not root.requires_grad:
            continue
        seen.add(id(root))
        stack = [(root, iter(_inputs_of(root)))]
        while stack:
            node, pending = stack[-1]
            for child in pending:
                if child.requires_grad and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(_inputs_of(child))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def _inputs_of(node):
    inputs = node._inputs
    if inputs is None:
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
        return Tensor._constant(np.ones(output.shape, dtype=output.data.dtype))
    if not isinstance(gradient, Tensor):
        gradient = Tensor._constant(np.asarray(gradient, dtype=output.data.dtype))
    if gradient.shape != output.shape:
        raise ValueError(f"backward: gradient has shape {gradient.shape} but the output has "
                         f"shape {output.shape}")
    return gradient


def run_backward(outputs, seeds, retain_graph, create_graph, capture=None,
                 accumulate=True):
    """The engine. Returns {id(tensor): grad} for tensors in `capture` (a set of ids)."""
    order = topological_order(outputs)
    needed = None
    if capture is not None:
        needed = _nodes_leading_to(order, capture)
    pending = {}
    for out, seed in zip(outputs, seeds):
        key = id(out)
        pending[key] = seed if key not in pending else pending[key] + seed
    captured = {}
    state = STATE
    saved_grad_mode, saved_backward_of = state.grad_enabled, state.backward_of
    state.grad_enabled = bool(create_graph)
    try:
        for node in reversed(order):
            g = pending.pop(id(node), None)
            if g is None or (needed is not None and id(node) not in needed):
                continue
            if node._hooks:
                for hook in node._hooks:
                    replaced = hook(g)
                    if replaced is not None:
                        g = replaced
            observer = state.observer
            if observer is not None:
                observer.on_node(node, g)
            if capture is not None and id(node) in capture:
                captured[id(node)] = g
            prim = node._prim
            if prim is None:
                if accumulate:
                    _accumulate_leaf(node, g, create_graph)
                continue
            if node._retains_grad and accumulate:
                node.grad = g if create_graph else Tensor._constant(g.data)
            inputs = node._inputs
            if create_graph:
                state.backward_of = node
            grads = prim.vjp(g, node, *inputs, **node._attrs) if node._attrs else \
                prim.vjp(g, node, *inputs)
            if state.anomaly:
                _check_finite_backward(node, grads)
            for position, (inp, ig) in enumerate(zip(inputs, grads)):
                if ig is None or not inp.requires_grad:
                    continue
                if needed is not None and id(inp) not in needed:
                    continue
                if ig.shape != inp.data.shape:
                    ig = sum_to(ig, inp.data.shape)
                if ig.data.dtype != inp.data.dtype:
                    ig = cast(ig, dtype=inp.data.dtype)
                if observer is not None:
                    observer.on_edge(node, position, inp, ig)
                key = id(inp)
                previous = pending.get(key)
                pending[key] = ig if previous is None else previous + ig
            if not retain_graph:
                node._inputs = None
    finally:
        state.grad_enabled, state.backward_of = saved_grad_mode, saved_backward_of
    return captured


def _nodes_leading_to(order, targets):
    """Ids of nodes from which some target is reachable (order has inputs first)."""
    needed = set()
    for node in order:
        if id(node) in targets or any(id(i) in needed for i in node._inputs or ()):
            needed.add(id(node))
    return needed


def _accumulate_leaf(leaf, g, create_graph):
    if not create_graph:
        g = Tensor._constant(np.array(g.data, copy=True))  # own the array: grads can alias
    if leaf.grad is None:
        leaf.grad = g
    elif create_graph:
        leaf.grad = leaf.grad + g
    else:
        leaf.grad = Tensor._constant(leaf.grad.data + g.data)


def _check_finite_backward(node, grads):
    for position, ig in enumerate(grads):
        if ig is not None and ig.data.dtype.kind in "fc" and not np.isfinite(ig.data).all():
            shapes = ", ".join(str(i.shape) for i in node._inputs)
            raise AnomalyError(
                f"detect_anomaly: backward of {node._prim.name} produced "
                f"{'NaN' if np.isnan(ig.data).any() else 'inf'} in the gradient of input "
                f"{position}\n  input shapes: {shapes}\n"
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
                            capture={id(t) for t in inputs}, accumulate=False)
    for t in inputs:
        if id(t) in captured:
            _accumulate_leaf(t, captured[id(t)], create_graph)


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
                            capture={id(t) for t in inputs}, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the "
                               f"outputs; pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)
