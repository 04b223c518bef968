"""`mg.explore`: one self-contained HTML page to explore the graph that computed a loss.

    loss = criterion(model(x), y)
    mg.explore(loss, "lstm.html", modules=model)                  # writes lstm.html
    page = mg.explore(loss, modules=model, weight=model.weight_hh_l0,
                      step_outputs=per_step_logits, step_inputs=x)   # in a notebook: shown
    page.save("lstm.html")

The page (see the package's docstring for what it shows and why it is built so) is the
template assets/page.html with the style sheet, the script and the data written into
it: the data as one JSON blob, `page.data`, described in `build_data`.
"""
import json
import math
import os
import re
from html import escape

from ...graph.capture import Graph, caller_names, capture
from ...graph.connectivity import connectivity
from ...tensor import Tensor
from ..charts import BAR_COLOUR
from ..fit import time_steps, window
from ..render import record_gradients
from ..view import drawn_nodes
from .. import legend, style
from . import MAX_STEPS, data, views

ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
_SLOT = re.compile(r"/\*@(\w+)@\*/")


class ExplorerPage:
    """The explorer page: `html` (the whole file as text), `data` (the JSON blob, as
    Python data), `save(path)`; a notebook shows it inline."""

    def __init__(self, html, data_blob):
        self.html = html
        self.data = data_blob

    def save(self, path):
        """Write the page to `path` (UTF-8). Returns the path."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.html)
        return path

    def _repr_html_(self):
        return (f'<iframe srcdoc="{escape(self.html, quote=True)}" '
                f'style="width:100%;height:900px;border:1px solid #ccc"></iframe>')

    def __repr__(self):
        return f"ExplorerPage({len(self.html):,} characters, {len(self.data['views'])} views)"


def explore(loss, path=None, *, modules=None, steps=None, weight=None, step_outputs=None,
            step_inputs=None, title=None):
    """The explorer page of the graph that computed `loss`; written to `path` if given.

    Args:
        loss: a scalar Tensor whose graph is alive (not freed by a backward), or a Graph
            from `mg.trace` that still holds its tensors.
        path: a file to write the page to (.html), or None.
        modules: Module(s) whose `named_parameters()` name the parameters.
        steps: the time steps the page holds, by position, as render's steps= (a slice,
            range or int); at most MAX_STEPS. The others are folded.
        weight: the parameter (a Tensor or its dotted name) chosen when the page opens:
            its paths lit, its per-step terms charted. Default: the first recurrent weight
            (a name ending in weight_hh_l0), else the first parameter read at a step.
        step_outputs, step_inputs: a scalar per step and the per-step inputs, as
            `mg.bptt.connectivity` takes them, for the connectivity heatmap.
        title: the page's heading.
    Returns:
        ExplorerPage
    """
    if isinstance(loss, Graph):
        graph = loss
    elif isinstance(loss, Tensor):
        graph = capture([loss], modules, caller_names(2), owner="explore")
    else:
        raise TypeError(f"explore: loss is a {type(loss).__name__}, not a Tensor or a Graph "
                        f"from mg.trace")
    page_data = build_data(graph, steps, weight, step_outputs, step_inputs, title)
    page = ExplorerPage(write_html(page_data), page_data)
    if path is not None:
        page.save(path)
    return page


def build_data(graph, steps=None, weight=None, step_outputs=None, step_inputs=None,
               title=None):
    """The page's JSON blob:
        title, steps (the time steps it holds), loss (its node id), nodes (one record per
        graph node: data.node_records), edges ([tail, head] node ids of each graph edge),
        params (node ids of the parameters, in order),
        names (node id -> parameter name), weight (the one chosen first, or None),
        views ({key: views.Drawn.record()}, in `order`), order, start (the view shown
        first), legend ({view key: rows}), paths ({param id: {view key: data.highlight}}),
        terms ({param id: data.contributions}), connectivity (or why there is none),
        looks (the styles the script applies: faded, zero, source, bar).
    """
    if len(graph.outputs) != 1:
        raise ValueError(f"explore: needs one output (the loss), the graph has "
                         f"{len(graph.outputs)}")
    if not record_gradients(graph):
        raise ValueError("explore: the graph's values were freed by a backward (or the "
                         "Graph's tensors released): call mg.explore before backward, or "
                         "backward with retain_graph=True")
    node_ids = drawn_nodes(graph, "forward")
    all_steps = time_steps(graph, node_ids, "forward")
    kept = _steps_held(all_steps, steps)
    drawn = _draw_views(graph, node_ids, all_steps, kept, steps)
    params = data.parameters(graph)
    chosen = _chosen_weight(graph, weight, params)
    return {
        "title": title or _default_title(graph, kept),
        "steps": kept, "loss": graph.outputs[0], "nodes": data.node_records(graph),
        "edges": [[s, d] for s, d, _ in graph.edges],
        "params": params, "names": {p: graph.nodes[p]["param_name"] or
                                    graph.nodes[p]["name"] for p in params},
        "weight": chosen,
        "views": {d.key: d.record() for d in drawn}, "order": [d.key for d in drawn],
        "start": "cells" if kept else "graph",
        "legend": {d.key: data.legend_rows(legend.legend_entries(d.plan)) for d in drawn},
        "paths": {p: data.highlight(graph, p, drawn) for p in params},
        "terms": {p: data.contributions(graph, p, kept) for p in params} if kept else {},
        "connectivity": connectivity_panel(step_outputs, step_inputs),
        "looks": {"faded": style.FADED_EDGE, "zero": style.ZERO_EDGE,
                  "source": style.HIGHLIGHT_SOURCE_STYLE, "bar": BAR_COLOUR},
    }


def _steps_held(all_steps, steps):
    try:
        kept = window(all_steps, steps)
    except (IndexError, TypeError, ValueError) as exc:
        raise type(exc)(str(exc).replace("render:", "explore:", 1)) from None
    if len(kept) > MAX_STEPS:
        raise ValueError(f"explore: the graph has {len(kept)} time steps; a page holds at "
                         f"most {MAX_STEPS} (one picture each): pass steps=slice(a, b)")
    return kept


def _draw_views(graph, node_ids, all_steps, kept, steps):
    """The views: the layers, the cells, and each step op by op; one view for a graph
    without time steps."""
    if not all_steps:
        return [views.draw(graph, node_ids, "graph", "graph", None)]
    position = {t: i for i, t in enumerate(all_steps)}
    drawn = [views.draw(graph, node_ids, "layers", "layers", steps),
             views.draw(graph, node_ids, "cells", "cells", steps)]
    drawn += [views.draw(graph, node_ids, f"t{t}", "step",
                         slice(position[t], position[t] + 1), time=t) for t in kept]
    return drawn


def _chosen_weight(graph, weight, params):
    """The node id of `weight` (a Tensor or a name), or the default (see `explore`)."""
    if weight is None:
        recurrent = [p for p in params
                     if (graph.nodes[p]["param_name"] or "").endswith("weight_hh_l0")]
        timed = [p for p in params if any(graph.nodes[d]["time_step"] is not None
                                          for d in graph._networkx().successors(p))]
        return (recurrent or timed or params or [None])[0]
    if isinstance(weight, str):
        names = {p: graph.nodes[p]["param_name"] or "" for p in params}
        found = [p for p, name in names.items() if name == weight] or \
                [p for p, name in names.items() if name.endswith("." + weight)]
        if len(found) != 1:
            raise ValueError(f"explore: weight={weight!r} names {len(found)} of the "
                             f"parameters the loss depends on: "
                             f"{', '.join(sorted(names.values())) or '(none)'}")
        return found[0]
    try:
        node_id = graph.node_id(weight)
    except KeyError:
        raise ValueError("explore: the weight is not part of the graph that computed the "
                         "loss") from None
    if node_id not in params:
        raise ValueError(f"explore: the weight (node {node_id}, "
                         f"{graph.nodes[node_id]['kind']}) is not a parameter the loss "
                         f"depends on")
    return node_id


def connectivity_panel(step_outputs, step_inputs):
    """The heatmap's data: the matrix, its colour codes and scale; or why there is none."""
    if step_outputs is None or step_inputs is None:
        return {"reason": "pass step_outputs= and step_inputs= to mg.explore to see how "
                          "strongly each input step reaches each output step"}
    matrix = connectivity(step_outputs, step_inputs)
    codes, bins = data.magnitude_codes(matrix)
    return {"matrix": matrix.tolist(),
            "codes": codes, "bins": bins}


def json_safe(value):
    """`value` (dicts, lists, numbers, strings) with every float that JSON cannot hold
    (inf, nan: an exploding gradient) as its text, "inf" or "nan"; the page says so. A
    walk over the page's data, which is a few levels deep, not over the graph."""
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def _default_title(graph, kept):
    steps = f", {len(kept)} time steps" if kept else ""
    return f"minigrad explorer: {len(graph.nodes)} nodes{steps}"


def write_html(page_data):
    """The page: the template with the style sheet, the script and the JSON blob in it."""
    def asset(name):
        with open(os.path.join(ASSETS, name), encoding="utf-8") as f:
            return f.read()
    blob = json.dumps(json_safe(page_data), separators=(",", ":"), allow_nan=False)
    # inside <script>, "</" would end it and "<!--" change how it is read
    blob = blob.replace("</", "<\\/").replace("<!--", "<\\u0021--")
    parts = {"TITLE": escape(page_data["title"]), "CSS": asset("explorer.css"),
             "SCRIPT": asset("explorer.js"), "DATA": blob}
    return _SLOT.sub(lambda m: parts[m.group(1)], asset("page.html"))
