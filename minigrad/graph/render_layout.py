"""Turn a View into a `graphviz.Digraph`: clusters, edge orientation, styles, labels.

Layout rules (rankdir LR, so dot's ranks run left to right):
- every edge is laid out from the earlier time step to the later one, whatever
  its data-flow direction; the arrow is then drawn at whichever end the flow
  goes to (`dir=back` when that is the left end). So time always runs left to
  right, and a reverse-direction RNN or a backward graph shows arrows running
  right to left;
- one `cluster_t{t}` per time step, with nested clusters per (module, layer,
  direction) inside it;
- parameters live once, in `cluster_weights`, outside the time clusters; their
  edges to every step that uses them are dashed grey.
"""
import graphviz

from .render_bus import plan_buses
from .render_style import (FADED_EDGE, HIGHLIGHT_SOURCE_STYLE, NODE_STYLE, OUTPUT_STYLE,
                           PLAIN_EDGE, WEIGHT_EDGE, format_norm, format_shape, format_value)

MAX_EDGE_LABELS = 40
TAP_ATTRS = {"shape": "point", "width": "0.04", "height": "0.04", "color": "#8c8c8c",
             "label": ""}
GRAPH_ATTRS = {"rankdir": "LR", "newrank": "true", "fontname": "Helvetica", "fontsize": "12",
               "nodesep": "0.2", "ranksep": "0.35", "labelloc": "t", "labeljust": "l",
               "splines": "true"}
NODE_ATTRS = {"fontname": "Helvetica", "fontsize": "10", "height": "0.3", "margin": "0.06,0.03"}
EDGE_ATTRS = {"arrowsize": "0.7"}


def draw(view, graph, mode, title, scale=None, show_values=False, highlight_source=None):
    """Build the Digraph of `view`.

    Args:
        view: the View to draw.
        graph: the captured Graph (for node attributes).
        mode: "forward", "reverse-of-forward" (the forward graph with gradients
            flowing against its edges) or "grad-graph" (nodes of a create_graph backward).
        title: first line of the graph label; view.notes are added below it.
        scale: a MagnitudeScale to colour edges by gradient norm (or None).
        show_values: put each tensor's value (or norm and mean) in its label.
        highlight_source: view key of the highlighted tensor (drawn with a red border).
    """
    dot = graphviz.Digraph(name="minigrad", graph_attr=dict(GRAPH_ATTRS),
                           node_attr=dict(NODE_ATTRS), edge_attr=dict(EDGE_ATTRS))
    dot.attr(label=_graph_label(title, view.notes))
    names = {key: f"v{i}" for i, key in enumerate(view.nodes)}
    constants = _constant_inputs(graph, view)
    any_highlight = any(e.highlighted for e in view.edges)
    placed = {key: _node_statement(node, graph, mode, names[key], show_values,
                                   key == highlight_source, constants.get(key))
              for key, node in view.nodes.items()}
    buses, taps = plan_buses(view, mode)
    _emit_clusters(dot, view, placed, buses)
    label_edges = any_highlight and sum(e.highlighted for e in view.edges) <= MAX_EDGE_LABELS
    for edge in view.edges:
        _emit_edge(dot, edge, view, names, mode, scale, any_highlight, label_edges,
                   taps.get(id(edge)))
    for bus in buses:
        _emit_bus(dot, bus, names, scale, any_highlight)
    if scale is not None:
        title = "|gradient| on highlighted paths" if any_highlight else "|gradient| on edges"
        dot.node("legend", label=scale.legend_label(title), shape="plaintext")
    return dot


def _graph_label(title, notes):
    return "\\l".join([title] + list(notes)) + "\\l"


# ------------------------------------------------------------------ clusters
def _emit_clusters(dot, view, placed, buses):
    weights, loose, steps = [], [], {}
    modules = {n.module for n in view.nodes.values() if n.time is not None}
    shared = {e.tail for e in view.edges if e.from_weight and view.nodes[e.head].time is not None}
    grown = True
    while grown:  # parameters feeding weight-derived ops that feed the steps
        more = {e.tail for e in view.edges if e.from_weight and e.head in shared} - shared
        shared |= more
        grown = bool(more)
    for key, node in view.nodes.items():
        if node.from_weights and key in shared:
            weights.append(key)
        elif node.time is None or node.kind == "gap":
            loose.append(key)
        else:
            inner = (node.module if len(modules) > 1 else None, node.layer, node.direction)
            steps.setdefault(node.time, {}).setdefault(inner, []).append(key)
    taps = {}   # time -> {"out": [tap names], "in": [tap names]}
    for bus in buses:
        for t in bus.times:
            taps.setdefault(t, {"out": [], "in": []})[bus.side].append(bus.tap(t))
    for key in loose:
        dot.node(**placed[key])
    for t in set(taps) - set(steps):   # taps of gap nodes
        for name in taps[t]["out"] + taps[t]["in"]:
            dot.node(name, **TAP_ATTRS)
    if weights:
        with dot.subgraph(name="cluster_weights") as sub:
            sub.attr(label="shared weights (drawn once)", style="rounded,dashed",
                     color="#c26a00", fontcolor="#c26a00")
            for key in weights:
                sub.node(**placed[key])
    _emit_step_order(dot, view, steps, taps)
    for t in sorted(steps):
        with dot.subgraph(name=f"cluster_t{t}") as step:
            step.attr(label=f"t = {t}", style="rounded,filled", fillcolor="#fafafa",
                      color="#b0b0b0", fontcolor="#505050")
            for name in taps[t]["out"] + taps[t]["in"] if t in taps else ():
                step.node(name, **TAP_ATTRS)
            for inner, keys in steps[t].items():
                if inner == (None, None, None):
                    for key in keys:
                        step.node(**placed[key])
                    continue
                with step.subgraph(name=_inner_name(t, inner)) as sub:
                    sub.attr(label=_inner_label(inner), style="rounded",
                             color="#7a9cc6" if inner[2] != "reverse" else "#c67a9c",
                             fillcolor="white")
                    for key in keys:
                        sub.node(**placed[key])


