"""Graph capture: `trace(*outputs)` turns the recorded graph into plain data.

Every node reachable from the outputs (op nodes, parameters, inputs and the
constants an op wrapped) becomes one node; every (input, consumer) pair becomes
one edge, pointing forward, from the input to the op that consumes it. `x * x`
therefore has two edges from x to the product, with input_index 0 and 1.

Each node says what it is: its `kind` is "parameter" (a leaf that requires grad),
"input" (any other floating leaf with ndim > 0), "constant" (a 0-d leaf without grad,
e.g. a Python number an op wrapped, or a leaf that is not floating, e.g. a padding
mask), "op", or the role a model declared for it
(`tensor.role`, minigrad/roles.py): "initial_state", "state", "gate", "loss",
"input". Its `name` is the role's symbol (h, c, y, i, f, g, o, r, z, n, h0, c0),
or for a parameter its dotted name: from `modules=`, the module tree that named it,
else the variable that holds it in the caller's code, else "parameter".

Node ids are 0, 1, 2, ... in a topological order (every input gets a smaller id
than the ops that consume it; inputs are visited in argument order), so they are
stable for a given graph and independent of `id()`.

The walk is iterative (an unrolled graph of 100,000 steps captures fine) and goes
through one function, `graph_inputs`, the engine's view of a node's inputs.

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
from ..structure import graph_inputs as engine_inputs, is_freed
from ..tensor import Tensor
from .naming import caller_names, module_names, node_kind, node_label, node_name, value_summary

_LAYER = re.compile(r"^layer(\d+)$")
_TIME = re.compile(r"^t(\d+)$")
DIRECTIONS = ("forward", "reverse")
KINDS = ("parameter", "input", "constant", "initial_state", "state", "gate", "op", "loss")


def graph_inputs(node):
    """The inputs of `node`, in argument order: the one place capture reads them. After
    a backward they are the skeletons the engine kept (structure.py); a composite op
    (a fused layer) is unfolded into its decomposition there."""
    try:
        return engine_inputs(node)
    except GraphFreedError:
        raise GraphFreedError(
            f"trace: the graph of {node._prim.name} (created at {format_location(node.source)}) "
            f"was freed by a backward and its structure was not kept; trace before "
            f"backward, or backward with retain_graph=True") from None


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
    """A captured computation graph: plain data, plus the tensors for `backward`.

    Attributes:
        nodes: dict node id -> dict with keys kind (see KINDS), name, op, label (a
            short text: the op, the name, or a constant's value), shape, dtype, scope,
            module, layer, direction, time_step, source ("file:line" or None),
            param_name (a parameter's name, else None), requires_grad, is_output,
            grad_of, grad_norm, value (None, {"item": x} for one element, or
            {"norm": ., "mean": .} for a float array) and attrs (the op's attributes).
        edges: list of (src id, dst id, attrs), attrs = {"input_index": position
            of src among dst's inputs, "grad_norm": float or None}.
        outputs: list of node ids of the traced outputs.
        freed: True when a backward had released part of the graph before it was
            traced: the structure is there, the gradients cannot be computed.

    The graph holds a STRONG reference to every tensor (for `backward`, `tensor`);
    `release()` drops them, and the plain data stays.
    """

    def __init__(self):
        self.nodes = {}
        self.edges = []
        self.outputs = []
        self.freed = False
        self._tensors = {}      # node id -> the tensor (or skeleton) it was captured from
        self._ids = {}          # creation number (tensor._seq) -> node id
        self._edge_index = {}   # (dst node id, input_index) -> index in self.edges
        self._nx = None

    # ------------------------------------------------------------- queries
    def node_id(self, tensor):
        """The node id of `tensor` in this graph (KeyError if it is not in it)."""
        try:
            return self._ids[tensor._seq]
        except (KeyError, AttributeError):
            raise KeyError(f"tensor of shape {getattr(tensor, 'shape', '?')} is not in this "
                           f"graph") from None

    def tensor(self, node_id):
        if node_id not in self._tensors:
            raise KeyError(f"node {node_id}: the graph's tensors were released")
        return self._tensors[node_id]

    def has_tensors(self):
        return bool(self._tensors)

    def release(self):
        """Drop the references to the tensors; nodes, edges and norms stay. Returns self."""
        self._tensors = {}
        return self

    def inputs_of(self, node_id):
        """Node ids of the inputs of `node_id`, in argument order."""
        found, position = [], 0
        while (node_id, position) in self._edge_index:
            found.append(self.edges[self._edge_index[(node_id, position)]][0])
            position += 1
        return found

    def to_networkx(self):
        """A `networkx.MultiDiGraph` with every node and edge attribute.

        Parallel edges (`x * x`) are kept apart: the edge key is the input_index,
        so `G.edges[x, y, 0]` and `G.edges[x, y, 1]` are the two uses of x.
        Graph attribute `outputs` lists the output node ids.
        """
        import networkx as nx
        graph = nx.MultiDiGraph(outputs=list(self.outputs))
        graph.add_nodes_from((nid, dict(attrs)) for nid, attrs in self.nodes.items())
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

    def has_gradients(self):
        """True once gradient norms were recorded (`backward`)."""
        return any(attrs["grad_norm"] is not None for _, _, attrs in self.edges)

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
        if self.freed:
            raise GraphFreedError(
                "Graph.backward: a backward had freed this graph's saved values before it "
                "was traced; trace before backward, or backward with retain_graph=True")
        output = self.tensor(self.outputs[0])
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
        nid = self.graph._ids.get(node._seq)
        if nid is not None:
            self.graph.nodes[nid]["grad_norm"] = _norm(grad)

    def on_edge(self, node, position, input, grad):
        nid = self.graph._ids.get(node._seq)
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


# ------------------------------------------------------------------- walk
def _walk(outputs):
    """Nodes reachable from `outputs`, inputs before consumers, without recursion."""
    order, seen = [], set()
    for root in outputs:
        if root._seq in seen:
            continue
        seen.add(root._seq)
        stack = [(root, iter(_inputs(root)))]
        while stack:
            node, pending = stack[-1]
            for child in pending:
                if child._seq not in seen:
                    seen.add(child._seq)
                    stack.append((child, iter(_inputs(child))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def _inputs(node):
    return graph_inputs(node) if node._prim is not None else ()


def trace(*outputs, modules=None, backward=False, gradient=None):
    """Capture the graph that computed `outputs`.

    Args:
        *outputs: Tensors (or one list of Tensors).
        modules: a Module or list of Modules; their `named_parameters()` name the
            parameters (otherwise a tensor's own `.name`, then the caller's variables).
        backward: run `Graph.backward(gradient)` right away (single output).
    Returns:
        Graph
    """
    return capture(outputs, modules, caller_names(2), backward=backward, gradient=gradient)


def capture(outputs, modules=None, names=None, backward=False, gradient=None, owner="trace"):
    """`trace` with the caller's names given (`caller_names`); `owner` names the public
    function in error messages."""
    if len(outputs) == 1 and isinstance(outputs[0], (list, tuple)):
        outputs = tuple(outputs[0])
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{owner}: output {i} is a {type(out).__name__}, not a Tensor")
    from_modules, from_caller = module_names(modules), names or {}
    graph = Graph()
    output_ids = {t._seq for t in outputs}
    scope_cache, source_cache, dtype_names = {}, {}, {}
    order = _walk(outputs)
    ids = graph._ids
    for nid, node in enumerate(order):
        ids[node._seq] = nid
    for nid, node in enumerate(order):
        scope = node.scope
        parsed = scope_cache.get(scope)
        if parsed is None:
            parsed = scope_cache[scope] = parse_scope(scope)
        source = node.source
        if source is not None:
            text = source_cache.get(source)
            if text is None:
                text = source_cache[source] = f"{source[0]}:{source[1]}"
            source = text
        dtype = node.dtype
        dtype_name = dtype_names.get(dtype)
        if dtype_name is None:   # str(dtype) costs more than the rest of a node
            dtype_name = dtype_names[dtype] = str(dtype)
        shape = tuple(node.shape)
        kind = node_kind(node, len(shape))
        leaf_name = None
        if node._prim is None:   # modules=, then the module tree or the user (.name), then
            leaf_name = (from_modules.get(node._seq) or node.name   # the caller's variables
                         or from_caller.get(node._seq))
        name = node_name(kind, node, leaf_name)
        value = value_summary(node)
        grad_of = getattr(node, "_grad_of", None)
        graph.freed = graph.freed or (node._prim is not None and is_freed(node))
        graph.nodes[nid] = {
            "kind": kind,
            "name": name,
            "op": node._prim.name if node._prim is not None else None,
            "label": node_label(kind, name, node, value),
            "shape": shape,
            "dtype": dtype_name,
            "scope": tuple(scope),
            "module": parsed["module"],
            "layer": parsed["layer"],
            "direction": parsed["direction"],
            "time_step": parsed["time_step"],
            "source": source,
            "param_name": leaf_name if node.requires_grad else None,
            "requires_grad": bool(node.requires_grad),
            "is_output": node._seq in output_ids,
            "grad_of": ids.get(grad_of._seq) if grad_of is not None else None,
            "grad_norm": None,
            "value": value,
            "attrs": dict(node._attrs or {}),
        }
        graph._tensors[nid] = node
        for position, inp in enumerate(_inputs(node)):
            graph._edge_index[(nid, position)] = len(graph.edges)
            graph.edges.append((ids[inp._seq], nid, {"input_index": position,
                                                     "grad_norm": None}))
    graph.outputs = [ids[t._seq] for t in outputs]
    if backward:
        graph.backward(gradient)
    return graph

