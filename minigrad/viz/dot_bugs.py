"""Graphviz dot 2.43's layout bugs, and how the plan steers around each one.

Every workaround is one function here, applied to the finished plan by `apply`, and
has a test in tests/graph/test_render_dot_failures.py that renders the graph which
made dot fail. Nothing else in the layer knows about them.
"""


def apply(plan):
    """Change `plan` where dot is known to fail on it; returns the plan."""
    return plan
