"""The numbers behind the explorer page: every graph node's details, every parameter's
gradient paths in every view, the per-step terms of its gradient, the connectivity.

Everything the page shows is decided here, in Python, with the pipeline's own pieces:
the paths are render's `edges_to_output` (networkx), their colours and pen widths
style.py's `MagnitudeScale`, exactly as `mg.render(highlight=...)` draws them; the
page's JavaScript only applies them. Plain data out (lists, dicts, numbers, strings).
"""
import numpy as np

from .. import labels, legend, style
from ..render import edges_to_output
from ...graph.bptt import per_step_grads

FADED, ZERO = ".", "z"   # codes of an edge off the paths, and of one that carries exactly 0
PATH = "p"               # on a path, no gradient magnitude known


def node_records(graph):
    """One record per graph node (index = node id): what hovering it tells."""
    records = []
    for node_id, attrs in graph.nodes.items():
        assert node_id == len(records)   # capture numbers nodes 0, 1, 2, ...
        lines = labels.node_lines(attrs, attrs["time_step"])
        record = {"kind": attrs["kind"], "title": lines[0], "op": attrs["op"],
                  "shape": labels.format_shape(attrs["shape"]) or "() (a scalar)",
                  "value": labels.format_value(attrs["value"]) or "-",
                  "grad": attrs["grad_norm"], "grad_text": labels.format_norm(attrs["grad_norm"])}
        for key, field in (("name", "name"), ("param", "param_name"), ("time", "time_step"),
                           ("layer", "layer"), ("direction", "direction"),
                           ("module", "module"), ("source", "source")):
            if attrs[field] not in (None, ""):
                record[key] = attrs[field]
        if attrs["is_output"]:
            record["output"] = True
        records.append(record)
    return records


def parameters(graph):
    """Node ids of the parameters the loss depends on, in graph order."""
    return [n for n, a in graph.nodes.items()
            if a["kind"] == "parameter" and a["grad_norm"] is not None]


def highlight(graph, source_id, views):
    """What clicking `source_id` lights in each view: the SVG edges on its paths to the
    loss, coloured by the magnitude scale of the lit edges (as mg.render(highlight=)).

    Returns:
        {view key: {"codes": one character per edge of the view's `edges` (FADED, ZERO,
        PATH, or the scale bin "0".."6"), "bins": [[colour, pen width], ...],
        "legend": [[mark, colour, sign, words], ...] for the marks it adds}}.
    """
    on_path = edges_to_output(graph, source_id)
    found = {}
    for drawn in views:
        lit = [edge for edge in drawn.edges if on_path.intersection(edge[1])]
        norms = [edge[2] for edge in lit]
        scale = style.MagnitudeScale(norms) if any(n is not None for n in norms) else None
        lit_ids = {edge[0] for edge in lit}
        codes = "".join(_code(edge, scale) if edge[0] in lit_ids else FADED
                        for edge in drawn.edges)
        bins = [] if scale is None else [[scale.colour_of_bin(b), _penwidth(scale, b)]
                                          for b in range(scale.bins)]
        marks = legend.legend_entries(drawn.plan, scale, any_highlight=bool(lit))
        found[drawn.key] = {"codes": codes, "bins": bins,
                            "legend": legend_rows(marks, scale, ("source", "path", "scale",
                                                                 "zero-gradient"))}
    return found


def _code(edge, scale):
    norm = edge[2]
    if scale is None or norm is None:
        return PATH
    if norm == 0:
        return ZERO
    return str(scale.bin_of(norm))


def _penwidth(scale, index):
    """The pen width of bin `index`: MagnitudeScale.penwidth at a norm inside the bin."""
    low, high = scale.bounds(index)
    return scale.penwidth(10 ** ((low + high) / 2))


def legend_rows(entries, scale=None, marks=None):
    """Legend entries (legend.legend_entries) as the page draws them: [mark, swatch
    fill, border or sign colour, sign text (HTML), words], only the `marks` given."""
    rows = []
    for mark, detail, words in entries:
        if marks is not None and mark not in marks:
            continue
        if mark == "kind":
            look = style.NODE_STYLE[detail]
            rows.append([mark, look.get("fillcolor", "white"), look.get("color", "black"), "",
                         words])
        elif mark == "scale":
            rows.append([mark, scale.colour_of_bin(detail), "", "", words])
        else:
            colour, sign = legend.symbol(mark, detail)
            rows.append([mark, "", colour, sign, words])
    return rows


def contributions(graph, source_id, steps):
    """||term_t|| of d loss / d param for each of `steps` (mg.bptt.per_step_grads), and
    the part that reaches the loss outside every step, if any; or why there are none."""
    loss, param = graph.tensor(graph.outputs[0]), graph.tensor(source_id)
    outside = False
    try:
        terms = per_step_grads(loss, param)
    except ValueError as exc:
        if "outside any time step" not in str(exc):
            return {"error": str(exc)}
        outside = True
        terms = per_step_grads(loss, param, outside="append")
    timed = terms.shape[0] - outside
    if timed == 0:
        return {"error": "no op of any time step reads this parameter"}
    norms = np.linalg.norm(terms.reshape(terms.shape[0], -1), axis=1)
    result = {"norms": [float(norms[t]) if t < timed else 0.0 for t in steps]}
    if outside:
        result["outside"] = float(norms[-1])
    return result


def magnitude_codes(matrix):
    """A matrix of norms as rows of scale codes (ZERO for exactly 0), with its scale:
    the heatmap's colours, by the same log10 decades as the edges'."""
    values = np.asarray(matrix, dtype=np.float64)
    scale = style.MagnitudeScale(values[np.isfinite(values) & (values > 0)].tolist())
    rows = ["".join(ZERO if not v > 0 else str(scale.bin_of(v)) for v in row)
            for row in values]
    bins = [[scale.colour_of_bin(b), f"1e{scale.bounds(b)[0]:+.0f} .. 1e{scale.bounds(b)[1]:+.0f}"]
            for b in range(scale.bins)]
    return rows, bins
