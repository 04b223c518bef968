"""Every path from a source tensor to the loss, with the product of local derivatives.

The chain rule on a graph says d loss/d source = sum over paths of the product of
the local derivatives d(node)/d(input) on the path's edges. For an unrolled scalar
RNN this is BPTT written out term by term. Only for small scalar graphs: the
number of paths grows exponentially with depth in general, so the paths are
counted first (linear time) and too many are refused before any is listed.
"""
import numpy as np

from ..autograd import grad as _grad
from ..grad_mode import enable_grad
from ..tensor import Tensor
from .capture import trace


def local_derivative(graph, node_id, input_index):
    """d node / d (its input at `input_index`) for a scalar op, by running the node's
    primitive again on fresh leaves holding the same values and differentiating it."""
    tensor = graph.tensor(node_id)
    arrays = [np.asarray(inp.data) for inp in tensor._inputs]   # 0-d data may be np scalars
    leaves = [Tensor(a, requires_grad=a.dtype.kind == "f", dtype=a.dtype) for a in arrays]
    with enable_grad():
        out = tensor._prim(*leaves, **(tensor._attrs or {}))
        (derivative,) = _grad(out, leaves[input_index])
    return float(derivative.data)


def enumerate_paths(loss, source, max_paths=10_000, graph=None):
    """All paths from `source` to `loss` with the product of local derivatives.

    Parallel edges count separately (`x * x` gives two paths, each with
    derivative x), so the products always sum to d loss / d source.

    Args:
        loss: scalar Tensor whose graph is still alive (not freed by a backward).
        source: a scalar Tensor in that graph (a parameter or any node).
        max_paths: raise ValueError when there are more paths than this (rather
            than return a partial sum). The paths are counted first, in time
            linear in the size of the graph, so the refusal comes at once.
        graph: a `trace(loss)` Graph to reuse; node ids refer to it (trace is
            deterministic, so `trace(loss)` again gives the same ids).
    Returns:
        list of (path, product): path = node ids from source to loss, product = float.
    """
    graph = trace(loss) if graph is None else graph
    start, end = _node_id(graph, source, "source"), _node_id(graph, loss, "loss")
    between = _subgraph_between(graph.to_networkx(), start, end)
    for nid in sorted({end, *between}):
        _require_scalar(graph, nid)
    count = _count_paths(between, start, end)
    if count > max_paths:
        raise ValueError(f"enumerate_paths: more than max_paths={max_paths} paths: "
                         f"{count} paths lead from the source to the loss; pass a larger "
                         f"max_paths, or a source nearer the loss")
    if count == 0:
        return []
    derivatives = {(dst, input_index): local_derivative(graph, dst, input_index)
                   for _, dst, input_index in between.edges(keys=True)}
    return list(_walk_paths(between, start, end, derivatives))


def _count_paths(network, start, end):
    """Number of `start` -> `end` paths in the DAG `network`, parallel edges counted
    apart: one pass in topological order, each node passing its count on along
    every out-edge. Linear in the size of the graph; Python ints do not overflow."""
    import networkx as nx   # loaded on first use (import minigrad stays light)
    counts = dict.fromkeys(network, 0)
    counts[start] = 1
    for node in nx.topological_sort(network):
        if counts[node]:
            for _, dst in network.out_edges(node):
                counts[dst] += counts[node]
    return counts.get(end, 0)


def _subgraph_between(network, start, end):
    """The part of `network` made of the nodes that lie on some start -> end path."""
    import networkx as nx
    descendants = nx.descendants(network, start)
    if end not in descendants:              # no path (or start is end: the empty path)
        return network.subgraph([start])
    return network.subgraph((descendants & nx.ancestors(network, end)) | {start, end})


def _walk_paths(between, start, end, derivatives):
    """Every start -> end path of `between` as (node ids, product of the derivatives
    on its edges), by an iterative depth-first walk back from `end` that keeps the
    product of each suffix. Each node of `between` lies on a start -> end path, so no
    branch dead-ends; walking back from the loss, the paths of an unrolled RNN share
    their tails, so each path costs one step of walking plus copying its nodes.

    `derivatives` maps (node id, input_index), i.e. an edge's head and key, to d node
    / d input."""
    if start == end:
        yield [end], 1.0
        return
    in_edges = {node: list(between.in_edges(node, keys=True)) for node in between}
    nodes, products, pending = [end], [1.0], [iter(in_edges[end])]
    while pending:
        edge = next(pending[-1], None)
        if edge is None:                    # every path through this node listed
            pending.pop()
            nodes.pop()
            products.pop()
            continue
        src, dst, input_index = edge
        product = derivatives[dst, input_index] * products[-1]
        if src == start:
            yield [start] + nodes[::-1], product
        else:
            nodes.append(src)
            products.append(product)
            pending.append(iter(in_edges[src]))


def _require_scalar(graph, node_id):
    """A ValueError naming enumerate_paths unless node `node_id` holds one value."""
    if graph.nodes[node_id]["shape"] and graph.tensor(node_id).data.size != 1:
        raise ValueError(f"enumerate_paths works on scalar graphs; node {node_id} "
                         f"({graph.nodes[node_id]['label']}) has shape "
                         f"{graph.nodes[node_id]['shape']}")


def _node_id(graph, tensor, argument):
    """The node id of `tensor`, or a ValueError naming enumerate_paths and the argument."""
    kind = type(tensor).__name__
    if isinstance(tensor, Tensor):
        try:
            return graph.node_id(tensor)
        except KeyError:
            kind = f"shape {tuple(tensor.shape)}"
    where = "that computed the loss" if argument == "source" else "passed as graph="
    raise ValueError(f"enumerate_paths: {argument} ({kind}) is not in the graph {where}")
