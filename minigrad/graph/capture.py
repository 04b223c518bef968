"""Graph capture: `trace(*outputs)` turns the recorded graph into plain data.

Every Tensor reachable from the outputs (op nodes, parameters, inputs and the
constants an op wrapped) becomes one node; every (input, consumer) pair becomes
one edge, pointing forward, from the input to the op that consumes it. `x * x`
therefore has two edges from x to the product, with input_index 0 and 1.

Node ids are 0, 1, 2, ... in a topological order (every input gets a smaller id
than the ops that consume it; inputs are visited in argument order), so they are
stable for a given graph and independent of `id()`.

The walk is iterative: an unrolled graph of 100,000 steps captures fine.

`Graph.backward()` runs the engine's backward with an observer installed and
records the L2 norm of every node's total gradient and of every edge's gradient.
"""
import re
from collections import Counter
from contextlib import contextmanager

import numpy as np

from ..autograd import backward as _engine_backward
from ..errors import GraphFreedError
from ..source import format_location
from ..state import PER_THREAD
from ..structure import graph_inputs
from ..tensor import Tensor

_LAYER = re.compile(r"^layer(\d+)$")
_TIME = re.compile(r"^t(\d+)$")
DIRECTIONS = ("forward", "reverse")


def parse_scope(scope):
    """Split a scope tuple by the scope convention.

    Returns a dict with `module` (the entries that are not layer/direction/time,
    joined by "."), `layer` (int from "layer{k}" or None), `direction`
    ("forward"/"reverse"/None) and `time_step` (int from "t{k}" or None). When an
    entry kind repeats (nested unrolls), the innermost one wins.
    """
    module, layer, direction, time_step = [], None, None, None
    for entry in scope:
        match = _LAYER.match(entry)
        if match:
            layer = int(match.group(1))
            continue
        match = _TIME.match(entry)
        if match:
            time_step = int(match.group(1))
            continue
        if entry in DIRECTIONS:
            direction = entry
            continue
        module.append(entry)
    return {"module": ".".join(module), "layer": layer, "direction": direction,
            "time_step": time_step}