def _emit_step_order(dot, view, steps, taps):
    """Invisible edges that keep step t to the right of step t-1: from the last node
    of t-1 (highest graph id, i.e. last computed) to every entry node and bus tap of t.
    Without them steps overlap in rank and dot stacks them into a staircase."""
    names = {key: f"v{i}" for i, key in enumerate(view.nodes)}
    step_of = {}
    for t, inner in steps.items():
        for keys in inner.values():
            for key in keys:
                step_of[key] = t
    has_local_input = {e.head for e in view.edges
                       if step_of.get(e.tail) is not None and step_of.get(e.tail) == step_of.get(e.head)}
    ordered = sorted(steps)
    no_taps = {"out": [], "in": []}
    for previous, t in zip(ordered, ordered[1:]):
        last = max((k for keys in steps[previous].values() for k in keys),
                   key=lambda k: max(view.nodes[k].members))
        exits = [names[last]] + taps.get(previous, no_taps)["in"]
        entries = [names[key] for keys in steps[t].values() for key in keys
                   if key not in has_local_input] + taps.get(t, no_taps)["out"]
        for a in exits:
            for b in entries:
                dot.edge(a, b, style="invis")


def _inner_name(t, inner):
    module, layer, direction = inner
    parts = [f"cluster_t{t}"]
    if module:
        parts.append(module.replace(".", "_"))
    if layer is not None:
        parts.append(f"layer{layer}")
    if direction:
        parts.append(direction)
    return "_".join(parts)


def _inner_label(inner):
    module, layer, direction = inner
    parts = [module] if module else []
    if layer is not None:
        parts.append(f"layer {layer}")
    if direction == "reverse":
        parts.append("reverse (runs right to left)")
    elif direction:
        parts.append(direction)
    return " · ".join(parts)


# --------------------------------------------------------------------- nodes
def _constant_inputs(graph, view):
    """view key of an op node -> texts of the 0-d constants it takes (not drawn as nodes)."""
    ops = {node.members[0]: key for key, node in view.nodes.items()
           if node.kind in ("op", "grad")}
    found = {}
    for src, dst, _ in graph.edges:
        if dst in ops and graph.nodes[src]["kind"] == "constant":
            found.setdefault(ops[dst], []).append(graph.nodes[src]["label"])
    return found


def _node_statement(node, graph, mode, name, show_values, is_source, constants=None):
    attrs = dict(NODE_STYLE.get(node.kind, NODE_STYLE["op"]))
    if node.is_output:
        attrs.update(OUTPUT_STYLE)
    if is_source:
        attrs.update(HIGHLIGHT_SOURCE_STYLE)
    label = _node_label(node, graph, mode, show_values)
    if constants:
        first, _, rest = label.partition("\n")
        label = f"{first} ({', '.join(constants[:3])})" + (f"\n{rest}" if rest else "")
    if node.kind not in ("cell", "layer", "gap"):
        attrs["id"] = f"node{node.members[0]}"   # the graph node id, for tools and tests
    return {"name": name, "label": label, **attrs}


def _node_label(node, graph, mode, show_values):
    if node.kind in ("cell", "layer", "gap"):
        return _group_label(node, graph, mode)
    attrs = graph.nodes[node.members[0]]
    shape = format_shape(attrs["shape"])
    if node.kind == "param":
        lines = [attrs["param_name"] or attrs["label"], shape]
    elif node.kind == "grad":
        forward = graph.nodes[attrs["grad_of"]]
        lines = [f"{attrs['op']}  (grad of {forward['op'] or forward['label']})", shape]
    elif node.kind == "op":
        lines = [attrs["op"], shape]
    else:
        lines = [attrs["label"], shape]
    if node.is_output:
        lines[0] = f"{lines[0]}  [output]"
    if show_values:
        lines.append(format_value(attrs["tensor"]))
    if mode == "reverse-of-forward" and attrs["grad_norm"] is not None:
        lines.append(f"|grad| {format_norm(attrs['grad_norm'])}")
    return "\n".join(line for line in lines if line)


