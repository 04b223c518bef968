"""Turn a View into a `graphviz.Digraph`: clusters, edge orientation, styles, labels.

Layout rules (rankdir LR, so dot's ranks run left to right):
- every edge is laid out from the earlier time step to the later one, whatever
  its data-flow direction; the arrow is then drawn at whichever end the flow
  goes to (`dir=back` when that is the left end). So time always runs left to
  right, and a reverse-direction RNN or a backward graph shows arrows running
  right to left;
- one `cluster_t{t}` per time step when the steps have one lane; with several
  lanes (layers, directions) one row cluster per lane holding a box
  `cluster_t{t}_layer{k}_{direction}` per step, forward row above reverse row, the
  reverse row's ops mirrored (right to left) inside each step (see render_steps);
- a module that runs after another (a decoder after its encoder) is drawn after
  it, in columns of its own, each box labelled with its own time step;
- parameters live once, in `cluster_weights`, and whole-sequence ops (the input
  projection of all steps) once, in `cluster_sequence`, outside the time clusters;
  their edges reach the steps through bus lines (render_bus) that run between the
  step boxes.
"""
from .render_bus import plan_buses
from .render_drawing import Drawing, describe
from .render_steps import (ANCHOR, classify, emit_order, lane_anchor, lane_exit, lane_order,
                           lane_rows, mirrored, order_node, time_columns)
from .render_style import (FADED_EDGE, HIGHLIGHT_SOURCE_STYLE, NODE_STYLE, OUTPUT_STYLE,
                           PLAIN_EDGE, WEIGHT_EDGE, format_norm, format_op, format_shape,
                           format_value)

MAX_EDGE_LABELS = 40
CLUSTER_FONT = "12"   # the graph label (the title) is larger
TAP_ATTRS = {"shape": "point", "width": "0.04", "height": "0.04", "color": "#8c8c8c",
             "label": ""}
