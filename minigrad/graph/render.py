"""`mg.render`: draw a computation graph, unrolled through time, with Graphviz.

    loss = criterion(model(x), y)
    mg.render(loss, detail="cells", modules=model)                  # forward graph
    mg.render(loss, backward=True, modules=model)                   # gradients flowing back
    mg.render(loss, highlight=model.rnn.weight_hh_l0)               # every path W_hh -> loss
    mg.render(loss).render("graph", format="svg")                   # write graph.svg

The picture: time runs left to right, one cluster per time step with nested
clusters per layer and direction; shared weights are drawn once and tied to each
step that uses them by dashed grey edges. See render_collapse (what is drawn)
and render_layout (how it is laid out).
"""
import networkx as nx
import numpy as np

from ..errors import GraphFreedError
from ..tensor import Tensor
from .capture import Graph, trace
from .render_collapse import DETAILS, build_view, ends_to_keep, time_steps, window_steps
from .render_layout import draw
from .render_style import MagnitudeScale

DEFAULT_MAX_NODES = 250
MAX_LEVEL_CELLS = 120   # above this many cells, dot needs seconds to keep the lanes level


def render(outputs, detail="ops", highlight=None, backward=False, steps=None,
           show_values=False, max_nodes=DEFAULT_MAX_NODES, modules=None, title=None):
    """Draw the graph that computed `outputs` as a `graphviz.Digraph`.

    Args:
        outputs: a Tensor, a list of Tensors, or a Graph from `mg.trace`.
        detail: "ops" (one node per op), "cells" (one node per layer, direction and
            time step) or "layers" (one node per layer and direction).
        highlight: a Tensor or Parameter of the graph (or a parameter's dotted name):
            every path from it to the output is drawn with colour and width set by
            log10 of the gradient norm flowing on each edge, with a legend.
            With `backward=True` on a create_graph graph the paths are found in the
            whole graph (they may run through forward ops, which are not drawn) and
            the norms are those of d(output)/d(edge), e.g. second derivatives when
            the output is itself a gradient.
        backward: draw the backward pass. If the graph holds nodes made by a
            `create_graph=True` backward (they carry `grad_of`), those are drawn;
            otherwise the forward graph with every gradient flowing against it.
        steps: the time steps to show, by position: a slice or range (e.g.
            slice(0, 5)), or one int (-1: the last step); the others are folded into
            "... steps collapsed ..." nodes.
        show_values: add each tensor's value (or norm and mean) to its label.
        max_nodes: above this many drawn nodes, ops are grouped into cells, then
            the middle steps are collapsed; the graph label says what was done.
        modules: Module(s) whose `named_parameters()` name the parameters.
        title: first line of the graph label.
    Returns:
        graphviz.Digraph (`.pipe(format="svg")`, `.render(path, format="png")`;
        shown inline by Jupyter). If Graphviz's dot fails on it, these raise
        render_drawing.RenderError, which names the picture and what to change.
    """
    if detail not in DETAILS:
        raise ValueError(f"render: detail must be one of {', '.join(DETAILS)}, got {detail!r}")
    if max_nodes < 10:
        raise ValueError(f"render: max_nodes must be at least 10, got {max_nodes}")
    graph = outputs if isinstance(outputs, Graph) else trace(*_as_list(outputs), modules=modules)
    grad_graph = backward and any(a["grad_of"] is not None for a in graph.nodes.values())
    mode = "grad-graph" if grad_graph else "reverse-of-forward" if backward else "forward"
    if highlight is not None or mode == "reverse-of-forward":
        record_gradients(graph)
    source_id = None if highlight is None else _node_of(graph, highlight)
    shown = _grad_graph_view(graph) if grad_graph else graph
    node_ids = _drawn_nodes(shown, grad_graph)
    highlighted = set() if source_id is None else edges_to_output(graph, source_id)
    view = _fit(shown, node_ids, detail, steps, max_nodes, highlighted)
    scale = _scale(graph, view, highlighted, mode)
    source_key = _key_of(view, source_id)
    head = title or _default_title(graph, mode, view.detail, node_ids)
    return draw(view, shown, mode, head, scale=scale, show_values=show_values,
                highlight_source=source_key)


