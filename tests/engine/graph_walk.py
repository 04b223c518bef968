"""A small iterative walk over a minigrad graph, for tests that inspect it."""


def ops_in_graph(*outputs):
    """The set of primitive names of all nodes reachable from `outputs`."""
    names, seen, stack = set(), set(), list(outputs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.op is not None:
            names.add(node.op)
        stack.extend(node.inputs)
    return names
