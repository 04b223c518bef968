"""Build the gallery: render every picture into visuals/ and write visuals/README.md.

    python -m visuals.build_gallery          (or: python visuals/build_gallery.py)

Each entry is (file name, a function drawing it, a function describing it). The drawing
function writes the file and returns the facts behind the picture: the plan it was drawn
from, the gradient norms it shows. The describing function turns those facts into the
caption, one sentence at a time, each with the check that makes it true:
tests/graph/test_render_captions.py runs every check. A caption therefore says only what
its picture shows. Needs the Graphviz `dot` program; runs in under a minute.
"""
import os
import re
import sys
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.viz.charts import gradient_norm_chart, per_step_contribution_chart  # noqa: E402
from minigrad.viz.emitter import emit  # noqa: E402
from minigrad.viz.render import picture  # noqa: E402
from minigrad_apps.demos import build  # noqa: E402
from minigrad_apps.vanishing import vanishing_gradient_comparison  # noqa: E402

PAGE = 1200   # points: every graph picture is planned for this width


@dataclass
class Entry:
    name: str
    draw: object       # draw(path) -> facts (a dict)
    describe: object   # describe(facts) -> [(sentence, it holds)]

    def caption(self, facts):
        return " ".join(sentence for sentence, _ in self.describe(facts))


# ------------------------------------------------------------------ facts
def graph_picture(path, outputs, **options):
    """Draw `outputs` with mg.render's pipeline into `path`; the facts of the picture."""
    staged = picture(outputs, width=PAGE, **options)
    svg = emit(*staged).pipe(format="svg").decode()
    with open(path, "w") as f:
        f.write(svg)
    plan = staged[0]
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    scale = re.search(r'transform="scale\(([\d.]+) ', svg)
    return {"plan": plan, "width": width, "scale": float(scale.group(1)) if scale else 1.0}


def boxes(plan):
    """[(band, lane, time step)] of the step boxes, top to bottom, left to right."""
    return [(row.band, row.lane, int(item.label.split("= ")[1])) for row in plan.rows
            if row.kind == "steps" for item in row.items if item.kind == "step"]


def in_box(plan, lane, t, kinds=None):
    """Plan nodes in the step box of `lane` at step t (of the given kinds)."""
    return [plan.nodes[name] for row in plan.rows if row.lane == lane for item in row.items
            if item.kind == "step" and item.label == f"t = {t}" for name in item.nodes
            if kinds is None or plan.nodes[name].kind in kinds]


def names_at(plan, lane, t, kinds):
    return sorted(node.lines[0] for node in in_box(plan, lane, t, kinds) if not node.reference)


def step_terms(plan, lane, home_line):
    """{t: |gradient| on the edge from the reference `home_line` in box t}: what the
    picture writes on the edge where step t reads that tensor."""
    terms = {}
    for row in plan.rows:
        if row.lane != lane:
            continue
        for item in row.items:
            if item.kind != "step":
                continue
            t = int(item.label.split("= ")[1])
            for edge in plan.edges:
                ends = {edge.tail, edge.head} & set(item.nodes)
                if len(ends) == 2 and any(plan.nodes[n].reference and
                                          plan.nodes[n].lines[0] == home_line for n in ends):
                    terms[t] = edge.grad_norm
    return terms


def _and(words):
    """"a, b and c"."""
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]


def fits(facts):
    return facts["width"] <= PAGE and facts["scale"] == 1.0


def kinds(plan):
    return {node.kind for node in plan.nodes.values()}


def fold_note(plan):
    return next((n for n in plan.notes if "middle steps" in n), "")


# --------------------------------------------------------------- pictures
def scalar_rnn():
    """The seeds' 3-step scalar RNN: o_t = tanh(x_t w_i + o_{t-1} w_h + b),
    L = -log sigmoid(o_3 w_o) (target 1)."""
    mg.manual_seed(0)
    w_i, w_h, w_o, b = (mg.tensor(v, requires_grad=True, dtype=mg.float64)
                        for v in (0.5, 0.8, 1.2, 0.1))
    for tensor, name in ((w_i, "w_i"), (w_h, "w_h"), (w_o, "w_o"), (b, "b")):
        tensor.name = name
    o = mg.tensor(0.0, dtype=mg.float64)
    for t, x in enumerate((1.0, -0.5, 0.25)):
        with mg.name_scope(f"t{t}"):    # the state o_t, named as the seeds name it
            o = mg.mark((mg.tensor(x, dtype=mg.float64) * w_i + o * w_h + b).tanh(),
                        "state", "o")
    return mg.mark(-((o * w_o).sigmoid().log()), "loss", "loss"), w_i