def _group_label(node, graph, mode):
    ops = sum(1 for m in node.members if graph.nodes[m]["kind"] == "op")
    if node.kind == "gap":
        first, last = node.key[1], node.key[2]
        count = last - first + 1
        return (f"... {count} step{'s' if count > 1 else ''} collapsed ...\n"
                f"(t = {first} .. {last}, {ops} ops)")
    where = [node.module or "cell"]
    if node.kind == "cell":   # layer and direction are in the enclosing cluster's label
        where.append(f"t={node.time}" + (" (reverse)" if node.direction == "reverse" else ""))
        lines = [" ".join(where)]
    else:
        if node.layer is not None:
            where.append(f"layer {node.layer}")
        if node.direction:
            where.append(node.direction)
        steps = len({graph.nodes[m]["time_step"] for m in node.members} - {None})
        lines = [" · ".join(where), f"{steps} steps"]
    shapes = sorted({format_shape(graph.nodes[m]["shape"]) for m in node.out_members})
    lines.append(f"{ops} ops" + (f" -> {', '.join(shapes[:2])}" if shapes else ""))
    if mode == "reverse-of-forward":
        norms = [graph.nodes[m]["grad_norm"] for m in node.out_members]
        norms = [n for n in norms if n is not None]
        if norms:
            lines.append(f"|grad| {format_norm(max(norms))}")
    return "\n".join(lines)


# --------------------------------------------------------------------- edges
def _emit_bus(dot, bus, names, scale, any_highlight):
    attrs = dict(WEIGHT_EDGE if bus.from_weight else PLAIN_EDGE, dir="none")
    attrs["class"] = "bus"
    lit = [e.grad_norm for e in bus.edges if e.highlighted]
    if any_highlight and bus.own_anchor:
        attrs.update(FADED_EDGE if not lit else {"color": scale.colour(max(lit, key=_norm_key))})
    elif any_highlight:
        attrs.update(FADED_EDGE)
    taps = [bus.tap(t) for t in bus.times]
    for a, b in zip(taps, taps[1:]):
        dot.edge(a, b, **attrs)
    for anchor in bus.anchors:
        if bus.side == "out":
            dot.edge(names[anchor], taps[0], **attrs)
        else:
            dot.edge(taps[-1], names[anchor], **dict(attrs, dir="forward"))


def _norm_key(norm):
    return -1.0 if norm is None else norm


def _emit_edge(dot, edge, view, names, mode, scale, any_highlight, label_edges, tap=None):
    tail, head = edge.tail, edge.head
    flow_to = tail if mode == "reverse-of-forward" else head
    if mode == "grad-graph" and not edge.from_weight:
        tail, head = head, tail
    t_tail, t_head = view.nodes[tail].time, view.nodes[head].time
    if t_tail is not None and t_head is not None and t_tail > t_head:
        tail, head = head, tail
    attrs = {"id": f"e_{names[edge.tail]}_{names[edge.head]}"}
    if t_tail is not None and t_tail == t_head:
        attrs["weight"] = "8"   # keep a step's nodes together, next to each other
    if flow_to == tail:
        attrs["dir"] = "back"
    attrs.update(WEIGHT_EDGE if edge.from_weight else PLAIN_EDGE)
    if "gap" in (view.nodes[tail].kind, view.nodes[head].kind):
        attrs["style"] = "dotted"
    if any_highlight:
        if edge.highlighted:
            attrs.update(color=scale.colour(edge.grad_norm), penwidth=scale.penwidth(edge.grad_norm),
                         **{"class": "highlight"})
            if label_edges and edge.grad_norm is not None:
                attrs.update(label=f"{edge.grad_norm:.2g}", fontsize="8",
                             fontcolor=attrs["color"])
        else:
            attrs.update(FADED_EDGE)
    elif scale is not None and edge.grad_norm is not None:
        attrs.update(color=scale.colour(edge.grad_norm), penwidth=scale.penwidth(edge.grad_norm))
    if edge.grad_norm is not None:
        attrs["tooltip"] = f"|grad| = {edge.grad_norm:.3e} ({edge.count} edge(s))"
    tail_name, head_name = names[tail], names[head]
    if tap is not None:
        # drawn between the node and this step's bus tap: a fan-out tap sits left of
        # its step's nodes, a fan-in tap right of them
        bus, end = tap
        timed = edge.head if end == "tail" else edge.tail
        tap_name = bus.tap(view.nodes[timed].time)
        if bus.side == "out":
            tail_name, head_name = tap_name, names[timed]
        else:
            tail_name, head_name = names[timed], tap_name
        backwards = mode == "reverse-of-forward"
        attrs["dir"] = "back" if backwards else "forward"
        attrs.pop("label", None)
    dot.edge(tail_name, head_name, **attrs)
