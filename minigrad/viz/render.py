"""`mg.render`: draw a computation graph, unrolled through time, with Graphviz.

    loss = criterion(model(x), y)
    mg.render(loss, detail="cells", modules=model)                  # forward graph
    mg.render(loss, backward=True, modules=model)                   # gradients flowing back
    mg.render(loss, highlight=model.rnn.weight_hh_l0)               # every path W_hh -> loss
    mg.render(loss).render("graph", format="svg")                   # writes graph.svg only

The pipeline, each stage reading only the one before it:
    capture (graph/capture.py: engine nodes -> Graph, plain data)
    -> gradients, here and only here, when the picture needs them
    -> view (view.py, fit.py: what is drawn)
    -> plan (plan.py, placement.py, wrap.py: rows, columns, references, connectors)
    -> emitter (emitter.py: the one writer of dot).
"""
import math
import numbers

import networkx as nx

from ..graph.capture import Graph, caller_names, capture
from ..tensor import Tensor
from .emitter import emit
from .fit import DEFAULT_MAX_NODES, MIN_MAX_NODES, fit, time_steps
from .style import MagnitudeScale
from .view import DETAILS, drawn_nodes

PAGE_WIDTH = 1200          # points: a page or a slide at a legible size
MAX_EDGE_LABELS = 40       # more highlighted edges than this carry no |gradient| text
NO_GRADIENTS = ("gradient magnitudes cannot be shown: a backward freed this graph's saved "
                "values before it was drawn. Trace first (graph = mg.trace(loss); "
                "graph.backward(); mg.render(graph, ...)), or call "
                "loss.backward(retain_graph=True)")


def render(outputs, detail="ops", highlight=None, backward=False, steps=None,
           show_values=False, max_nodes=DEFAULT_MAX_NODES, modules=None, title=None,
           width=PAGE_WIDTH):
    """Draw the graph that computed `outputs` as a `graphviz.Digraph`.

    Args:
        outputs: a Tensor, a list of Tensors, or a Graph from `mg.trace`. After a plain
            `loss.backward()` the structure is drawn (its values were freed).
        detail: "ops" (one node per op), "cells" (one node per layer, direction and
            time step) or "layers" (one node per layer and direction).
        highlight: a Tensor or Parameter of the graph (or a parameter's dotted name):
            every path from it to the output, coloured and widened by log10 of the
            gradient norm on each edge, with a legend. With `backward=True` on a
            create_graph graph the norms are those of d(output)/d(edge).
        backward: draw the backward pass. If the graph holds nodes made by a
            `create_graph=True` backward (they carry `grad_of`), those are drawn;
            otherwise the forward graph with every gradient flowing against it.
        steps: the time steps to show, by position: a slice or range (e.g.
            slice(0, 5)), or one int (-1: the last step); the others are folded.
        show_values: add each tensor's value (or norm and mean) to its label.
        max_nodes: above this many drawn nodes, ops are grouped into cells, then the
            middle steps are folded, then cells into layers; the title says so.
            An int >= 10; above fit.NODE_CEILING it is lowered to that.
        modules: Module(s) whose `named_parameters()` name the parameters.
        title: first line of the graph label.
        width: the page width in points (default 1200): a longer unroll wraps onto
            more rows. None draws one long strip.
    Returns:
        graphviz.Digraph (`.pipe(format="svg")`, `.render(path, format="png")` writes
        the picture only; shown inline by Jupyter). If Graphviz's dot fails on it,
        these raise drawing.RenderError, which names the picture and what to change.
    """
    return emit(*picture(outputs, detail, highlight, backward, steps, show_values, max_nodes,
                         modules, title, width, caller_names(2)))