def scalar_forward(path):
    loss, _ = scalar_rnn()
    return graph_picture(path, loss, show_values=True,
                         title="the seeds' 3-step scalar RNN, forward, with values")


def scalar_forward_words(f):
    plan = f["plan"]
    lane = boxes(plan)[0][1]
    references = {t: sorted(n.lines[0] for n in in_box(plan, lane, t) if n.reference)
                  for t in range(3)}
    valued = [n for n in plan.nodes.values() if n.kind == "op" and not n.reference]
    return [
        ("The seeds' 3-step scalar RNN, o_t = tanh(x_t w_i + o_{t-1} w_h + b), forward, "
         "one box per step, each value in its node's label.",
         [t for _, _, t in boxes(plan)] == [0, 1, 2]
         and all(any(line.startswith("= ") for line in n.lines) for n in valued)),
        ("w_i, w_h and b are drawn once before the steps and again, dashed, in every step "
         "(step 0 multiplies w_h by o_{-1} = 0, a constant written in the product's "
         "label); w_o, read once after the last step, follows it.",
         all(references[t] == ["b", "w_h", "w_i"] for t in range(3))
         and any(n.lines[0] == "w_o" and not n.reference for n in plan.nodes.values())),
    ]


def scalar_paths(path):
    loss, w_i = scalar_rnn()
    facts = graph_picture(path, loss, highlight=w_i,
                          title="dL/dw_i is a sum over 3 paths, one per time step")
    facts["terms"] = mg.bptt.per_step_grads(loss, w_i).reshape(-1)
    facts["grad"] = mg.grad(loss, w_i)[0].item()
    return facts


def scalar_paths_words(f):
    plan = f["plan"]
    lane = boxes(plan)[0][1]
    terms = step_terms(plan, lane, "w_i")
    return [
        ("The same graph with highlight=w_i: the 3 paths from w_i to the loss, one from "
         "each step's use of w_i, coloured and widened by log10 |gradient| (legend), the "
         "other edges grey.", sorted(terms) == [0, 1, 2]),
        (f"The edge where step t reads w_i is labelled with the size of step t's term of "
         f"BPTT's sum: {terms[0]:.2g}, {terms[1]:.2g}, {terms[2]:.2g} for t = 0, 1, 2; the "
         f"terms themselves ({', '.join(f'{v:.3g}' for v in f['terms'])}) add up to "
         f"dL/dw_i = {f['grad']:.3g}.",
         np.allclose([terms[t] for t in range(3)], np.abs(f["terms"]), rtol=1e-9)
         and np.isclose(f["terms"].sum(), f["grad"], rtol=1e-9)),
    ]


def scalar_grad_graph(path):
    loss, w_i = scalar_rnn()
    (g,) = mg.grad(loss, w_i, create_graph=True)
    return graph_picture(path, g, backward=True, title="backward graph built by "
                         "create_graph=True (the ops that compute dL/dw_i), right to left")


def scalar_grad_graph_words(f):
    plan = f["plan"]
    grads = [n for n in plan.nodes.values() if n.kind == "grad" and not n.reference]
    drawn = [e for e in plan.edges if e.kind != "order"]
    return [
        (f"The backward graph that mg.grad(loss, w_i, create_graph=True) built: its "
         f"{len(grads)} gradient ops, each in the box of the step of the forward op it "
         f"differentiates, the gradient flowing from the last step to the first "
         f"(arrows right to left).",
         sorted({t for _, _, t in boxes(plan)}) == [0, 1, 2]
         and all("grad of" in n.lines[0] for n in grads)
         and sum(e.back for e in drawn) > len(drawn) / 2),
    ]


def model_graph(model, steps, **options):
    loss_on = options.pop("loss_on", "all")
    layers = options.pop("layers", 1)
    title = options.pop("title")

    def draw(path):
        holder, loss = build(model, steps, hidden=4, layers=layers, loss_on=loss_on)
        facts = graph_picture(path, loss, modules=holder, title=title, **options)
        facts.update(holder=holder, loss=loss)
        return facts
    return draw


