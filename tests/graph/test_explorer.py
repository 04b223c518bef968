"""mg.explore without a browser: the page is one file that needs nothing else, and its
JSON blob says what the captured graph says (the browser tests are in
test_explorer_browser.py).

The reference computations here are written independently of the explorer's code:
paths by networkx reachability edge by edge, gradient norms by `mg.trace(...).backward()`,
the colours by mg.render(highlight=...)'s own SVG.
"""
import html
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import minigrad as mg
from minigrad.viz import style
from minigrad.viz.explorer import MAX_STEPS
from minigrad_apps.demos import build, demo
from tests.graph.paths_oracle import paths_to_the_loss

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def lstm_page():
    holder, loss = build("lstm", 6, hidden=3, loss_on="last")
    return holder, loss, mg.explore(loss, modules=holder)


def blob_of(page_html):
    """The JSON blob as the browser reads it: the text of its script element."""
    text = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                     page_html, re.S).group(1)
    return json.loads(text)


def parse_embedded(svg):
    """An SVG as the page embeds it (the HTML parser needs no namespace declarations)."""
    return ET.fromstring(svg.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" xmlns:xlink='
                                     f'"http://www.w3.org/1999/xlink" ', 1))


def test_the_page_is_one_file_that_fetches_nothing(lstm_page, tmp_path):
    _, _, page = lstm_page
    text = page.html
    assert not re.search(r"https?:", text)
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", text)
    assert text.count("<script") == 2 and text.count("<style") == 1
    path = page.save(str(tmp_path / "page.html"))
    assert open(path, encoding="utf-8").read() == text
    assert blob_of(text) == json.loads(json.dumps(page.data))   # keys become strings


def test_a_notebook_shows_the_page_inline(lstm_page):
    _, _, page = lstm_page
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=\"") and "<script" not in shown
    assert html.unescape(re.search(r'srcdoc="(.*?)"', shown, re.S).group(1)) == page.html


def test_the_blob_has_every_graph_node_with_its_kind_shape_value_and_gradient(lstm_page):
    holder, loss, page = lstm_page
    graph = mg.trace(loss, modules=holder).backward(retain_graph=True)
    records = page.data["nodes"]
    assert len(records) == len(graph.nodes)
    for node_id, attrs in graph.nodes.items():
        record = records[node_id]
        assert record["kind"] == attrs["kind"]
        shape = ", ".join(str(s) for s in attrs["shape"])
        assert record["shape"].replace(",)", ")") == f"({shape})" if shape else \
            record["shape"].startswith("()")
        if attrs["grad_norm"] is None:
            assert record["grad"] is None
        else:
            assert record["grad"] == pytest.approx(attrs["grad_norm"], rel=1e-9)
        if attrs["kind"] == "parameter":
            assert record["param"] == attrs["param_name"]
            value = graph.tensor(node_id).numpy()
            assert f"|x|={np.linalg.norm(value):.3g}" in record["value"]
    assert sorted(records[p]["param"] for p in page.data["params"]) == \
        sorted(name for name, _ in holder.named_parameters())


def test_every_view_names_the_graph_nodes_and_edges_behind_its_svg_elements(lstm_page):
    holder, loss, page = lstm_page
    graph = mg.trace(loss, modules=holder)
    drawn = {n for n, a in graph.nodes.items() if a["kind"] != "constant"}
    views = page.data["views"]
    assert page.data["order"] == ["layers", "cells"] + [f"t{t}" for t in range(6)]
    for key, view in views.items():
        root = parse_embedded(view["svg"])
        ids = {g.get("id"): g.get("class") or "" for g in root.iter(f"{SVG}g")}
        assert {i for i, c in ids.items() if c.startswith("node")} == set(view["nodes"])
        assert {i for i, c in ids.items() if c.startswith("edge")} == \
            {edge[0] for edge in view["edges"]}
        members = {m for node in view["nodes"].values() for m in node["members"]}
        assert members <= drawn
        inside = [set(node["members"]) for node in view["nodes"].values()
                  if not node.get("reference")]
        on_edges = {i for edge in view["edges"] for i in edge[1]}
        # every graph edge between drawn nodes is inside one SVG node or on an SVG edge
        for index, (s, d, _) in enumerate(graph.edges):
            if s in drawn and d in drawn and not any({s, d} <= m for m in inside):
                assert index in on_edges, (key, index, graph.nodes[s]["label"],
                                           graph.nodes[d]["label"])
        for edge in view["edges"]:
            assert edge[1] and all(0 <= i < len(graph.edges) for i in edge[1])
    step_boxes = views["cells"]["boxes"]
    lefts = [box["x"][0] for box in sorted(step_boxes.values(), key=lambda b: b["time"])]
    assert lefts == sorted(lefts) and len(lefts) == 6   # one strip: step t left of t+1
    opened = views["t2"]
    assert {b["kind"] for b in opened["boxes"].values()} == {"step", "gap"}
    assert sorted(tuple(b["time"]) for b in opened["boxes"].values() if b["kind"] == "gap") \
        == [(0, 1), (3, 5)]
    gates = {graph.nodes[node["members"][0]]["name"] for node in opened["nodes"].values()
             if node["kind"] == "gate"}
    assert gates == {"i", "f", "g", "o"}


