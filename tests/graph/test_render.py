"""mg.render, the entry point: what it draws, from which data, and its arguments.

The SVG that Graphviz produces is parsed with xml.etree; the plan (minigrad/viz/plan.py)
is read through `picture`, the stages of `render` before the emitter.
"""
import math
import re
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest

import minigrad as mg
import models
from minigrad.viz import fit, style
from minigrad.viz.drawing import RenderError
from minigrad.viz.legend import legend_entries
from minigrad.viz.render import picture
from minigrad_apps.demos import build

SVG = "{http://www.w3.org/2000/svg}"


def parse(dot):
    return ET.fromstring(dot.pipe(format="svg"))


def groups(root, cls):
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def title(g):
    return g.find(f"{SVG}title").text


def texts(g):
    return " ".join(t.text or "" for t in g.iter(f"{SVG}text"))


def plan_of(loss, **options):
    return picture(loss, **options)[0]


def scalar_rnn():
    w_i, w_h, w_o, b = (mg.tensor(v, requires_grad=True, dtype=mg.float64)
                        for v in (0.5, 0.8, 1.2, 0.1))
    w_i.name, w_h.name = "w_i", "w_h"
    o = mg.tensor(0.0, dtype=mg.float64)
    for t, x in enumerate((1.0, -0.5, 0.25)):
        with mg.name_scope(f"t{t}"):
            o = (mg.tensor(x, dtype=mg.float64) * w_i + o * w_h + b).tanh()
    return -((o * w_o).sigmoid().log()), w_i, w_h


# --------------------------------------------------------- what is drawn
def test_every_lstm_node_says_what_it_is_with_its_step():
    holder, loss = build("lstm", 3)
    root = parse(mg.render(loss, detail="ops", modules=holder))
    nodes = groups(root, "node")
    by_class = {}
    for g in nodes:
        by_class.setdefault(g.get("class").split()[1], []).append(texts(g).split()[0])
    # one box per step holds i, f, g, o, c and h of that step, named and numbered
    assert sorted(n for n in by_class["gate"]) == sorted(f"{g}_{t}" for g in "ifgo"
                                                          for t in range(3))
    assert sorted(by_class["state"]) == sorted(f"{s}_{t}" for s in "ch" for t in range(3))
    assert sorted(by_class["initial_state"]) == ["c0", "h0"]
    assert by_class["loss"] == ["loss"]
    assert "x" in by_class["input"] and "lstm.weight_hh_l0" in by_class["parameter"]
    for t in range(3):
        (box,) = [c for c in groups(root, "cluster") if title(c) == f"cluster_t{t}_layer0_forward"]
        assert texts(box).startswith(f"t = {t}")


def test_gate_names_come_from_the_model_not_from_module_names():
    """A module called lstm whose ops are sliced like gates, but that declares no gates:
    no node is called a gate (the old renderer guessed them from the module's name)."""
    class LSTM(mg.nn.Module):
        def forward(self, x):
            return (x[..., :2] * x[..., 2:4]).sum()

    net = mg.nn.Module()
    net.lstm = LSTM()
    plan = plan_of(net.lstm(mg.randn(1, 8, requires_grad=True)))
    assert {node.kind for node in plan.nodes.values()} == {"parameter", "op"}
    assert not any("gate" in " ".join(node.lines) for node in plan.nodes.values())


def test_labels_say_exponent_time_index_and_parameter_name():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    plan = plan_of((x ** 2).sum())
    assert any(node.lines[0] == "pow 2" for node in plan.nodes.values())
    holder, loss = build("rnn", 3)
    lines = [node.lines for node in plan_of(loss, modules=holder).nodes.values()]
    for t in range(3):
        assert [line[0] for line in lines].count(f"[t={t}]") == 1
    assert ["rnn.weight_hh_l0", "(4, 4)"] in lines
    assert ["weight_hh_l0.T", "transpose (4, 4)"] in lines   # what it computes, by name


def test_cells_view_labels_the_states_each_cell_hands_on():
    holder, loss = build("lstm", 4)
    root = parse(mg.render(loss, detail="cells", modules=holder))
    recurrent = groups(root, "recurrent")
    assert sorted(texts(g) for g in recurrent) == sorted(["h", "c"] * 3)
    legend = texts(root)
    assert "arrow labelled h: the hidden state h_t" in legend
    assert "arrow labelled c: the cell state c_t" in legend