def rnn_ops_words(f):
    plan = f["plan"]
    lane = ("rnn", 0, "forward")
    heads = [plan.nodes[n].lines for row in plan.rows if row.kind == "head"
             for item in row.items for n in item.nodes]
    steps_read = [[n.lines[0] for n in in_box(plan, lane, t)] for t in range(4)]
    return [
        ("Elman RNN, 4 steps, every op (detail=\"ops\"): one box per step, its state h_t "
         "named.", all(names_at(plan, lane, t, ("state",)) == [f"h_{t}"] for t in range(4))),
        ("The input projection x @ W_ih.T + b of all 4 steps is computed once, before "
         "the steps; each step takes its row t ([t=k]), through a dashed copy of it.",
         ["x @ weight_ih_l0.T + \u2026", "add (4, 1, 4)"] in heads
         and all(f"[t={t}]" in steps_read[t] for t in range(4))),
        (f"It fits a {PAGE} pt page in {plan.bands} rows of steps.", fits(f)),
    ]


def lstm_ops_words(f):
    plan = f["plan"]
    lane = ("lstm", 0, "forward")
    gates = all(names_at(plan, lane, t, ("gate",)) == [f"{g}_{t}" for g in "fgio"]
                for t in range(3))
    states = all(names_at(plan, lane, t, ("state",)) == [f"c_{t}", f"h_{t}"] for t in range(3))
    starts = sorted(plan.nodes[n].lines[0] for row in plan.rows for item in row.items
                    if item.kind == "start" for n in item.nodes)
    return [
        ("LSTM, 3 steps, every op: in each step the gates i, f, g, o and the states c_t "
         "and h_t are named (as the LSTM cell declares them).", gates and states),
        ("The initial states h0 and c0 start the row; h_t and c_t go on to the next row "
         "through the tags at the row ends.",
         starts == ["c0", "h0"] and "connector" in kinds(plan)),
        (f"One step per row: {plan.bands} rows fit a {PAGE} pt page.", fits(f)),
    ]


def cells_words(kind, steps, states):
    def words(f):
        plan = f["plan"]
        recurrent = sorted({e.state for e in plan.edges if e.kind == "recurrent" and e.label})
        return [
            (f"{kind}, {steps} steps, one node per cell (detail=\"cells\"), wrapped onto "
             f"{plan.bands} rows of {plan.per_band} steps to fit a {PAGE} pt page.",
             len(boxes(plan)) == steps and fits(f) and plan.bands > 1),
            (f"The arrows between cells carry the state{'s' if len(states) > 1 else ''} "
             f"{' and '.join(states)} (labelled); a tag at the end of a row hands "
             f"{'them' if len(states) > 1 else 'it'} to the next.",
             recurrent == sorted(states) and "connector" in kinds(plan)),
            ("Each cell reads the input projection (below it) and the shared W_hh.T "
             "(above it), drawn dashed: they are computed once, before the steps.",
             all(sum(n.reference for n in in_box(plan, lane, t)) >= 2
                 for _, lane, t in boxes(plan))),
        ]
    return words


def birnn_cells_words(f):
    plan = f["plan"]
    rows = [row for row in plan.rows if row.kind == "steps"]
    lanes = [row.lane[2] for row in rows]
    backs = {e.back for e in plan.edges if e.kind == "recurrent"
             and any(e.tail in item.nodes for row in rows if row.lane[2] == "reverse"
                     for item in row.items)}
    last = [row for row in rows if row.lane[2] == "reverse"][-1]
    return [
        ("Bidirectional RNN, 6 steps, one node per cell: the forward row, left to right, "
         "and below it the reverse row, whose arrows point right to left (it reads the "
         "sequence from its end).",
         lanes == ["forward", "reverse"] * plan.bands and backs == {True}),
        ("The reverse row starts at the right: its h0 follows its last step.",
         last.items[-1].kind == "end"
         and [plan.nodes[n].lines[0] for n in last.items[-1].nodes] == ["h0"]),
        (f"{plan.bands} bands of {plan.per_band} steps fit a {PAGE} pt page.", fits(f)),
    ]