def test_a_parameters_lit_edges_are_exactly_its_paths_to_the_loss(lstm_page):
    holder, loss, page = lstm_page
    graph = mg.trace(loss, modules=holder)
    for param in page.data["params"]:
        expected = paths_to_the_loss(graph, param)
        for key, view in page.data["views"].items():
            codes = page.data["paths"][param][key]["codes"]
            assert len(codes) == len(view["edges"])
            lit = {edge[0] for edge, code in zip(view["edges"], codes) if code != "."}
            assert lit == {edge[0] for edge in view["edges"] if expected & set(edge[1])}, key


@pytest.mark.parametrize("key, detail, steps", [("cells", "cells", None),
                                                ("t3", "ops", slice(3, 4))])
def test_the_lit_colours_are_those_of_render_highlight(lstm_page, key, detail, steps):
    holder, loss, page = lstm_page
    weight = holder.lstm.weight_hh_l0
    root = ET.fromstring(mg.render(loss, detail=detail, steps=steps, highlight=weight,
                                   modules=holder, width=None, max_nodes=1000)
                         .pipe(format="svg"))
    drawn = {g.get("id"): next(g.iter(f"{SVG}path")).get("stroke") for g in root.iter(f"{SVG}g")
             if (g.get("class") or "").startswith("edge")}
    param = page.data["params"][[page.data["names"][p] for p in page.data["params"]]
                                .index("lstm.weight_hh_l0")]
    paths = page.data["paths"][param][key]
    view = page.data["views"][key]
    assert set(drawn) == {edge[0] for edge in view["edges"]}
    compared = 0
    for edge, code in zip(view["edges"], paths["codes"]):
        if code.isdigit():
            assert paths["bins"][int(code)][0] == drawn[edge[0]], edge[0]
            compared += 1
        elif code == ".":
            assert drawn[edge[0]] == style.FADED_EDGE["color"]
        else:
            assert code == "z" and drawn[edge[0]] == style.ZERO_EDGE["color"]
    assert compared > 5
    legend = [row[4] for row in paths["legend"] if row[0] == "scale"]
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert legend and all(words in texts for words in legend)


def test_the_chart_holds_each_steps_term_of_the_weights_gradient(lstm_page):
    holder, loss, page = lstm_page
    weight = holder.lstm.weight_hh_l0
    param = page.data["weight"]
    assert page.data["names"][param] == "lstm.weight_hh_l0"
    norms = np.array(page.data["terms"][param]["norms"])
    assert norms.shape == (6,) and norms[0] == 0   # h0 = 0: W_hh's first term is 0
    assert np.all(norms[1:] > 0)
    grad = mg.grad(loss, weight, retain_graph=True)[0].numpy()
    # the terms add up to the gradient: their norms bound its norm by the triangle inequality
    assert np.linalg.norm(grad) <= norms.sum() * (1 + 1e-9)
    assert norms[-1] > norms[1]   # loss on the last step: the early terms are smaller


def test_a_parameter_used_only_after_the_steps_has_no_chart_but_its_paths():
    import models
    mg.manual_seed(0)
    rnn, head = models.RNN(2, 3), mg.nn.Linear(3, 1)
    x = mg.randn(4, 1, 2)
    out, _ = rnn(x)
    loss = mg.mark((head(out[-1]) ** 2).mean(), "loss", "loss")
    holder = mg.nn.Module()
    holder.rnn, holder.head = rnn, head
    page = mg.explore(loss, modules=holder)
    names = {page.data["names"][p]: p for p in page.data["params"]}
    assert "error" in page.data["terms"][names["head.weight"]]
    assert "norms" in page.data["terms"][names["rnn.weight_hh_l0"]]
    assert any(c != "." for c in page.data["paths"][names["head.weight"]]["cells"]["codes"])


