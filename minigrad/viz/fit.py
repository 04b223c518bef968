"""How much is drawn: the detail level and the steps shown, within `max_nodes` and
within what dot can lay out in a few seconds.

Above `max_nodes` drawn nodes, ops are grouped into cells, then the middle steps are
folded into one gap per lane, then cells into layers; the title says what was done.
Whatever `max_nodes` says, no plan above NODE_CEILING nodes goes to dot: a larger
`max_nodes` is lowered to it (and the title says so), and a graph that stays above it
after every grouping is refused with a RenderError that says what to draw instead.
"""
import numpy as np

from .drawing import RenderError
from .plan import make_plan
from .view import DETAILS, build_view, places

DEFAULT_MAX_NODES = 250
MIN_MAX_NODES = 10
# dot 2.43 lays out 1,000 planned nodes with their boxes in about 2 s here
# (benchmarks/bench_render.py); 4,000 took 40 s
NODE_CEILING = 1000


def time_steps(graph, node_ids, mode):
    """Sorted distinct time steps at which `node_ids` are drawn."""
    where = places(graph, mode)
    return sorted({where[n][3] for n in node_ids} - {None})


def window(all_steps, steps):
    """The time steps that `steps` selects among `all_steps` (sorted): a slice or a range
    over their positions, or an int position (negative: from the end, as an index).
    A selection of no step is an error, not an empty picture."""
    if steps is None:
        return list(all_steps)
    if isinstance(steps, range):
        steps = slice(steps.start, steps.stop, steps.step)
    if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool):
        if not -len(all_steps) <= steps < len(all_steps):
            raise IndexError(f"render: steps={steps} is out of range: the graph has "
                             f"{len(all_steps)} time steps")
        return [all_steps[steps]]
    if not isinstance(steps, slice):
        raise TypeError(f"render: steps must be a slice (e.g. slice(0, 5)), a range or an "
                        f"int, got {type(steps).__name__}")
    kept = list(all_steps)[steps]
    if not kept:
        raise ValueError(f"render: steps={steps!r} selects none of the graph's "
                         f"{len(all_steps)} time steps")
    return kept


def fit(graph, node_ids, detail, mode, steps, max_nodes, highlighted, page_width,
        source_id=None, label_edges=None, show_values=False):
    """The (view, plan) to draw: the most detail that stays within `max_nodes`.

    Args:
        graph, node_ids: the captured Graph and the node ids to draw.
        detail, mode: as in `build_view`.
        steps: the `steps=` window of `render` (None: all).
        max_nodes: the most nodes to draw (lowered to NODE_CEILING).
        highlighted: indices of the graph edges to highlight.
        page_width: points per band (None: one strip).
        source_id: graph node id of the highlighted tensor.
        label_edges: a function (view) -> bool: write |gradient| on highlighted edges.
        show_values: put each tensor's value (or norm and mean) in its label.
    Returns:
        (view, plan, view key of the highlighted tensor or None)
    """
    all_steps = time_steps(graph, node_ids, mode)
    kept = window(all_steps, steps)
    kept_set = set(kept)
    hidden = [t for t in all_steps if t not in kept_set]
    notes = []
    if steps is not None:
        notes.append(f"steps window: showing {len(kept)} of {len(all_steps)} time steps"
                     f" (t = {kept[0]} .. {kept[-1]})")
    if max_nodes > NODE_CEILING:
        notes.append(f"max_nodes={max_nodes} is more than dot lays out in a few seconds: "
                     f"drawing at most {NODE_CEILING} nodes")
        max_nodes = NODE_CEILING

    def attempt(level, folded):
        view = build_view(graph, node_ids, level, mode, folded, highlighted, show_values)
        key = None if source_id is None else next(
            (k for k, n in view.nodes.items() if source_id in n.members), None)
        plan = make_plan(view, page_width, key, bool(label_edges and label_edges(view)))
        return view, plan, key

    view, plan, key = attempt(detail, hidden)
    if len(plan.nodes) > max_nodes and detail == "ops":
        count = len(plan.nodes)
        view, plan, key = attempt("cells", hidden)
        notes.append(f"collapsed: ops grouped into cells ({count} nodes > "
                     f"max_nodes={max_nodes})")
    if len(plan.nodes) > max_nodes and view.detail == "cells" and len(kept) > 2:
        in_steps = sum(len(item.nodes) for row in plan.rows for item in row.items
                       if item.kind == "step")
        fixed = len(plan.nodes) - in_steps
        keep = ends_to_keep(len(kept), in_steps / len(kept), fixed, max_nodes)
        middle = kept[keep:len(kept) - keep]
        if middle:
            count = len(plan.nodes)
            view, plan, key = attempt("cells", sorted(hidden + middle))
            notes.append(f"collapsed: {len(middle)} middle steps (t = {middle[0]} .. "
                         f"{middle[-1]}) folded ({count} nodes > max_nodes={max_nodes})")
    if len(plan.nodes) > max_nodes and view.detail != "layers":
        count = len(plan.nodes)
        view, plan, key = attempt("layers", hidden)
        notes.append(f"collapsed: cells grouped into layers ({count} nodes > "
                     f"max_nodes={max_nodes})")
    if len(plan.nodes) > NODE_CEILING:
        raise RenderError(
            f"render: {len(plan.nodes)} nodes are left after every grouping, more than dot "
            f"lays out in a few seconds ({NODE_CEILING}); draw part of the graph: a steps= "
            f"window, or trace a smaller piece (mg.render(some_intermediate_tensor))")
    if len(plan.nodes) > max_nodes:   # nothing left to fold: say so rather than hide it
        notes.append(f"{len(plan.nodes)} nodes drawn: more than max_nodes={max_nodes}, "
                     f"nothing more could be grouped")
    plan.notes = notes + plan.notes
    return view, plan, key


def ends_to_keep(steps, per_step, fixed, max_nodes):
    """How many steps to keep at each end so that about `max_nodes` nodes are drawn."""
    room = max_nodes - fixed - 1            # 1 for the gap node
    keep = max(1, int(room // max(per_step, 1)) // 2)
    return min(keep, steps // 2)


__all__ = ["DETAILS", "DEFAULT_MAX_NODES", "fit", "window", "time_steps"]