def bilstm_ops_words(f):
    plan = f["plan"]
    mirrored = [item for row in plan.rows for item in row.items if item.mirrored]
    return [
        ("Bidirectional LSTM, 3 steps, every op: the forward row on top; in the reverse "
         "row below it each step's ops run right to left, as the reverse LSTM reads the "
         "sequence from its end.",
         len(mirrored) == 3 and all(i.name.endswith("_reverse") for i in mirrored)),
        ("Each direction has its own input projection and weights, before the steps.",
         sum(1 for row in plan.rows if row.kind == "head" for _ in row.items) == 2),
        (f"The picture is wider than a {PAGE} pt page at full size and is drawn at "
         f"{f['scale']:.0%}." if f["scale"] < 1 else f"It fits a {PAGE} pt page.",
         f["width"] <= PAGE),
    ]


def stacked_words(f):
    plan = f["plan"]
    order = [(row.kind, row.lane[1:] if row.lane else None) for row in plan.rows
             if row.band == 0 and row.kind != "tail"]
    return [
        ("2-layer bidirectional LSTM, 6 steps, one node per cell: in every band layer 1 "
         "(forward, then reverse) sits directly above layer 0.",
         all([r.lane for r in plan.rows if r.kind == "steps" and r.band == b]
             == [("lstm", 1, "forward"), ("lstm", 1, "reverse"), ("lstm", 0, "forward"),
                 ("lstm", 0, "reverse")] for b in range(plan.bands))),
        ("Each layer's input projection (layer 1's reads the stacked outputs of layer 0) "
         "is drawn once, just above that layer's rows.",
         order == [("head", None), ("steps", (1, "forward")), ("steps", (1, "reverse")),
                   ("head", None), ("steps", (0, "forward")), ("steps", (0, "reverse"))]),
        (f"It fits a {PAGE} pt page in {plan.bands} bands.", fits(f)),
    ]


def backward_words(kind, steps, detail):
    def words(f):
        plan = f["plan"]
        drawn = [e for e in plan.edges if e.kind != "order"]
        normed = [e for e in drawn if e.grad_norm is not None]
        bare = {n.lines[0] for n in plan.nodes.values() if n.kind != "connector"
                and not n.reference and not any(l.startswith("|grad|") for l in n.lines)}
        return [
            (f"{kind} backward pass (backward=True, detail=\"{detail}\"), {steps} steps: the "
             f"forward graph with every arrow turned round, the way the gradient flows.",
             all(e.back != fwd for e, fwd in zip(drawn, f["forward_backs"]))),
            (f"Edges are coloured by |gradient| (legend); every node's label says its |grad| "
             f"but those of {_and(sorted(bare))}, which need none (no gradient "
             f"flows into data and zero initial states).", len(normed) > len(drawn) / 2
             and bare <= {"x", "h0", "c0"}),
        ]
    return words


def backward_graph(model, steps, detail):
    forward = model_graph(model, steps, detail=detail, title="forward")
    backward = model_graph(model, steps, detail=detail, backward=True,
                           title=f"{model.upper()}, {steps} steps, backward pass, "
                                 f"detail={detail}")

    def draw(path):
        facts = backward(path)
        reference = forward(os.devnull)["plan"]
        facts["forward_backs"] = [e.back for e in reference.edges if e.kind != "order"]
        return facts
    return draw


def highlight_words(kind, steps, home):
    def words(f):
        plan = f["plan"]
        lane = (kind, 0, "forward")
        terms = step_terms(plan, lane, home)
        exact = mg.bptt.per_step_grads(f["loss"], getattr(f["holder"], kind).weight_hh_l0)
        exact = np.linalg.norm(exact.reshape(steps, -1), axis=1)
        last, before = terms[steps - 1], max(terms[t] for t in range(steps - 2))
        sentences = [
            (f"{kind.upper()}, {steps} steps, loss on the last step: every path from "
             f"weight_hh_l0 to the loss, coloured and widened by log10 |gradient| (legend).",
             sorted(terms) == list(range(steps))),
            (f"Where step t reads W_hh (the dashed weight_hh_l0.T), the edge carries step t's "
             f"term of dL/dW_hh: {last:.2g} at the last step, at most {before:.2g} before "
             f"t = {steps - 2}, and 0 at t = 0, where h0 = 0.",
             np.allclose([terms[t] for t in range(steps)], exact, rtol=1e-5)
             and terms[0] == 0 and last > 10 * before),
        ]
        return sentences
    return words