# ------------------------------------------------------------- gradients
def test_highlight_marks_exactly_the_edges_on_paths_to_the_loss():
    loss, w_i, w_h = scalar_rnn()
    graph = mg.trace(loss)
    full = nx.DiGraph((s, d) for s, d, _ in graph.edges)
    source, out = graph.node_id(w_i), graph.outputs[0]
    on_path = (nx.descendants(full, source) | {source}) & (nx.ancestors(full, out) | {out})
    plan = plan_of(graph, highlight=w_i)
    for edge in plan.edges:
        if edge.kind == "order":
            continue
        ends = [plan.nodes[edge.tail].members, plan.nodes[edge.head].members]
        assert edge.highlighted == all(set(m) <= on_path for m in ends), ends
    # w_i is read once per step: three highlighted edges leave its references
    starts = [e for e in plan.edges if e.highlighted and plan.nodes[e.tail].reference
              and plan.nodes[e.tail].members == [source]]
    assert len(starts) == 3
    assert not any(e.highlighted for e in plan.edges
                   if graph.node_id(w_h) in plan.nodes[e.tail].members)


def test_a_highlighted_edge_that_carries_zero_gradient_is_not_coloured_as_a_decade():
    """loss reads only b = w * 3 of stack([w * 2, w * 3]): the edge from w * 2 into the
    stack is on a path from w to the loss but carries exactly 0."""
    w = mg.tensor(0.5, requires_grad=True, dtype=mg.float64)
    a, b = w * 2.0, w * 3.0
    graph = mg.trace(mg.stack([a, b])[1])
    root = parse(mg.render(graph, highlight=w))
    zero = groups(root, "zero-grad")   # w -> w * 2 and w * 2 -> stack carry exactly 0
    assert len(zero) == 2
    assert all(next(g.iter(f"{SVG}path")).get("stroke") not in style.PALETTE for g in zero)
    lit = [g for g in groups(root, "highlight") if "zero-grad" not in g.get("class")]
    assert lit and all(next(g.iter(f"{SVG}path")).get("stroke") in style.PALETTE for g in lit)
    assert "dotted grey: on a path, carries exactly 0" in texts(root)


def test_backward_draws_the_forward_plan_with_every_arrow_reversed_and_touches_no_grad():
    holder, loss = build("rnn", 3)
    before = [p.grad for p in holder.parameters()]
    # one strip each (labels with |grad| are wider: a page would wrap them elsewhere)
    forward = plan_of(loss, modules=holder, detail="ops", width=None)
    backward = plan_of(loss, modules=holder, detail="ops", backward=True, width=None)
    assert [p.grad for p in holder.parameters()] == before
    shown = [(e.tail, e.head, e.back) for e in forward.edges if e.kind != "order"]
    assert [(e.tail, e.head, not e.back) for e in backward.edges if e.kind != "order"] == shown
    assert any("|grad|" in " ".join(n.lines) for n in backward.nodes.values())


def test_backward_graph_from_create_graph():
    loss, w_i, _ = scalar_rnn()
    (g,) = mg.grad(loss, w_i, create_graph=True)
    root = parse(mg.render(g, backward=True))
    grad_nodes = [n for n in groups(root, "node") if "grad of" in texts(n)]
    assert len(grad_nodes) > 10
    boxes = sorted(title(c) for c in groups(root, "cluster")
                   if re.fullmatch(r"cluster_t\d+", title(c)))
    assert boxes == ["cluster_t0", "cluster_t1", "cluster_t2"]


def test_render_reads_only_the_captured_data():
    """The entry point computes the gradients; nothing after it calls backward or reads a
    tensor: a Graph whose tensors were released draws the same picture."""
    holder, loss = build("lstm", 4, loss_on="last")
    graph = mg.trace(loss, modules=holder).backward(retain_graph=True)
    kept = mg.render(graph, highlight="lstm.weight_hh_l0", detail="cells").source
    graph.release()
    assert mg.render(graph, highlight="lstm.weight_hh_l0", detail="cells").source == kept
    assert mg.render(graph, backward=True, detail="cells").pipe(format="svg")


