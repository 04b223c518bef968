"""Every path from a source tensor to the loss, with the product of local derivatives.

The chain rule on a graph says d loss/d source = sum over paths of the product of
the local derivatives d(node)/d(input) on the path's edges. For an unrolled scalar
RNN this is BPTT written out term by term. Only for small scalar graphs: the
number of paths grows exponentially with depth in general.
"""
import networkx as nx
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
        max_paths: raise ValueError past this many paths (rather than return a
            partial sum).
        graph: a `trace(loss)` Graph to reuse; node ids refer to it (trace is
            deterministic, so `trace(loss)` again gives the same ids).
    Returns:
        list of (path, product): path = node ids from source to loss, product = float.
    """
    graph = trace(loss) if graph is None else graph
    start, end = _node_id(graph, source, "source"), _node_id(graph, loss, "loss")
    for nid in (start, end):
        if graph.nodes[nid]["shape"] and graph.tensor(nid).data.size != 1:
            raise ValueError(f"enumerate_paths works on scalar graphs; node {nid} "
                             f"({graph.nodes[nid]['label']}) has shape "
                             f"{graph.nodes[nid]['shape']}")
    network = graph.to_networkx()
    derivatives = {}
    result = []
    for edge_path in nx.all_simple_edge_paths(network, start, end):
        if len(result) == max_paths:
            raise ValueError(f"enumerate_paths: more than max_paths={max_paths} paths")
        product = 1.0
        for src, dst, input_index in edge_path:
            key = (dst, input_index)
            if key not in derivatives:
                if graph.tensor(dst).data.size != 1:
                    raise ValueError(f"enumerate_paths works on scalar graphs; node {dst} "
                                     f"({graph.nodes[dst]['label']}) has shape "
                                     f"{graph.nodes[dst]['shape']}")
                derivatives[key] = local_derivative(graph, dst, input_index)
            product *= derivatives[key]
        result.append(([src for src, _, _ in edge_path] + [end], product))
    return result


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
