"""Graphviz dot 2.43's layout bugs, and how the plan steers around each one.

Every workaround is one function here, applied to the finished plan by `apply`, and
has a test in tests/graph/test_render_dot_failures.py that renders the graph which
made dot fail. Nothing else in the layer knows about them.
"""


def apply(plan):
    """Change `plan` where dot is known to fail on it; returns the plan."""
    ports_only_between_parallel_states(plan)
    return plan


def ports_only_between_parallel_states(plan):
    """A state's edge with compass ports (h leaving a cell at its top right, entering
    the next at its top left) makes dot 2.43 fail ("in routesplines, Pshortestpath
    failed") on some graphs when it is the only edge between its two cells: a Jordan
    RNN's y, a stacked RNN's h. Ports are only needed to keep two parallel states
    apart (an LSTM's h and c), so a lone state edge gets none."""
    between = {}
    for edge in plan.edges:
        if edge.side is not None:
            between.setdefault(frozenset((edge.tail, edge.head)), []).append(edge)
    for edges in between.values():
        if len(edges) == 1:
            edges[0].side = None
