"""A small iterative walk over a minigrad graph, for tests that inspect it."""


def nodes_in_graph(*outputs):
    """Every tensor reachable from `outputs` (op nodes and leaves), each once."""
    seen, stack = set(), list(outputs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(node.inputs)


def ops_in_graph(*outputs):
    """The set of primitive names of all nodes reachable from `outputs`."""
    return {node.op for node in nodes_in_graph(*outputs) if node.op is not None}