def _as_list(outputs):
    if isinstance(outputs, Tensor):
        return [outputs]
    if not isinstance(outputs, (list, tuple)):
        raise TypeError(f"render: outputs is a {type(outputs).__name__}, not a Tensor, a list "
                        f"of Tensors or a Graph from mg.trace")
    return list(outputs)


# ---------------------------------------------------------------- gradients
def record_gradients(graph):
    """Run `graph.backward()` once (keeping the graph) without touching any `.grad`."""
    if any(attrs["grad_norm"] is not None for _, _, attrs in graph.edges):
        return graph
    leaves = [a["tensor"] for a in graph.nodes.values() if a["kind"] != "op"]
    saved = [t.grad for t in leaves]
    try:
        graph.backward(retain_graph=True)
    except GraphFreedError:
        raise GraphFreedError(
            "render: gradient magnitudes (highlight=, backward=True) need the graph's "
            "values, which were freed by a backward; trace first and draw the traced "
            "graph (graph = mg.trace(loss); graph.backward(); mg.render(graph, ...)), or "
            "call backward with retain_graph=True. Without magnitudes, mg.render(loss) "
            "still draws the structure.") from None
    finally:
        for t, g in zip(leaves, saved):
            t.grad = g
    return graph


def edges_to_output(graph, source_id):
    """Indices of graph edges that lie on some path from `source_id` to the output."""
    if len(graph.outputs) != 1:
        raise ValueError("render(highlight=...) needs exactly one output (the loss)")
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((s, d) for s, d, _ in graph.edges)
    loss = graph.outputs[0]
    on_path = (nx.descendants(g, source_id) | {source_id}) & (nx.ancestors(g, loss) | {loss})
    return {i for i, (s, d, _) in enumerate(graph.edges) if s in on_path and d in on_path}


def _node_of(graph, highlight):
    if isinstance(highlight, str):
        for node_id, attrs in graph.nodes.items():
            if attrs["param_name"] == highlight:
                return node_id
        names = sorted(a["param_name"] for a in graph.nodes.values() if a["param_name"])
        raise ValueError(f"render: no parameter named {highlight!r} in the graph; "
                         f"parameters: {', '.join(names) or '(none named)'}")
    try:
        return graph.node_id(highlight)
    except KeyError:
        raise ValueError("render: the highlighted tensor is not part of the graph that "
                         "computed the outputs") from None


# ---------------------------------------------------------------- selection
def _drawn_nodes(graph, grad_graph):
    """Node ids to draw: no 0-d constants; for a backward graph only gradient nodes
    and the parameters they read."""
    if not grad_graph:
        return [n for n, a in graph.nodes.items() if a["kind"] != "constant"]
    used = {s for s, d, _ in graph.edges if graph.nodes[d]["grad_of"] is not None}
    return [n for n, a in graph.nodes.items()
            if a["grad_of"] is not None or (a["kind"] == "param" and n in used)]


class _Relabelled:
    """The same graph with each gradient node placed where its forward node is."""

    def __init__(self, graph, nodes):
        self.nodes, self.edges, self.outputs = nodes, graph.edges, graph.outputs


def _grad_graph_view(graph):
    nodes = {}
    for node_id, attrs in graph.nodes.items():
        forward = attrs["grad_of"]
        if forward is None:
            nodes[node_id] = attrs
            continue
        f = graph.nodes[forward]
        nodes[node_id] = dict(attrs, time_step=f["time_step"], module=f["module"],
                              layer=f["layer"], direction=f["direction"])
    return _Relabelled(graph, nodes)