def picture(outputs, detail="ops", highlight=None, backward=False, steps=None,
            show_values=False, max_nodes=DEFAULT_MAX_NODES, modules=None, title=None,
            width=PAGE_WIDTH, names=None):
    """The stages of `render` before the emitter: (plan, title, scale, what, instead),
    the arguments of `emitter.emit`. Tests read the plan; `names` are the caller's
    variable names (`capture.caller_names`)."""
    _check_arguments(detail, max_nodes, width)
    if isinstance(outputs, Graph):
        graph = outputs
    else:
        graph = capture(_as_list(outputs), modules, names or caller_names(2), owner="render")
    grad_graph = backward and any(a["grad_of"] is not None for a in graph.nodes.values())
    mode = "grad-graph" if grad_graph else "backward" if backward else "forward"
    notes = []
    if highlight is not None or mode == "backward":
        if not record_gradients(graph):
            notes.append(NO_GRADIENTS)
    source_id = None if highlight is None else _node_of(graph, highlight)
    highlighted = set() if source_id is None else edges_to_output(graph, source_id)
    node_ids = drawn_nodes(graph, mode)
    view, plan, _ = fit(
        graph, node_ids, detail, mode, steps, max_nodes, highlighted, width, source_id,
        label_edges=lambda v: sum(e.highlighted for e in v.edges) <= MAX_EDGE_LABELS,
        show_values=show_values)
    plan.notes += notes
    scale = _scale(view, mode, bool(highlighted))
    head = title or _default_title(graph, mode, view.detail, node_ids, highlight)
    return (plan, head, scale, *_describe(head, view))


def _check_arguments(detail, max_nodes, width):
    if detail not in DETAILS:
        raise ValueError(f"render: detail must be one of {', '.join(DETAILS)}, got {detail!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, numbers.Integral):
        what = "NaN" if isinstance(max_nodes, float) and math.isnan(max_nodes) else repr(max_nodes)
        raise TypeError(f"render: max_nodes must be an int (at least {MIN_MAX_NODES}, "
                        f"default {DEFAULT_MAX_NODES}), got {what} of type "
                        f"{type(max_nodes).__name__}")
    if max_nodes < MIN_MAX_NODES:
        raise ValueError(f"render: max_nodes must be at least {MIN_MAX_NODES}, got {max_nodes}")
    if width is not None and (isinstance(width, bool) or not isinstance(width, numbers.Real)
                              or not math.isfinite(width) or width < 200):
        raise ValueError(f"render: width must be None (one strip) or a page width in "
                         f"points, at least 200, got {width!r}")


def _as_list(outputs):
    if isinstance(outputs, Tensor):
        return [outputs]
    if not isinstance(outputs, (list, tuple)):
        raise TypeError(f"render: outputs is a {type(outputs).__name__}, not a Tensor, a list "
                        f"of Tensors or a Graph from mg.trace")
    return list(outputs)


# ---------------------------------------------------------------- gradients
def record_gradients(graph):
    """Record gradient norms on `graph` (once, keeping the graph, touching no `.grad`).
    Returns False when they cannot be had: a backward had freed the graph's values, or
    the Graph's tensors were released."""
    if graph.has_gradients():
        return True
    if graph.freed or not graph.has_tensors():
        return False
    leaves = [graph.tensor(n) for n, a in graph.nodes.items() if a["op"] is None]
    saved = [t._grad for t in leaves]
    try:
        graph.backward(retain_graph=True)
    finally:
        for tensor, grad in zip(leaves, saved):
            tensor._grad = grad
    return True


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


def _scale(view, mode, any_highlight):
    if any_highlight:
        norms = [e.grad_norm for e in view.edges if e.highlighted]
    elif mode == "backward":
        norms = [e.grad_norm for e in view.edges]
    else:
        return None
    return MagnitudeScale(norms) if any(n is not None for n in norms) else None


def _default_title(graph, mode, detail, node_ids, highlight=None):
    what = {"forward": "forward graph", "backward":
            "backward pass: gradients flow right to left along the forward graph",
            "grad-graph": "backward graph (create_graph=True): gradient ops, right to left"}
    steps = len(time_steps(graph, node_ids, mode))
    paths = ""
    if highlight is not None:
        name = highlight if isinstance(highlight, str) else \
            graph.nodes[_node_of(graph, highlight)]["name"] or "the tensor"
        paths = f" | paths from {name} to the output"
    return (f"minigrad {what[mode]}{paths} | detail={detail} | {len(node_ids)} nodes"
            + (f", {steps} time steps" if steps else ""))


def _describe(title, view):
    """(what, instead) for a RenderError: the picture, and the detail levels to try."""
    steps = len({n.time for n in view.nodes.values() if n.time is not None})
    size = f"{len(view.nodes)} nodes"
    if steps:
        size = f"{steps} time step{'s' if steps > 1 else ''}, {size}"
    what = f"{title!r} (detail={view.detail}, {size})"
    return what, " or ".join(f"detail={d!r}" for d in DETAILS if d != view.detail)
