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
        return _Attempt(build_view(graph, node_ids, level, mode, folded, highlighted,
                                   show_values), page_width, source_id, label_edges)

    drawn = attempt(detail, hidden)
    if drawn.size() > max_nodes and detail == "ops":
        count = drawn.size()
        drawn = attempt("cells", hidden)
        notes.append(f"collapsed: ops grouped into cells ({count} nodes > "
                     f"max_nodes={max_nodes})")
    if drawn.size() > max_nodes and drawn.view.detail == "cells" and len(kept) > 2:
        count, per_step = drawn.size(), drawn.per_step(len(kept))
        outside = sum(1 for n in drawn.view.nodes.values() if n.time is None)
        keep = ends_to_keep(len(kept), per_step, outside, max_nodes)
        while True:   # the estimate of the nodes per step may be low: fold more if need be
            middle = kept[keep:len(kept) - keep]
            folded = attempt("cells", sorted(hidden + middle))
            if folded.size() <= max_nodes or keep == 1:
                break
            keep = max(1, keep * max_nodes // folded.size())
        if middle:
            drawn = folded
            notes.append(f"collapsed: {len(middle)} middle steps (t = {middle[0]} .. "
                         f"{middle[-1]}) folded ({count} nodes > max_nodes={max_nodes})")
    if drawn.size() > max_nodes and drawn.view.detail != "layers":
        count = drawn.size()
        drawn = attempt("layers", hidden)
        notes.append(f"collapsed: cells grouped into layers ({count} nodes > "
                     f"max_nodes={max_nodes})")
    if drawn.size() > NODE_CEILING:
        raise RenderError(
            f"render: {drawn.size()} nodes are left after every grouping, more than dot "
            f"lays out in a few seconds ({NODE_CEILING}). Draw a part: a steps= window, or "
            f"an intermediate tensor (mg.render(h)); or let the ops be grouped: run them "
            f"inside modules or mg.name_scope(\"t{{k}}\") scopes, then detail=\"cells\"")
    view, plan, key = drawn.view, drawn.plan(), drawn.key
    if len(plan.nodes) > max_nodes:   # nothing left to fold: say so rather than hide it
        notes.append(f"{len(plan.nodes)} nodes drawn: more than max_nodes={max_nodes}, "
                     f"nothing more could be grouped")
    plan.notes = notes + plan.notes
    return view, plan, key


class _Attempt:
    """A view at one level of detail, and its plan when it is asked for: a plan only adds
    nodes (references, connectors), so a view already above the limit needs none."""

    def __init__(self, view, page_width, source_id, label_edges):
        self.view = view
        self.key = None if source_id is None else next(
            (k for k, n in view.nodes.items() if source_id in n.members), None)
        self._args = (page_width, self.key, bool(label_edges and label_edges(view)))
        self._plan = None

    def plan(self):
        if self._plan is None:
            self._plan = make_plan(self.view, *self._args)
        return self._plan

    def size(self):
        """Nodes drawn: the view's count when that is over NODE_CEILING already, else
        the plan's (view nodes, references and connectors)."""
        if self._plan is None and len(self.view.nodes) > NODE_CEILING:
            return len(self.view.nodes)
        return len(self.plan().nodes)

    def per_step(self, steps):
        """Nodes per time step: the view's nodes in steps, and a reference for each node
        outside the steps that a step reads or feeds."""
        timed = {k for k, n in self.view.nodes.items() if n.time is not None}
        references = {(e.tail, e.head) if e.tail not in timed else (e.head, e.tail)
                      for e in self.view.edges if (e.tail in timed) != (e.head in timed)}
        return (len(timed) + len(references)) / max(steps, 1)


def ends_to_keep(steps, per_step, fixed, max_nodes):
    """How many steps to keep at each end so that about `max_nodes` nodes are drawn."""
    room = max_nodes - fixed - 1            # 1 for the gap node
    keep = max(1, int(room // max(per_step, 1)) // 2)
    return min(keep, steps // 2)


__all__ = ["DETAILS", "DEFAULT_MAX_NODES", "fit", "window", "time_steps"]