def _window(all_steps, steps):
    """The time steps that `steps` selects among `all_steps` (sorted): a slice or a range
    over their positions, or an int position (negative: from the end, as an index).
    A selection of no step is an error, not an empty picture."""
    if isinstance(steps, range):
        steps = slice(steps.start, steps.stop, steps.step)
    if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool):
        if not -len(all_steps) <= steps < len(all_steps):
            raise IndexError(f"render: steps={steps} is out of range: the graph has "
                             f"{len(all_steps)} time steps")
        return [all_steps[steps]]
    kept = window_steps(all_steps, steps)
    if steps is not None and not kept:
        raise ValueError(f"render: steps={steps!r} selects none of the graph's "
                         f"{len(all_steps)} time steps")
    return kept


def _fit(graph, node_ids, detail, steps, max_nodes, highlighted):
    """Build the view, collapsing (ops -> cells -> windows of steps) above max_nodes."""
    all_steps = time_steps(graph, node_ids)
    kept = _window(all_steps, steps)
    kept_set = set(kept)
    hidden = [t for t in all_steps if t not in kept_set]
    notes = []
    if steps is not None:
        notes.append(f"steps window: showing {len(kept)} of {len(all_steps)} time steps"
                     + (f" (t = {kept[0]} .. {kept[-1]})" if kept else ""))
    view = build_view(graph, node_ids, detail, hidden, highlighted)
    if len(view.nodes) > max_nodes and detail == "ops":
        count = len(view.nodes)
        view = build_view(graph, node_ids, "cells", hidden, highlighted)
        notes.append(f"collapsed: ops grouped into cells ({count} nodes > max_nodes={max_nodes})")
    timed = sum(1 for n in view.nodes.values() if n.time is not None and n.kind != "gap")
    too_many = len(view.nodes) > max_nodes or timed > MAX_LEVEL_CELLS
    if too_many and view.detail == "cells" and len(kept) > 2:
        fixed = len(view.nodes) - timed
        budget = min(max_nodes, fixed + MAX_LEVEL_CELLS)
        keep = ends_to_keep(kept, timed / len(kept), fixed, budget)
        middle = kept[keep:len(kept) - keep]
        count = len(view.nodes)
        view = build_view(graph, node_ids, "cells", sorted(hidden + middle), highlighted)
        reason = (f"{count} nodes > max_nodes={max_nodes}" if count > max_nodes else
                  f"{timed} cells > {MAX_LEVEL_CELLS}, the most dot keeps level quickly")
        notes.append(f"collapsed: {len(middle)} middle steps (t = {middle[0]} .. {middle[-1]}) "
                     f"folded into one node ({reason})")
    if len(view.nodes) > max_nodes and view.detail != "layers":
        count = len(view.nodes)
        view = build_view(graph, node_ids, "layers", hidden, highlighted)
        notes.append(f"collapsed: cells grouped into layers ({count} nodes > "
                     f"max_nodes={max_nodes})")
    if len(view.nodes) > max_nodes:  # nothing left to fold: say so rather than hide it
        notes.append(f"{len(view.nodes)} nodes drawn: more than max_nodes={max_nodes}, "
                     f"nothing more could be grouped")
    view.notes = notes
    return view


def _scale(graph, view, highlighted, mode):
    if highlighted:
        return MagnitudeScale([e.grad_norm for e in view.edges if e.highlighted])
    if mode == "reverse-of-forward":
        return MagnitudeScale([e.grad_norm for e in view.edges])
    return None


def _key_of(view, node_id):
    if node_id is None:
        return None
    for key, node in view.nodes.items():
        if node_id in node.members:
            return key
    return None


def _default_title(graph, mode, detail, node_ids):
    what = {"forward": "forward graph", "reverse-of-forward":
            "backward pass: gradients flow right to left along the forward graph",
            "grad-graph": "backward graph (create_graph=True): gradient ops, right to left"}
    steps = len(time_steps(graph, node_ids))
    return (f"minigrad {what[mode]} | detail={detail} | {len(node_ids)} nodes"
            + (f", {steps} time steps" if steps else ""))