def test_a_released_graph_without_gradients_says_how_to_get_them():
    holder, loss = build("rnn", 2)
    graph = mg.trace(loss, modules=holder).release()
    plan = plan_of(graph, backward=True)
    assert any("Trace first" in note for note in plan.notes)


# --------------------------------------------------------- steps, collapse
def test_steps_window_keeps_only_those_steps():
    holder, loss = build("gru", 8)
    plan = plan_of(loss, detail="cells", steps=slice(2, 5), modules=holder)
    boxes = [item.label for row in plan.rows for item in row.items if item.kind == "step"]
    assert boxes == ["t = 2", "t = 3", "t = 4"]
    assert any(note.startswith("steps window") for note in plan.notes)


def test_steps_window_as_an_int_counts_from_the_end_like_an_index_and_ranges_work():
    holder, loss = build("gru", 6)
    for steps, kept in ((-1, ["t = 5"]), (0, ["t = 0"]), (range(1, 3), ["t = 1", "t = 2"])):
        plan = plan_of(loss, detail="cells", steps=steps, modules=holder)
        assert [i.label for r in plan.rows for i in r.items if i.kind == "step"] == kept


def test_a_steps_window_that_selects_nothing_is_an_error():
    holder, loss = build("gru", 6)
    with pytest.raises(ValueError, match=r"steps=slice\(10, 20, None\) selects none of the "
                                         r"graph's 6 time steps"):
        mg.render(loss, detail="cells", steps=slice(10, 20), modules=holder)
    with pytest.raises(IndexError, match="steps=6 is out of range: the graph has 6"):
        mg.render(loss, detail="cells", steps=6, modules=holder)


def test_collapse_above_max_nodes_says_so():
    holder, loss = build("lstm", 30)
    plan = plan_of(loss, detail="ops", max_nodes=40, modules=holder)
    notes = " ".join(plan.notes)
    assert "ops grouped into cells" in notes and "middle steps" in notes
    gaps = [n for n in plan.nodes.values() if n.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].lines[0].endswith("steps collapsed ...")
    assert 2 <= sum(i.kind == "step" for r in plan.rows for i in r.items) < 30
    assert len(plan.nodes) <= 40


def test_a_picture_still_over_max_nodes_says_so():
    lstm = models.LSTM(2, 3, num_layers=3, bidirectional=True)
    out, _ = lstm(mg.randn(4, 1, 2))
    plan = plan_of((out ** 2).sum(), detail="layers", max_nodes=10)
    assert len(plan.nodes) > 10
    assert any("more than max_nodes=10, nothing more could be grouped" in n for n in plan.notes)


@pytest.mark.parametrize("value, what", [(None, "None"), ("250", "'250'"), (float("nan"), "NaN"),
                                         (2.5, "2.5"), (True, "True")])
def test_max_nodes_of_the_wrong_type_is_a_clear_error(value, what):
    holder, loss = build("rnn", 2)
    with pytest.raises(TypeError,
                       match=f"render: max_nodes must be an int .* got {re.escape(what)}"):
        mg.render(loss, max_nodes=value)
    with pytest.raises(ValueError, match="render: max_nodes must be at least 10, got 5"):
        mg.render(loss, max_nodes=5)


def test_no_max_nodes_hands_dot_a_graph_it_cannot_lay_out_quickly():
    """max_nodes=100000 on a 2,000-step LSTM: lowered to the ceiling, and said so (dot
    used to get 38k nodes and run past 200 s)."""
    lstm = models.LSTM(1, 2)
    out, _ = lstm(mg.randn(2000, 1, 1))
    plan = plan_of(out[-1].sum(), max_nodes=100_000, modules=lstm)
    assert len(plan.nodes) <= fit.NODE_CEILING
    assert any(f"drawing at most {fit.NODE_CEILING} nodes" in n for n in plan.notes)


def test_a_graph_that_cannot_be_grouped_below_the_ceiling_is_refused_with_advice():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(fit.NODE_CEILING + 10):   # no time steps, no modules: nothing to group
        y = y.tanh()
    with pytest.raises(RenderError, match="more than dot lays out in a few seconds"):
        mg.render(y, max_nodes=100_000)