class Graph:
    """A captured computation graph.

    Attributes:
        nodes: dict node id -> dict with keys kind ("op"; "param": a leaf that is an
            nn.Parameter or has a name (from `modules=` or `.name`); "input": any other
            leaf that requires grad or has ndim > 0; "constant": a 0-d leaf without
            grad, e.g. a Python number an op wrapped), op, label, shape, dtype, scope, module, layer, direction,
            time_step, source ("file:line" or None), param_name, requires_grad,
            is_output, grad_of, grad_norm, and tensor: a STRONG reference to the
            Tensor (the graph keeps its tensors alive, which also keeps `id()`s
            unique for `node_id()`; drop the Graph to free them).
        edges: list of (src id, dst id, attrs), attrs = {"input_index": position
            of src among dst's inputs, "grad_norm": float or None}.
        outputs: list of node ids of the traced outputs.
    """

    def __init__(self):
        self.nodes = {}
        self.edges = []
        self.outputs = []
        self._ids = {}          # id(tensor) -> node id
        self._edge_index = {}   # (dst node id, input_index) -> index in self.edges
        self._nx = None
        self._input_lists = None  # node id -> its inputs' ids, from the edges (inputs_of)

    # ------------------------------------------------------------- queries
    def node_id(self, tensor):
        """The node id of `tensor` in this graph (KeyError if it is not in it)."""
        try:
            return self._ids[id(tensor)]
        except KeyError:
            raise KeyError(f"tensor of shape {tensor.shape} is not in this graph") from None

    def tensor(self, node_id):
        return self.nodes[node_id]["tensor"]

    def inputs_of(self, node_id):
        """Node ids of the inputs of `node_id`, in argument order."""
        if self._input_lists is None:
            self._input_lists = {}
            for src, dst, attrs in sorted(self.edges, key=lambda e: e[2]["input_index"]):
                self._input_lists.setdefault(dst, []).append(src)
        return list(self._input_lists.get(node_id, ()))

    def to_networkx(self):
        """A `networkx.MultiDiGraph` with every node and edge attribute except `tensor`.

        Parallel edges (`x * x`) are kept apart: the edge key is the input_index,
        so `G.edges[x, y, 0]` and `G.edges[x, y, 1]` are the two uses of x.
        Graph attribute `outputs` lists the output node ids.
        """
        import networkx as nx
        graph = nx.MultiDiGraph(outputs=list(self.outputs))
        graph.add_nodes_from(
            (nid, {k: v for k, v in attrs.items() if k != "tensor"})
            for nid, attrs in self.nodes.items())
        graph.add_edges_from((src, dst, attrs["input_index"], dict(attrs))
                             for src, dst, attrs in self.edges)
        return graph

    def _networkx(self):
        if self._nx is None:
            self._nx = self.to_networkx()
        return self._nx

    def depth(self):
        """Number of edges on the longest input-to-output path (networkx)."""
        import networkx as nx
        return nx.dag_longest_path_length(self._networkx())

    def count_by(self, key):
        """Counter of node attribute `key` ("op", "kind", "time_step", "module", ...)."""
        return Counter(attrs[key] for attrs in self.nodes.values())

    def __len__(self):
        return len(self.nodes)

    def __repr__(self):
        return f"Graph({len(self.nodes)} nodes, {len(self.edges)} edges, outputs={self.outputs})"

    # ------------------------------------------------------------ gradients
    def backward(self, gradient=None, retain_graph=False):
        """Backward from the (single) output, recording gradient norms.

        Like `output.backward(gradient, retain_graph)`: leaves' `.grad` are
        accumulated as usual. Afterwards every node that received a gradient has
        `grad_norm` (L2 norm of its total gradient) and every edge that carried one
        has `grad_norm` (L2 norm of the gradient flowing along it, already reduced
        to the input's shape). Returns self.
        """
        if len(self.outputs) != 1:
            raise ValueError(f"Graph.backward needs exactly one output, this graph has "
                             f"{len(self.outputs)}; trace them separately")
        output = self.nodes[self.outputs[0]]["tensor"]
        with observing(_NormRecorder(self)):
            _engine_backward(output, gradient, retain_graph=retain_graph)
        self._nx = None
        return self


class _NormRecorder:
    """Observer writing gradient norms into a Graph's nodes and edges."""

    # for an edge out of a slice x[index] the engine may pass the slice's gradient
    # rather than its scatter into zeros of x's shape: the norm is the same, and
    # the backward of T slices of one tensor stays O(T)
    takes_slice_gradients = True

    def __init__(self, graph):
        self.graph = graph

    def on_node(self, node, grad):
        nid = self.graph._ids.get(id(node))
        if nid is not None:
            self.graph.nodes[nid]["grad_norm"] = _norm(grad)

    def on_edge(self, node, position, input, grad):
        nid = self.graph._ids.get(id(node))
        if nid is not None:
            index = self.graph._edge_index[(nid, position)]
            self.graph.edges[index][2]["grad_norm"] = _norm(grad)


class _Tee:
    """Tell two observers about every event (a new observer plus the one it displaced)."""

    def __init__(self, first, second):
        self.first, self.second = first, second
        self.takes_slice_gradients = all(
            getattr(o, "takes_slice_gradients", False) for o in (first, second))

    def on_node(self, node, grad):
        self.first.on_node(node, grad)
        self.second.on_node(node, grad)

    def on_edge(self, node, position, input, grad):
        self.first.on_edge(node, position, input, grad)
        self.second.on_edge(node, position, input, grad)


@contextmanager
def observing(observer):
    """Install `observer` on the engine for the block, for the backward passes of the
    calling thread; an observer already installed keeps being told too, and is restored
    afterwards (even on error)."""
    state = PER_THREAD.state
    previous = state.observer
    state.observer = observer if previous is None else _Tee(observer, previous)
    try:
        yield observer
    finally:
        state.observer = previous


def _norm(grad):
    return float(np.sqrt(np.sum(np.square(grad.data, dtype=np.float64))))


def _parameter_names(modules):
    if modules is None:
        return {}
    if not isinstance(modules, (list, tuple)):
        modules = [modules]
    names = {}
    for module in modules:
        for name, param in module.named_parameters():
            names.setdefault(id(param), name)
    return names