def lstm_highlight_words(f):
    plan = f["plan"]
    lane = ("lstm", 0, "forward")
    terms = step_terms(plan, lane, "weight_hh_l0.T")
    exact = mg.bptt.per_step_grads(f["loss"], f["holder"].lstm.weight_hh_l0)
    exact = np.linalg.norm(exact.reshape(12, -1), axis=1)
    rising = [terms[t] for t in range(1, 12)]
    return [
        ("LSTM, 12 steps, one node per cell, loss on the last step: every path from "
         "weight_hh_l0 to the loss, coloured by log10 |gradient| (legend).",
         sorted(terms) == list(range(12))),
        (f"Step t's term of dL/dW_hh (on the edge from the dashed weight_hh_l0.T into the "
         f"cell) grows with every step, from {terms[1]:.1g} at t = 1 to {terms[11]:.2g} at "
         f"t = 11, and is 0 at t = 0, where h0 = 0: the gradient fades towards early steps.",
         np.allclose([terms[t] for t in range(12)], exact, rtol=1e-5)
         and all(a < b for a, b in zip(rising, rising[1:])) and terms[0] == 0),
        (f"{plan.bands} rows of {plan.per_band} cells fit a {PAGE} pt page.", fits(f)),
    ]


def collapsed_words(f):
    plan = f["plan"]
    note = fold_note(plan)
    folded = int(re.search(r"(\d+) middle steps", note).group(1)) if note else 0
    kept = len(boxes(plan))
    return [
        ("LSTM of 100 steps drawn with max_nodes=60: the ops are grouped into cells, then "
         f"the {folded} middle steps folded into one gap, {kept // 2} kept at each end; the "
         "title says so.",
         "ops grouped into cells" in " ".join(plan.notes) and folded + kept == 100
         and sum(n.kind == "gap" for n in plan.nodes.values()) == 1),
        (f"{len(plan.nodes)} nodes are drawn.", len(plan.nodes) <= 60),
    ]


def layers_words(f):
    plan = f["plan"]
    layers = sorted(n.lines[0] for n in plan.nodes.values() if n.kind == "layer")
    return [
        ("2-layer bidirectional RNN, one node per layer and direction (detail=\"layers\"), "
         "each over all 8 steps, with the input projections and the stacked outputs "
         "between them.",
         layers == sorted(f"rnn · layer {k} · {d}" for k in (0, 1)
                          for d in ("forward", "reverse"))),
    ]


def classifier_words(f):
    plan = f["plan"]
    lane = ("lstm", 0, "forward")
    return [
        ("A 10-step LSTM read at its last step only (a classifier: the loss is on h_9), at "
         "the default detail, every op, one step per row.",
         len(boxes(plan)) == 10 and plan.per_band == 1
         and all(names_at(plan, lane, t, ("state",)) == [f"c_{t}", f"h_{t}"]
                 for t in range(10))),
        (f"It fits a {PAGE} pt page at full size.", fits(f)),
    ]


# ----------------------------------------------------------------- charts
def vanishing(path):
    series = {("LSTM (default init)" if k == "LSTM" else k): v
              for k, v in vanishing_gradient_comparison(T=40, hidden=16).items()}
    series.update(vanishing_gradient_comparison(T=40, hidden=16, forget_bias=1.0,
                                                models_to_run=("LSTM",)))
    gradient_norm_chart(series, path,
                        title="||dL/dh_t||, loss on the last of 40 steps")
    return {"series": series}


def vanishing_words(f):
    series = f["series"]
    default, biased = series["LSTM (default init)"], series["LSTM (forget_bias=1.0)"] \
        if "LSTM (forget_bias=1.0)" in series else next(v for k, v in series.items()
                                                        if "forget" in k)
    ratio = biased[0] / default[0]
    return [
        ("||dL/dh_t|| through 40 steps (log scale) for an RNN, a GRU and an LSTM twice.",
         len(series) == 4 and all(len(v) == 40 for v in series.values())),
        (f"With the default init (forget-gate bias 0) the LSTM's gradient at step 0 is "
         f"{default[0] / default[-1]:.0e} of the last step's, the RNN's "
         f"{series['RNN'][0] / series['RNN'][-1]:.0e}.",
         default[0] < default[-1] and series["RNN"][0] < series["RNN"][-1]),
        (f"With the forget-gate bias set to 1 (forget_bias=1.0: bias_ih[H:2H] = 1, "
         f"bias_hh[H:2H] = 0, Jozefowicz et al. 2015) it reaches step 0 about "
         f"{ratio:.0e} times larger.", ratio > 10),
    ]