# ------------------------------------------------------------- arguments
def test_bad_arguments():
    loss, w_i, _ = scalar_rnn()
    with pytest.raises(ValueError, match="detail"):
        mg.render(loss, detail="gates")
    with pytest.raises(ValueError, match="not part of the graph"):
        mg.render(loss, highlight=mg.tensor(1.0, requires_grad=True))
    with pytest.raises(ValueError, match="render: width must be None"):
        mg.render(loss, width=float("inf"))


def test_the_drawing_writes_the_picture_and_no_dot_source(tmp_path):
    loss, w_i, _ = scalar_rnn()
    path = mg.render(loss, highlight=w_i).render(str(tmp_path / "scalar_rnn"), format="svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scalar_rnn.svg"]
    assert path.endswith("scalar_rnn.svg")
    ET.parse(path)


def test_render_of_many_steps_stays_linear():
    """Choosing the shown steps of a long unroll reads them a bounded number of times (a
    100,000-step chain once took five minutes)."""
    w = mg.tensor(0.9, requires_grad=True)
    h = mg.tensor(0.0)
    for t in range(3000):
        with mg.name_scope(f"t{t}"):
            h = (w * h + 0.1).tanh()
    plan = plan_of(h * h, highlight=w)
    assert any("middle steps" in n for n in plan.notes)
    assert math.isfinite(plan.width)
    assert np.isfinite([e.grad_norm for e in plan.edges if e.grad_norm is not None]).all()


# -------------------------------------------------------- after backward
@pytest.mark.parametrize("detail", ["ops", "cells"])
def test_after_backward_render_draws_the_structure(detail):
    """`loss.backward(); mg.render(loss)`, as torchviz's make_dot after backward: the same
    picture as before the backward, but for the values."""
    holder, loss = build("lstm", 3)
    before = plan_of(loss, detail=detail, modules=holder)
    loss.backward()
    after = plan_of(loss, detail=detail, modules=holder)
    assert [n.lines[0] for n in after.nodes.values()] == [n.lines[0] for n in before.nodes.values()]
    assert [(e.tail, e.head) for e in after.edges] == [(e.tail, e.head) for e in before.edges]
    assert mg.render(loss, detail=detail, modules=holder).pipe(format="svg")


@pytest.mark.parametrize("options", [{"highlight": "lstm.weight_hh_l0"}, {"backward": True}])
def test_after_backward_the_gradient_views_say_how_to_get_magnitudes(options):
    holder, loss = build("lstm", 3, loss_on="last")
    loss.backward()
    plan = plan_of(loss, detail="cells", modules=holder, **options)
    (note,) = [n for n in plan.notes if "cannot be shown" in n]
    assert "mg.trace(loss)" in note and "retain_graph=True" in note
    assert all(e.grad_norm is None for e in plan.edges)
    if "highlight" in options:   # the paths are drawn, without a colour scale
        assert any(e.highlighted for e in plan.edges)
        marks = [mark for mark, _, _ in legend_entries(plan, None, True)]
        assert "path" in marks and "scale" not in marks


# -------------------------------------------------------------- command line
def test_cli_render_puts_the_loss_on_the_last_step_for_paths(tmp_path, capsys):
    from minigrad_apps.cli import main
    out = tmp_path / "paths.svg"
    assert main(["render", "rnn", "--steps", "4", "--highlight", "weight_hh_l0",
                 "--out", str(out)]) == 0
    assert "loss on the last step | paths from rnn.weight_hh_l0" in out.read_text()
    assert main(["render", "rnn", "--steps", "4", "--highlight", "weight_hh_l0",
                 "--loss-on", "all", "--out", str(out)]) == 0
    assert "loss on every step" in out.read_text()
    assert main(["render", "lstm", "--steps", "12", "--width", "0", "--out", str(out)]) == 0
    assert float(ET.parse(out).getroot().get("width").rstrip("pt")) > 1200   # one strip
    with pytest.raises(SystemExit):
        main(["render", "lstm", "--steps", "3", "--width", "50", "--out", str(out)])
    assert "--width: must be 0 (one long strip) or at least 200, got 50" in \
        capsys.readouterr().err
