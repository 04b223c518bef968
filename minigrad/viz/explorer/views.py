"""The explorer's pictures: the Graphviz SVG of each level of detail, and what each of
its elements stands for in the captured graph.

A view is drawn by mg.render's own pipeline (view -> plan -> emitter), as one strip
(no wrapping: a window of steps is then a horizontal crop) and without its title and
legend (the page draws those, and they change with what is lit). Its record says, for
every element the page touches: which graph nodes an SVG node stands for, which graph
edges an SVG edge stands for (the plan's `members`), and where each step box lies
along the strip.
"""
import re
from dataclasses import dataclass, field

from .. import labels
from ..emitter import emit
from ..fit import NODE_CEILING, fit

LEVELS = ("layers", "cells", "step")
_TRANSLATE = re.compile(r'<g id="graph0" class="graph" transform="[^"]*translate\(([-\d.]+) '
                        r'([-\d.]+)\)')
_GROUP = re.compile(r'<g id="([^"]+)" class="(node|edge|cluster)[^"]*">\n<title>([^<]*)</title>\n')
_NUMBERS = re.compile(r"(-?[\d.]+),(-?[\d.]+)")
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_COORDINATES = re.compile(r'( (?:d|points|x|y)=")([^"]*)"')
_TENTHS = re.compile(r"(\d\.\d)\d+")


@dataclass
class Drawn:
    """One view of the page: its SVG and what its elements stand for."""
    key: str                  # "layers", "cells", or "t{k}" for step k drawn op by op
    level: str                # one of LEVELS, or "graph" for a graph without steps
    time: object              # the step drawn op by op (level "step"), else None
    svg: str
    width: float              # points
    height: float
    nodes: dict = field(default_factory=dict)   # SVG id -> record (see `_node_record`)
    edges: list = field(default_factory=list)   # [SVG id, graph edge indices, |grad|, kind,
    #                                              |grad| as text], in the plan's order
    boxes: dict = field(default_factory=dict)   # SVG id of a box -> time, kind, x and y
    #                                             extents in the SVG's viewBox
    plan: object = None

    def record(self):
        """The view as the page's JSON holds it."""
        return {"key": self.key, "level": self.level, "time": self.time, "svg": self.svg,
                "width": self.width, "height": self.height, "nodes": self.nodes,
                "edges": self.edges, "boxes": self.boxes}


def draw(graph, node_ids, key, level, steps, time=None):
    """The Drawn view `key` of `graph` at `level` ("layers", "cells" or "step": ops),
    showing the time steps `steps` selects (as render's steps=); the others are folded."""
    detail = {"step": "ops", "graph": "ops"}.get(level, level)
    _, plan, _ = fit(graph, node_ids, detail, "forward", steps, NODE_CEILING, set(), None)
    dot = emit(plan, title="")
    dot.attr(label="")   # the page draws the title and the legend
    svg = dot.pipe(format="svg").decode()
    drawn = Drawn(key, level, time, "", 0.0, 0.0, plan=plan)
    drawn.svg = _read_elements(svg, plan, drawn)
    return drawn


def _read_elements(svg, plan, drawn):
    """Fill `drawn`'s records from the SVG dot wrote; return the SVG the page embeds:
    no prolog, comments, namespace URLs, titles or repeated font names, step boxes
    named by their cluster's name."""
    width, height = (float(v) for v in _SIZE.search(svg).groups())
    drawn.width, drawn.height = width, height
    shift, lift = (float(v) for v in _TRANSLATE.search(svg).groups())   # to the viewBox
    times = _box_times(plan)
    edge_index = {f"e{i}": edge for i, edge in enumerate(plan.edges)}

    def rename(match):
        svg_id, kind, title = match.groups()
        if kind == "node":
            drawn.nodes[svg_id] = _node_record(plan.nodes[title])
        elif kind == "edge" and svg_id in edge_index:
            edge = edge_index[svg_id]
            drawn.edges.append([svg_id, list(edge.members), edge.grad_norm, edge.kind,
                                labels.format_norm(edge.grad_norm)])
        elif kind == "cluster" and title in times:
            points = _NUMBERS.findall(_cluster_shape(svg, match.end()))
            xs, ys = [float(x) + shift for x, _ in points], [float(y) + lift for _, y in points]
            drawn.boxes[title] = {"time": times[title][0], "kind": times[title][1],
                                  "x": [min(xs), max(xs)], "y": [min(ys), max(ys)]}
            return f'<g id="{title}" class="cluster {times[title][1]}">\n'
        return match.group(0).split("\n")[0] + "\n"

    svg = _GROUP.sub(rename, svg)
    return _compact(svg[svg.index("<svg"):])


def _compact(svg):
    """The SVG without what the page does not use: comments, namespace URLs (the HTML
    parser needs none), titles, the edges' tooltips (the page tells an edge's |gradient|
    on hover), the font named on every text (the style sheet names it once), and
    coordinates finer than a tenth of a point."""
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = re.sub(r"<title>[^<]*</title>\n", "", svg)
    svg = re.sub(r'<g id="a_[^"]*"><a xlink:title="[^"]*">\n(.*?)</a>\n</g>\n', r"\1", svg,
                 flags=re.S)
    svg = _COORDINATES.sub(lambda m: m.group(1) + _TENTHS.sub(r"\1", m.group(2)) + '"', svg)
    return svg.replace(' font-family="Helvetica,sans-Serif"', "")


def _cluster_shape(svg, start):
    """The outline (the first path or polygon) of the cluster whose group opens at start."""
    match = re.compile(r'<(?:path|polygon)[^>]*(?: d| points)="([^"]*)"').search(svg, start)
    return match.group(1)


def _box_times(plan):
    """cluster name -> (time step, "step") of each step box, (first, "gap") of a gap's."""
    times = {}
    for row in plan.rows:
        for item in row.items:
            if item.kind == "step":
                times[item.name] = (int(item.label.split("= ")[1]), "step")
            elif item.kind == "gap":
                key = next(plan.nodes[n].key for n in item.nodes
                           if plan.nodes[n].kind == "gap")
                times[item.name] = ([key[4], key[5]], "gap")
    return times


def _node_record(node):
    """What the page knows of one drawn node: kind, graph node ids, a group's label lines
    (and its step or steps), and for a reference that it is one (a dashed copy of a node
    drawn elsewhere)."""
    record = {"kind": node.kind, "members": list(node.members)}
    if len(node.members) > 1:   # a group says what it holds; one node's words are its own
        record["lines"] = list(node.lines)
    if node.reference:
        record["reference"] = True
    key = node.key
    if isinstance(key, tuple) and key[0] == "cell":
        record["time"] = key[4]
    elif isinstance(key, tuple) and key[0] == "gap":
        record["steps"] = [key[4], key[5]]
    elif isinstance(key, tuple) and key[0] == "layer":
        record["lane"] = list(key[1:4])
    return record