def adding_problem_gradients(path):
    """The adding task's four models, untrained, on T=100 sequences."""
    from minigrad_apps.tasks import adding
    series = {}
    for kind in adding.KINDS:
        mg.manual_seed(0)
        model = adding.make_model(kind, 32)
        series[adding.NAMES[kind]] = adding.hidden_state_grad_norms(model, 100)
    gradient_norm_chart(series, path,
                        title="||dL/dh_t|| at initialisation, adding problem, T=100")
    return {"series": series}


def adding_words(f):
    s = f["series"]
    ratio = {name: v[0] / v[-1] for name, v in s.items()}
    kept = [name for name in ("LSTM", "IRNN") if ratio[name] > 1e-3]
    return [
        (f"Why the tanh RNN cannot learn the adding problem at T=100: at initialisation the "
         f"gradient reaching step 0 is {ratio['tanh RNN']:.0e} of the last step's, while "
         f"the LSTM (forget-gate bias 3) and the IRNN (identity W_hh) keep "
         f"{ratio['LSTM']:.1g} and {ratio['IRNN']:.1g} of it.",
         ratio["tanh RNN"] < 1e-10 and kept == ["LSTM", "IRNN"]),
        ("Trained results: `minigrad train adding` (minigrad_apps/tasks/RESULTS.md).", True),
    ]


def contributions(kind):
    def draw(path):
        holder, loss = build(kind, 30, hidden=8, loss_on="last")
        terms = mg.bptt.per_step_grads(loss, getattr(holder, kind).weight_hh_l0)
        per_step_contribution_chart(terms, path, title=f"{kind.upper()}, 30 steps, loss on "
                                    f"the last step: step t's term of dL/dW_hh")
        return {"norms": np.linalg.norm(terms.reshape(30, -1), axis=1),
                "total": np.linalg.norm(terms.sum(axis=0)),
                "grad": np.linalg.norm(mg.grad(loss, getattr(holder, kind).weight_hh_l0)[0]
                                       .numpy())}
    return draw


def contributions_words(kind):
    def words(f):
        norms = f["norms"]
        below = int(np.argmax(norms[1:] > 1e-2 * norms[-1])) + 1
        return [
            (f"BPTT as a sum over time steps: the norm of each step's term of dL/dW_hh in an "
             f"{kind.upper()} of 30 steps with the loss on the last step, on a log axis; "
             f"the terms sum to the gradient.",
             np.isclose(f["total"], f["grad"], rtol=1e-4)),
            (f"The term at t = 0 is 0 (h0 = 0); the last step's is {norms[-1]:.2g}, and the "
             f"terms of the steps before t = {below} are below 1% of it.",
             norms[0] == 0 and np.all(norms[1:below] < 1e-2 * norms[-1])),
        ]
    return words


