"""The one place that writes dot: a Plan in, a `Drawing` (graphviz.Digraph) out.

Nothing is decided here: the plan says where every node goes, which way every edge
is laid out and what must share a rank; this module turns it into dot statements and
styles (style.py). dot stacks the pieces it is given from the bottom up, so they are
written bottom first: free nodes, then the rows from the last to the first. The title
and the legend are the graph's label, outside the layout.
"""
from . import style
from .drawing import Drawing
from .legend import graph_label, legend_entries


def emit(plan, title, scale=None, what="the graph", instead="another detail level"):
    """The Drawing of `plan`.

    Args:
        plan: from `make_plan`.
        title: the first line of the graph label; `plan.notes` follow it.
        scale: a MagnitudeScale colouring edges by |gradient| (or None).
        what, instead: for the RenderError if dot fails (the picture, what to try).
    """
    dot = Drawing(name="minigrad", graph_attr=dict(style.GRAPH_ATTRS),
                  node_attr=dict(style.NODE_ATTRS), edge_attr=dict(style.EDGE_ATTRS))
    dot.what, dot.instead = what, instead
    dot.attr(rankdir=plan.rankdir)
    if plan.page_width is not None:   # dot scales a wider drawing down to the page (only then)
        dot.attr(size=f"{plan.page_width / 72:.3f},1000")
    any_highlight = any(edge.highlighted for edge in plan.edges)
    entries = legend_entries(plan, scale, any_highlight)
    dot.attr(label=graph_label(title, plan.notes, entries, scale, plan.page_width))
    for name in plan.free:
        dot.node(**_node(plan.nodes[name]))
    for row in reversed(plan.rows):
        with dot.subgraph(name=row.name) as cluster:
            if row.kind == "steps":
                cluster.attr(label=row.label, fontsize=str(style.CLUSTER_FONT_SIZE),
                             labeljust="l", **style.ROW_STYLE)
            else:   # its one or two slots say what they hold
                cluster.attr(label="", style="invis")
            for item in row.items:
                _emit_item(cluster, plan, item, row.lane)
    for index, edge in enumerate(plan.edges):
        dot.edge(edge.tail, edge.head, **_edge(edge, index, scale, any_highlight))
    for names in plan.same_rank + [list(pair) for pair in plan.flat]:
        with dot.subgraph() as same:
            same.attr(rank="same")
            for name in names:
                same.node(name)
    return dot


def _emit_item(cluster, plan, item, lane):
    if item.kind in ("wrap-in", "wrap-out", "start", "end"):   # no box: nodes in the row
        for name in item.nodes:
            cluster.node(**_node(plan.nodes[name]))
        return
    with cluster.subgraph(name=item.name) as box:
        look = style.BOX_STYLE["slot" if item.kind in ("head", "tail") else
                               "reverse" if item.mirrored else "forward"]
        box.attr(label=item.label, fontsize=str(style.CLUSTER_FONT_SIZE), **look)
        for name in item.nodes:
            box.node(**_node(plan.nodes[name]))


def _node(node):
    attrs = dict(style.NODE_STYLE.get(node.kind, style.NODE_STYLE["op"]))
    if node.reference:
        attrs.update(style.REFERENCE_STYLE)
    if node.is_output and not node.reference:
        attrs.update(style.OUTPUT_STYLE)
    if node.source:
        attrs.update(style.HIGHLIGHT_SOURCE_STYLE)
    if node.kind not in ("cell", "layer", "gap", "connector") and not node.reference:
        attrs["id"] = f"node{node.members[0]}"   # the graph node id, for tools and tests
    else:
        attrs["id"] = node.name
    attrs["class"] = f"{node.kind}" + (" reference" if node.reference else "")
    label = "\\n".join(_escape(line) for line in node.lines if line)
    return {"name": node.name, "label": label, **attrs}


def _edge(edge, index, scale, any_highlight):
    if edge.kind == "order":
        return {"style": "invis"}   # weight 1: dot keeps the row tight
    look = {"weight": style.WEIGHT_EDGE, "recurrent": style.RECURRENT_EDGE}.get(
        edge.kind, style.PLAIN_EDGE)
    attrs = {"id": f"e{index}", "class": edge.kind, **look}
    if edge.back:
        attrs["dir"] = "back"
    if edge.side is not None:   # between two cells: h along the top, c along the bottom
        attrs.update(style.STATE_PORTS[edge.side])
    if edge.label:
        attrs["xlabel"] = _escape(edge.label)   # placed after layout: no rank of its own
    if any_highlight:
        if edge.highlighted and edge.grad_norm == 0:
            attrs.update(style.ZERO_EDGE)
            attrs["class"] = f"highlight zero-grad {edge.kind}"
        elif edge.highlighted:
            colour = scale.colour(edge.grad_norm) if scale is not None else "#e31a1c"
            attrs.update(color=colour, fontcolor=colour,
                         penwidth=scale.penwidth(edge.grad_norm) if scale else "2")
            attrs["class"] = f"highlight {edge.kind}"
        else:
            attrs.update(style.FADED_EDGE)
    elif scale is not None and edge.grad_norm is not None:
        attrs.update(color=scale.colour(edge.grad_norm), penwidth=scale.penwidth(edge.grad_norm))
    if edge.grad_norm is not None:
        attrs["tooltip"] = f"|grad| = {edge.grad_norm:.3e} ({edge.count} edge(s))"
    return attrs


def _escape(text):
    """Text for a dot label: backslashes kept as such (graphviz quotes the rest); a text
    that looks like an HTML label (<...>) gets a leading space so it stays text."""
    text = str(text).replace("\\", "\\\\")
    return " " + text if text.startswith("<") and text.endswith(">") else text