GRAPH_ATTRS = {"rankdir": "LR", "newrank": "true", "fontname": "Helvetica", "fontsize": "20",
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
    dot = Drawing(name="minigrad", graph_attr=dict(GRAPH_ATTRS),
                  node_attr=dict(NODE_ATTRS), edge_attr=dict(EDGE_ATTRS))
    dot.what, dot.instead = describe(title, view)
    dot.attr(label=_graph_label(title, view.notes))
    names = {key: f"v{i}" for i, key in enumerate(view.nodes)}
    constants = _constant_inputs(graph, view)
    any_highlight = any(e.highlighted for e in view.edges)
    placed = {key: _node_statement(node, graph, mode, names[key], show_values,
                                   key == highlight_source, constants.get(key))
              for key, node in view.nodes.items()}
    view, offsets = time_columns(view, mode)   # from here on, node.time is a column
    buses, taps = plan_buses(view, mode)
    free = _emit_clusters(dot, view, placed, buses, names, offsets)
    label_edges = any_highlight and sum(e.highlighted for e in view.edges) <= MAX_EDGE_LABELS
    for edge in view.edges:
        _emit_edge(dot, edge, view, names, mode, scale, any_highlight, label_edges,
                   taps.get(id(edge)), free)
    for bus in buses:
        _emit_bus(dot, bus, names, scale, any_highlight, free)
    if scale is not None:
        title = "|gradient| on highlighted paths" if any_highlight else "|gradient| on edges"
        zero = any_highlight and any(e.highlighted and e.grad_norm == 0 for e in view.edges)
        dot.node("legend", label=scale.legend_label(title, zero_row=zero), shape="plaintext")
    return dot


def _graph_label(title, notes):
    return "\\l".join([title] + list(notes)) + "\\l"


# ------------------------------------------------------------------ clusters
def _emit_clusters(dot, view, placed, buses, names, offsets):
    """Emit every node inside its cluster; returns the set of view keys drawn in the
    weights and sequence bands (their edges to the steps do not constrain ranks).
    offsets: module -> columns its steps were moved by (from `time_columns`)."""
    weights, steps, band, loose = classify(view)
    taps = {}   # time -> {"out": [tap names], "in": [tap names]}
    for bus in buses:
        for t in bus.times:
            taps.setdefault(t, {"out": [], "in": []})[bus.side].append(bus.tap(t))
    gaps = [k for k in loose if view.nodes[k].kind == "gap"]
    for key in loose:
        dot.node(**placed[key])
    bands = [_emit_band(dot, view, placed, names, keys, *what) for keys, what in (
        (weights, ("cluster_weights", "shared weights (drawn once, used at every step)",
                   "#c26a00")),
        (band, ("cluster_sequence", "whole sequence (all time steps at once)", "#3d8b37")))]
    for t in sorted(set(taps) | set(steps)):
        for name in taps.get(t, {}).get("out", []) + taps.get(t, {}).get("in", []):
            dot.node(name, group=name.rsplit("_t", 1)[0], **TAP_ATTRS)  # between the boxes
    lanes = lane_rows(steps)
    if lanes:
        _emit_lanes(dot, steps, lanes, placed, offsets)
    else:
        for t in sorted(steps):
            _emit_step(dot, t, steps[t], placed)
    emit_order(dot, view, names, steps, taps, gaps, bands if steps else (None, None))
    return (set(weights) | set(band)) if steps else set()


def _emit_band(dot, view, placed, names, keys, name, label, colour):
    if not keys:
        return None
    anchor = f"{name}_anchor"
    with dot.subgraph(name=name) as sub:
        sub.attr(label=label, fontsize=CLUSTER_FONT, style="rounded,dashed", color=colour,
                 fontcolor=colour)
        sub.node(anchor, **ANCHOR)
        for key in keys:
            sub.node(**placed[key])
    inside = set(keys)
    fed = {e.head for e in view.edges if e.tail in inside and e.head in inside}
    return anchor, [names[k] for k in keys if k not in fed]


def _emit_step(dot, t, lanes, placed):
    with dot.subgraph(name=f"cluster_t{t}") as step:
        step.attr(label=f"t = {t}", fontsize=CLUSTER_FONT, style="rounded,filled",
                  fillcolor="#fafafa",
                  color="#b0b0b0", fontcolor="#505050")
        order = sorted(lanes, key=lane_order)
        if len(lanes) > 1:   # its out-edges fix the lanes' top-to-bottom order
            step.node(order_node(t), ordering="out", **ANCHOR)
        for lane in order:
            keys = lanes[lane]
            if lane == (None, None, None):
                _emit_lane_contents(step, t, lane, keys, placed)
                continue
            with step.subgraph(name=_inner_name(t, lane)) as sub:
                sub.attr(label=_inner_label(lane), fontsize=CLUSTER_FONT, style="rounded",
                         color=_lane_colour(lane), fillcolor="white")
                _emit_lane_contents(sub, t, lane, keys, placed)


def _emit_lanes(dot, steps, lanes, placed, offsets):
    """Several lanes (layers, directions): one cluster per lane spanning all steps,
    holding one box per step. Two clusters side by side on the same ranks cannot
    cross, so a lane keeps its place (forward above reverse) at every step.
    steps is keyed by column; a box is labelled with its time step."""
    for t in sorted(steps):
        if len(steps[t]) > 1:
            dot.node(order_node(t), **ANCHOR)
    for lane in lanes:
        module, layer, direction = lane
        with dot.subgraph(name=_inner_name("", lane).replace("cluster_t_", "cluster_lane_")) as row:
            row.attr(label="", style="invis")
            for t in sorted(steps):
                keys = steps[t].get(lane)
                if not keys:
                    continue
                time = t - offsets.get(module, 0)  # the box's own step (t is its column)
                with row.subgraph(name=_inner_name(time, lane)) as sub:
                    sub.attr(label=f"t = {time} · {_inner_label(lane)}", fontsize=CLUSTER_FONT,
                             style="rounded,filled", color=_lane_colour(lane),
                             fillcolor="#fafafa" if direction != "reverse" else "#fcf7f9",
                             fontcolor="#505050")
                    _emit_lane_contents(sub, t, lane, keys, placed)


def _emit_lane_contents(box, t, lane, keys, placed):
    """Into `box` (a step's or a lane's cluster): the lane's entry and exit anchors at
    step t, then its nodes."""
    box.node(lane_anchor(t, lane), **ANCHOR)
    box.node(lane_exit(t, lane), **ANCHOR)
    for key in keys:
        box.node(**placed[key])


def _lane_colour(lane):
    """The border of a lane's boxes: blue, or rose for a reverse direction."""
    return "#c67a9c" if lane[2] == "reverse" else "#7a9cc6"


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
        inputs = graph.inputs_of(node.members[0]) if hasattr(graph, "inputs_of") else []
        lines = [format_op(attrs["op"], getattr(attrs["tensor"], "attrs", None),
                           attrs["time_step"], attrs["module"],
                           graph.nodes[inputs[0]]["shape"] if inputs else None), shape]
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
def _emit_bus(dot, bus, names, scale, any_highlight, free=()):
    attrs = dict(WEIGHT_EDGE if bus.from_weight else PLAIN_EDGE, dir="none")
    attrs["class"] = "bus"
    lit = [e.grad_norm for e in bus.edges if e.highlighted and e.grad_norm != 0]
    if any_highlight and bus.own_anchor:
        attrs.update(FADED_EDGE if not lit else {"color": scale.colour(max(lit, key=_norm_key))})
    elif any_highlight:
        attrs.update(FADED_EDGE)
    taps = [bus.tap(t) for t in bus.times]
    for a, b in zip(taps, taps[1:]):
        dot.edge(a, b, **attrs)
    for anchor in bus.anchors:
        loose = {"constraint": "false"} if anchor in free else {}
        if bus.side == "out":
            dot.edge(names[anchor], taps[0], **attrs, **loose)
        else:
            dot.edge(taps[-1], names[anchor], **dict(attrs, dir="forward"), **loose)


def _norm_key(norm):
    return -1.0 if norm is None else norm


def _emit_edge(dot, edge, view, names, mode, scale, any_highlight, label_edges, tap=None,
               free=()):
    tail, head = edge.tail, edge.head
    flow_to = tail if mode == "reverse-of-forward" else head
    if mode == "grad-graph" and not edge.from_weight:
        tail, head = head, tail
    t_tail, t_head = view.nodes[tail].time, view.nodes[head].time
    if t_tail is not None and t_head is not None and t_tail > t_head:
        tail, head = head, tail
    elif t_tail is not None and t_tail == t_head and mirrored(view, tail, head):
        tail, head = head, tail   # inside a reverse step the ops run right to left too
    attrs = {"id": f"e_{names[edge.tail]}_{names[edge.head]}"}
    if t_tail is not None and t_tail == t_head:
        attrs["weight"] = "8"   # keep a step's nodes together, next to each other
    if flow_to == tail:
        attrs["dir"] = "back"
    if tap is None and (tail in free) != (head in free):
        attrs["constraint"] = "false"   # a band node and a step: ranks stay by time
    attrs.update(WEIGHT_EDGE if edge.from_weight else PLAIN_EDGE)
    if "gap" in (view.nodes[tail].kind, view.nodes[head].kind):
        attrs["style"] = "dotted"
    if any_highlight:
        if edge.highlighted and edge.grad_norm == 0:
            # on a path to the loss, but no gradient flows here (e.g. an output the
            # loss does not read): no decade of the scale, drawn as "0"
            attrs.update(FADED_EDGE, style="dotted", **{"class": "highlight zero-grad"})
            if label_edges:
                attrs.update(label="0", fontsize="8", fontcolor="#909090")
        elif edge.highlighted:
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