def _walk(outputs):
    """Tensors reachable from `outputs`, inputs before consumers, without recursion."""
    order, seen = [], set()
    for root in outputs:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(_inputs(root)))]
        while stack:
            tensor, pending = stack[-1]
            for child in pending:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(_inputs(child))))
                    break
            else:
                stack.pop()
                order.append(tensor)
    return order


def _inputs(tensor):
    """The inputs of `tensor` (after a backward: its skeleton's, see structure.py)."""
    try:
        return graph_inputs(tensor)
    except GraphFreedError:
        raise GraphFreedError(
            f"trace: the graph of {tensor.op} (created at {format_location(tensor.source)}) "
            f"was freed by a backward; trace before backward, or backward with "
            f"retain_graph=True") from None


def _kind(tensor, param_name):
    if tensor._prim is not None:
        return "op"
    if tensor.is_parameter or param_name is not None:
        return "param"
    if tensor.requires_grad or len(tensor.shape) > 0:
        return "input"
    return "constant"


def _label(kind, tensor, param_name):
    if kind == "op":
        return tensor._prim.name
    if kind == "param":
        return param_name or "param"
    if kind == "input":
        return tensor.name or "input"
    if tensor.data is None:   # a skeleton: the value was freed
        return "const"
    return f"{tensor.data.item():.4g}" if tensor.data.dtype.kind in "fiub" else "const"


def trace(*outputs, modules=None, backward=False, gradient=None):
    """Capture the graph that computed `outputs`.

    Args:
        *outputs: Tensors (or one list of Tensors).
        modules: a Module or list of Modules; their `named_parameters()` give the
            parameters' `param_name` (otherwise a tensor's own `.name` is used).
        backward: run `Graph.backward(gradient)` right away (single output).
    Returns:
        Graph
    """
    if len(outputs) == 1 and isinstance(outputs[0], (list, tuple)):
        outputs = tuple(outputs[0])
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"trace: output {i} is a {type(out).__name__}, not a Tensor")
    names = _parameter_names(modules)
    graph = Graph()
    output_ids = {id(t) for t in outputs}
    scope_cache, source_cache, dtype_names = {}, {}, {}
    order = _walk(outputs)
    ids = graph._ids
    for nid, tensor in enumerate(order):
        ids[id(tensor)] = nid
    for nid, tensor in enumerate(order):
        scope = tensor.scope
        parsed = scope_cache.get(scope)
        if parsed is None:
            parsed = scope_cache[scope] = parse_scope(scope)
        source = tensor.source
        if source is not None:
            text = source_cache.get(source)
            if text is None:
                text = source_cache[source] = f"{source[0]}:{source[1]}"
            source = text
        param_name = names.get(id(tensor), tensor.name) if tensor._prim is None else None
        kind = _kind(tensor, param_name)
        grad_of = tensor._grad_of
        dtype = tensor.dtype
        dtype_name = dtype_names.get(dtype)
        if dtype_name is None:
            dtype_name = dtype_names[dtype] = str(dtype)
        graph.nodes[nid] = {
            "kind": kind,
            "op": tensor._prim.name if tensor._prim is not None else None,
            "label": _label(kind, tensor, param_name),
            "shape": tuple(tensor.shape),
            "dtype": dtype_name,
            "scope": tuple(scope),
            "module": parsed["module"],
            "layer": parsed["layer"],
            "direction": parsed["direction"],
            "time_step": parsed["time_step"],
            "source": source,
            "param_name": param_name,
            "requires_grad": bool(tensor.requires_grad),
            "is_output": id(tensor) in output_ids,
            "grad_of": ids.get(id(grad_of)) if grad_of is not None else None,
            "grad_norm": None,
            "tensor": tensor,
        }
        for position, inp in enumerate(_inputs(tensor)):
            graph._edge_index[(nid, position)] = len(graph.edges)
            graph.edges.append((ids[id(inp)], nid, {"input_index": position,
                                                     "grad_norm": None}))
    graph.outputs = [ids[id(t)] for t in outputs]
    if backward:
        graph.backward(gradient)
    return graph
