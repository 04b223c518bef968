"""A small iterative walk over a minigrad graph, for tests that inspect it."""
from minigrad.structure import graph_inputs


def nodes_in_graph(*outputs, unfold=True):
    """Every tensor reachable from `outputs` (op nodes and leaves), each once. With
    `unfold` (as `Tensor.inputs`), a fused op is seen as its unrolled graph; without,
    as the one node that was recorded."""
    seen, stack = set(), list(outputs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(graph_inputs(node, expand=unfold))


def ops_in_graph(*outputs):
    """The set of primitive names of all nodes recorded behind `outputs` (a fused op
    counts as itself, not as the ops of its decomposition)."""
    return {node.op for node in nodes_in_graph(*outputs, unfold=False) if node.op is not None}