GALLERY = [
    Entry("scalar_forward.svg", scalar_forward, scalar_forward_words),
    Entry("scalar_paths.svg", scalar_paths, scalar_paths_words),
    Entry("scalar_grad_graph.svg", scalar_grad_graph, scalar_grad_graph_words),
    Entry("rnn_ops.svg", model_graph("rnn", 4, detail="ops", title="RNN, 4 steps, detail=ops"),
          rnn_ops_words),
    Entry("lstm_ops.svg", model_graph("lstm", 3, detail="ops",
                                      title="LSTM, 3 steps, detail=ops"), lstm_ops_words),
    Entry("lstm_cells.svg", model_graph("lstm", 20, detail="cells",
                                        title="LSTM, 20 steps, detail=cells"),
          cells_words("LSTM", 20, ["h", "c"])),
    Entry("gru_cells.svg", model_graph("gru", 10, detail="cells",
                                       title="GRU, 10 steps, detail=cells"),
          cells_words("GRU", 10, ["h"])),
    Entry("birnn_cells.svg", model_graph("birnn", 6, detail="cells",
                                         title="bidirectional RNN, 6 steps, detail=cells"),
          birnn_cells_words),
    Entry("bilstm_ops.svg", model_graph("bilstm", 3, detail="ops", max_nodes=400,
                                        title="bidirectional LSTM, 3 steps, detail=ops"),
          bilstm_ops_words),
    Entry("bilstm2_cells.svg", model_graph("bilstm", 6, layers=2, detail="cells",
                                           title="2-layer bidirectional LSTM, 6 steps, "
                                                 "detail=cells"), stacked_words),
    Entry("rnn_backward.svg", backward_graph("rnn", 5, "ops"),
          backward_words("RNN", 5, "ops")),
    Entry("lstm_backward_cells.svg", backward_graph("lstm", 15, "cells"),
          backward_words("LSTM", 15, "cells")),
    Entry("rnn_highlight_whh.svg", model_graph(
        "rnn", 6, detail="ops", highlight="rnn.weight_hh_l0", loss_on="last",
        title="RNN, 6 steps, loss on the last step: paths from weight_hh_l0"),
        highlight_words("rnn", 6, "weight_hh_l0.T")),
    Entry("lstm_highlight_cells.svg", model_graph(
        "lstm", 12, detail="cells", highlight="lstm.weight_hh_l0", loss_on="last",
        title="LSTM, 12 steps, loss on the last step: paths from weight_hh_l0"),
        lstm_highlight_words),
    Entry("lstm_collapsed.svg", model_graph(
        "lstm", 100, detail="ops", max_nodes=60,
        title="LSTM, 100 steps, detail=ops, max_nodes=60: folded"), collapsed_words),
    Entry("birnn_layers.svg", model_graph("birnn", 8, layers=2, detail="layers",
                                          title="2-layer bidirectional RNN, detail=layers"),
          layers_words),
    Entry("lstm_classifier_ops.svg", model_graph(
        "lstm", 10, detail="ops", loss_on="last",
        title="LSTM classifier, 10 steps, loss on the last step, detail=ops"),
        classifier_words),
    Entry("vanishing_gradients.svg", vanishing, vanishing_words),
    Entry("adding_gradients.svg", adding_problem_gradients, adding_words),
    Entry("contributions_rnn.svg", contributions("rnn"), contributions_words("rnn")),
    Entry("contributions_lstm.svg", contributions("lstm"), contributions_words("lstm")),
]


@dataclass
class Screenshot:
    """A screenshot of the explorer page (mg.explore), taken in a real browser by
    tests/graph/test_explorer_browser.py, which first checks what the caption says."""
    name: str
    caption: str


SCREENSHOTS = [
    Screenshot("explorer_cells.png",
               "The explorer page (mg.explore; minigrad explore lstm --steps 12) of an LSTM "
               "of 12 steps with the loss on the last step, one self-contained HTML file: "
               "the cells view of the window of steps 2 to 8, zoomed to the page's width, "
               "with the paths of "
               "lstm.weight_hh_l0 to the loss lit in the colours of "
               "mg.render(highlight=...); step 5 chosen in the connectivity heatmap, so "
               "that its box is outlined in the graph and its bar in the chart of "
               "weight_hh_l0's per-step terms."),
    Screenshot("explorer_step.png",
               "The same page with step 5 opened op by op (the steps before and after it "
               "folded), the paths of lstm.weight_hh_l0 still lit, and the details of its "
               "forget gate f_5, which the pointer is on."),
]


def write_readme(captions):
    lines = ["# Gallery", "",
             "Generated by `python -m visuals.build_gallery` (do not edit by hand). Each "
             "caption says only what its picture shows; tests/graph/test_render_captions.py "
             "checks every sentence against the numbers behind the picture.", ""]
    for entry in GALLERY:
        title = os.path.splitext(entry.name)[0].replace("_", " ")
        lines += [f"## {title}", "", captions[entry.name], "", f"![{title}]({entry.name})", ""]
    for shot in SCREENSHOTS:
        title = os.path.splitext(shot.name)[0].replace("_", " ")
        lines += [f"## {title}", "", shot.caption, "", f"![{title}]({shot.name})", ""]
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write("\n".join(lines))


def main():
    start = time.perf_counter()
    captions, untrue = {}, []
    for entry in GALLERY:
        began = time.perf_counter()
        facts = entry.draw(os.path.join(HERE, entry.name))
        untrue += [(entry.name, s) for s, holds in entry.describe(facts) if not holds]
        captions[entry.name] = entry.caption(facts)
        print(f"{entry.name:28s} {time.perf_counter() - began:6.2f} s")
    for name, sentence in untrue:
        print(f"{name}: the caption says what the picture does not show: {sentence}")
    if untrue:
        return 1
    write_readme(captions)
    print(f"gallery written to {HERE} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