def test_a_graph_without_time_steps_has_one_view():
    w = mg.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    x = mg.tensor([1.0, 2.0])
    loss = (w @ x).tanh().sum()
    page = mg.explore(loss)
    assert page.data["order"] == ["graph"] and page.data["steps"] == []
    assert page.data["start"] == "graph"
    param = page.data["params"][0]
    codes = page.data["paths"][param]["graph"]["codes"]
    assert len(codes) == 4 and codes.count(".") == 1   # x -> matmul is on no path from w


def test_the_page_keeps_the_steps_asked_for_and_refuses_too_many():
    holder, loss = build("rnn", MAX_STEPS + 1)
    with pytest.raises(ValueError, match=rf"explore: the graph has {MAX_STEPS + 1} time "
                                         rf"steps; a page holds at most {MAX_STEPS}"):
        mg.explore(loss, modules=holder)
    page = mg.explore(loss, modules=holder, steps=slice(10, 14))
    assert page.data["steps"] == [10, 11, 12, 13]
    assert page.data["order"][2:] == ["t10", "t11", "t12", "t13"]
    with pytest.raises(ValueError, match="explore: steps=slice"):
        mg.explore(loss, modules=holder, steps=slice(500, 600))


def test_bad_input_gets_a_clear_error():
    holder, loss = build("lstm", 2)
    with pytest.raises(TypeError, match="explore: loss is a list"):
        mg.explore([loss])
    with pytest.raises(ValueError, match=r"explore: weight='nope' names 0 of the parameters"
                                         r".*lstm\.weight_hh_l0"):
        mg.explore(loss, modules=holder, weight="nope")
    with pytest.raises(ValueError, match="explore: the weight is not part of the graph"):
        mg.explore(loss, modules=holder, weight=mg.zeros(2, requires_grad=True))
    page = mg.explore(loss, modules=holder, weight="bias_ih_l0")
    assert page.data["names"][page.data["weight"]] == "lstm.bias_ih_l0"
    loss.backward()
    with pytest.raises(ValueError, match="explore: the graph's values were freed"):
        mg.explore(loss, modules=holder)


def test_the_connectivity_panel_says_what_is_missing():
    holder, loss = build("rnn", 3)
    reason = mg.explore(loss, modules=holder).data["connectivity"]["reason"]
    assert "step_outputs=" in reason and "step_inputs=" in reason


def test_the_connectivity_panel_holds_one_gradient_norm_per_output_and_input_step():
    run = demo("bilstm", 4, hidden=3, layers=1, input_grad=True)
    step_outputs = (run.out * run.out).mean(axis=-1)          # (T, N)
    panel = mg.explore(run.loss, modules=run.holder, step_outputs=step_outputs,
                       step_inputs=run.x).data["connectivity"]
    matrix = np.array(panel["matrix"])
    expected = np.zeros((4, 4))
    for t in range(4):
        (dx,) = mg.grad(step_outputs[t].sum(), [run.x], retain_graph=True)
        expected[t] = np.linalg.norm(dx.data, axis=-1).mean(axis=-1)   # per sequence
    np.testing.assert_allclose(matrix, expected, rtol=1e-5)   # float32 demo models
    assert np.all(matrix[np.triu_indices(4, 1)] > 0)   # bidirectional: later inputs reach y_t
    assert len(panel["codes"]) == 4 and all(len(row) == 4 for row in panel["codes"])


def test_the_command_line_writes_the_page(tmp_path):
    from minigrad_apps.cli import main
    out = tmp_path / "bigru.html"
    assert main(["explore", "bigru", "--steps", "3", "--weight", "weight_ih_l0_reverse",
                 "--out", str(out)]) == 0
    blob = blob_of(out.read_text(encoding="utf-8"))
    assert blob["names"][str(blob["weight"])] == "gru.weight_ih_l0_reverse"
    lanes = {box["time"]: 0 for box in blob["views"]["cells"]["boxes"].values()}
    assert sorted(lanes) == [0, 1, 2]
    assert len(blob["views"]["cells"]["boxes"]) == 6   # forward and reverse boxes
    assert main(["explore", "lstm", "--steps", "3", "--out", str(tmp_path / "x.svg")]) == 2
    assert main(["explore", "lstm", "--steps", "3", "--weight", "nope",
                 "--out", str(out)]) == 2


def test_the_demo_with_input_grad_marks_its_input_as_an_input():
    run = demo("lstm", 3, input_grad=True)
    graph = mg.trace(run.loss, modules=run.holder)
    x = graph.node_id(run.x)
    assert graph.nodes[x]["kind"] == "input" and run.x.requires_grad
    assert tuple(run.out.shape) == (3, 1, 4)
