"""mg.render: structure of the SVG that Graphviz produces (parsed with xml.etree)."""
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

import minigrad as mg
import models
from minigrad_apps.demos import build

SVG = "{http://www.w3.org/2000/svg}"


def parse(dot):
    return ET.fromstring(dot.pipe(format="svg"))


def groups(root, cls):
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def title(g):
    return g.find(f"{SVG}title").text


def time_clusters(root):
    return sorted(title(g) for g in groups(root, "cluster") if re.fullmatch(r"cluster_t\d+", title(g)))


def texts(g):
    return " ".join(t.text or "" for t in g.iter(f"{SVG}text"))


def scalar_rnn():
    w_i, w_h, w_o, b = (mg.tensor(v, requires_grad=True, dtype=mg.float64)
                        for v in (0.5, 0.8, 1.2, 0.1))
    w_i.name, w_h.name = "w_i", "w_h"
    o = mg.tensor(0.0, dtype=mg.float64)
    for t, x in enumerate((1.0, -0.5, 0.25)):
        with mg.name_scope(f"t{t}"):
            o = (mg.tensor(x, dtype=mg.float64) * w_i + o * w_h + b).tanh()
    return -((o * w_o).sigmoid().log()), w_i, w_h


def test_one_cluster_per_time_step_and_weights_once():
    holder, loss = build("rnn", 4)
    root = parse(mg.render(loss, detail="ops", modules=holder))
    assert time_clusters(root) == [f"cluster_t{t}" for t in range(4)]
    weight_nodes = [g for g in groups(root, "node") if "weight_hh_l0" in texts(g)]
    assert len(weight_nodes) == 1


def drawn_edges_and_path(graph, root, source_tensor):
    """(edges drawn in the SVG as (graph id, graph id, is_highlighted), the full graph as
    networkx, source id, ids of nodes on a path from the source to the output)."""
    dot_to_graph = {title(n): int(n.get("id")[4:]) for n in groups(root, "node")
                    if (n.get("id") or "").startswith("node")}
    full = nx.DiGraph((s, d) for s, d, _ in graph.edges)
    source, out = graph.node_id(source_tensor), graph.outputs[0]
    on_path = (nx.descendants(full, source) | {source}) & (nx.ancestors(full, out) | {out})
    drawn = []
    for edge in groups(root, "edge"):
        tail, head = re.fullmatch(r"e_(v\d+)_(v\d+)", edge.get("id")).groups()
        drawn.append((dot_to_graph[tail], dot_to_graph[head],
                      "highlight" in edge.get("class").split()))
    return drawn, full, source, on_path


def test_highlight_marks_exactly_the_edges_on_paths_to_the_loss():
    loss, w_i, w_h = scalar_rnn()
    graph = mg.trace(loss)
    root = parse(mg.render(graph, highlight=w_i))
    edges, g, source, on_path = drawn_edges_and_path(graph, root, w_i)
    drawn = set()
    for tail, head, highlighted in edges:
        pair = (tail, head)
        drawn.add(pair)
        assert highlighted == (pair[0] in on_path and pair[1] in on_path), pair
    expected = {(s, d) for s, d in g.edges if s in on_path and d in on_path}
    assert expected <= drawn
    # w_i is used once per step: three of its edges start the three paths
    assert sum(1 for s, d in expected if s == source) == 3
    assert all(s != graph.node_id(w_h) for s, d in expected)
    legend = [n for n in groups(root, "node") if title(n) == "legend"]
    assert legend and "1e" in texts(legend[0])


def test_node_count_per_detail_level():
    holder, loss = build("lstm", 5)
    graph = mg.trace(loss, modules=holder)
    cells = parse(mg.render(graph, detail="cells", max_nodes=1000))
    cell_nodes = [g for g in groups(cells, "node") if re.search(r"lstm t=\d", texts(g))]
    assert len(cell_nodes) == 5
    layers = parse(mg.render(graph, detail="layers"))
    assert len([g for g in groups(layers, "node") if "5 steps" in texts(g)]) == 1
    assert time_clusters(layers) == []
    ops = parse(mg.render(graph, detail="ops", max_nodes=1000))
    op_ids = {f"node{n}" for n, a in graph.nodes.items() if a["kind"] == "op"}
    assert op_ids <= {g.get("id") for g in groups(ops, "node")}


def test_collapse_above_max_nodes_says_so():
    holder, loss = build("lstm", 30)
    dot = mg.render(loss, detail="ops", max_nodes=40, modules=holder)
    root = parse(dot)
    label = texts(root.find(f"{SVG}g"))
    assert "ops grouped into cells" in dot.source and "middle steps" in dot.source
    assert "collapsed" in label
    gap = [g for g in groups(root, "node") if "steps collapsed" in texts(g)]
    assert len(gap) == 1
    assert 2 <= len(time_clusters(root)) < 30
    drawn = [g for g in groups(root, "node") if not title(g).startswith(("bus", "legend"))]
    assert len(drawn) <= 40  # bus taps (tiny points) do not count


def test_steps_window_keeps_only_those_steps():
    holder, loss = build("gru", 8)
    dot = mg.render(loss, detail="cells", steps=slice(2, 5), modules=holder)
    root = parse(dot)
    assert time_clusters(root) == ["cluster_t2", "cluster_t3", "cluster_t4"]
    assert "steps window" in dot.source


def test_steps_window_as_an_int_counts_from_the_end_like_an_index_and_ranges_work():
    holder, loss = build("gru", 6)
    for steps, kept in ((-1, ["cluster_t5"]), (0, ["cluster_t0"]),
                        (range(1, 3), ["cluster_t1", "cluster_t2"])):
        dot = mg.render(loss, detail="cells", steps=steps, modules=holder)
        assert time_clusters(parse(dot)) == kept, steps


def test_a_steps_window_that_selects_nothing_is_an_error():
    holder, loss = build("gru", 6)
    with pytest.raises(ValueError, match=r"steps=slice\(10, 20, None\) selects none of the "
                                         r"graph's 6 time steps"):
        mg.render(loss, detail="cells", steps=slice(10, 20), modules=holder)
    with pytest.raises(IndexError, match="steps=6 is out of range: the graph has 6"):
        mg.render(loss, detail="cells", steps=6, modules=holder)


def test_backward_of_the_forward_graph_runs_right_to_left_with_norms():
    holder, loss = build("rnn", 3)
    before = [p.grad for p in holder.parameters()]
    dot = mg.render(loss, detail="ops", backward=True, modules=holder)
    assert [p.grad for p in holder.parameters()] == before  # render touches no .grad
    root = parse(dot)
    assert "backward pass" in dot.source
    assert all("dir=back" in line for line in dot.source.splitlines()
               if "->" in line and "invis" not in line and "bus" not in line)
    assert any("|grad|" in texts(g) for g in groups(root, "node"))


def test_backward_graph_from_create_graph():
    loss, w_i, _ = scalar_rnn()
    (g,) = mg.grad(loss, w_i, create_graph=True)
    root = parse(mg.render(g, backward=True))
    grad_nodes = [n for n in groups(root, "node") if "grad of" in texts(n)]
    assert len(grad_nodes) > 10
    assert time_clusters(root) == ["cluster_t0", "cluster_t1", "cluster_t2"]


def test_bidirectional_reverse_cluster_and_arrows_point_left():
    holder, loss = build("birnn", 4)
    dot = mg.render(loss, detail="cells", modules=holder)
    root = parse(dot)
    names = [title(g) for g in groups(root, "cluster")]
    assert "cluster_t2_layer0_reverse" in names and "cluster_t2_layer0_forward" in names
    assert "dir=back" in dot.source  # reverse recurrence drawn against the layout


def test_bad_arguments():
    loss, w_i, _ = scalar_rnn()
    with pytest.raises(ValueError, match="detail"):
        mg.render(loss, detail="gates")
    with pytest.raises(ValueError, match="not part of the graph"):
        mg.render(loss, highlight=mg.tensor(1.0, requires_grad=True))


def span(g, axis):
    """(min, max) of x (axis 0) or y (axis 1) over the first path or polygon of a group."""
    shape = g.find(f"{SVG}path")
    if shape is None:
        shape = g.find(f"{SVG}polygon")
    points = re.findall(r"([-\d.]+),([-\d.]+)", shape.get("d") or shape.get("points"))
    values = [float(p[axis]) for p in points]
    return min(values), max(values)


def box(g):
    return span(g, 1)


def test_long_unroll_runs_level_from_left_to_right():
    holder, loss = build("lstm", 20)
    root = parse(mg.render(loss, detail="cells", modules=holder))
    steps = {int(title(g)[9:]): box(g) for g in groups(root, "cluster")
             if re.fullmatch(r"cluster_t\d+", title(g))}
    assert sorted(steps) == list(range(20))
    cells = [box(g) for g in groups(root, "node") if re.search(r"lstm t=\d+", texts(g))]
    assert len(cells) == 20
    centres = [(low + high) / 2 for low, high in cells]
    assert max(centres) - min(centres) < 2.0, centres          # one horizontal row
    bottoms = [high for _, high in steps.values()]
    assert max(bottoms) - min(bottoms) < 5.0, steps
    lefts = [float(re.findall(r"([-\d.]+),", g.find(f"{SVG}path").get("d")
                              if g.find(f"{SVG}path") is not None else
                              g.find(f"{SVG}polygon").get("points"))[0])
             for g in sorted((g for g in groups(root, "cluster")
                              if re.fullmatch(r"cluster_t\d+", title(g))),
                             key=lambda g: int(title(g)[9:]))]
    assert lefts == sorted(lefts)                                 # time runs left to right


def test_whole_sequence_ops_are_drawn_once_outside_the_steps():
    holder, loss = build("lstm", 8)
    graph = mg.trace(loss, modules=holder)
    root = parse(mg.render(graph, detail="ops", max_nodes=1000))
    whole = {f"node{n}" for n, a in graph.nodes.items()
             if a["kind"] == "op" and a["time_step"] is None and a["shape"][:1] == (8,)
             and a["op"] in ("matmul", "add")}
    assert len(whole) == 2   # x @ W_ih^T and + b, for all 8 steps at once
    drawn = [g for g in groups(root, "node") if g.get("id") in whole]
    assert len(drawn) == 2
    # graphviz writes clusters and nodes flat, so compare positions: no whole-sequence
    # node lies inside the box of any time step
    for cluster in groups(root, "cluster"):
        if re.fullmatch(r"cluster_t\d+.*", title(cluster)):
            (left, right), (low, high) = span(cluster, 0), box(cluster)
            for g in drawn:
                x, y = sum(span(g, 0)) / 2, sum(box(g)) / 2
                assert not (left <= x <= right and low <= y <= high), title(cluster)
    band = [c for c in groups(root, "cluster") if title(c) == "cluster_sequence"]
    assert band
    # graphviz writes clusters flat, so look the nodes up by their position in the band box
    low, high = box(band[0])
    assert all(low <= sum(box(g)) / 2 <= high for g in drawn)


def centre(g, axis):
    low, high = span(g, axis)
    return (low + high) / 2


@pytest.mark.parametrize("model, steps, detail", [("birnn", 6, "cells"), ("birnn", 3, "cells"),
                                                  ("bilstm", 3, "ops")])
def test_bidirectional_forward_row_above_reverse_row_at_every_step(model, steps, detail):
    holder, loss = build(model, steps)
    root = parse(mg.render(loss, detail=detail, modules=holder, max_nodes=400))
    boxes = {title(g): box(g) for g in groups(root, "cluster") if "_t" in title(g)}
    for t in range(steps):
        forward, reverse = boxes[f"cluster_t{t}_layer0_forward"], boxes[f"cluster_t{t}_layer0_reverse"]
        assert forward[1] < reverse[0], (t, forward, reverse)   # SVG y grows downwards


def test_bidirectional_reverse_recurrent_arrows_point_right_to_left():
    holder, loss = build("birnn", 6)
    root = parse(mg.render(loss, detail="cells", modules=holder))
    cell = {}
    for g in groups(root, "node"):
        found = re.fullmatch(r"rnn t=(\d+)( \(reverse\))? .*", texts(g))
        if found:
            cell[title(g)] = (int(found.group(1)), bool(found.group(2)), centre(g, 0))
    recurrent = {False: 0, True: 0}
    for edge in groups(root, "edge"):
        ends = re.fullmatch(r"(v\d+)->(v\d+)", title(edge))
        if not ends or ends.group(1) not in cell or ends.group(2) not in cell:
            continue
        (t0, rev0, x0), (t1, rev1, x1) = cell[ends.group(1)], cell[ends.group(2)]
        if rev0 != rev1 or abs(t0 - t1) != 1:
            continue
        head = edge.find(f"{SVG}polygon").get("points")  # the arrowhead
        xs = [float(x) for x in re.findall(r"([-\d.]+),", head)]
        tip = sum(xs) / len(xs)
        later, earlier = (x0, x1) if t0 > t1 else (x1, x0)
        assert earlier < later                         # time runs left to right
        if rev0:   # h_t of the reverse direction is computed from h_{t+1}: arrow points left
            assert abs(tip - earlier) < abs(tip - later), (t0, t1)
        else:
            assert abs(tip - later) < abs(tip - earlier), (t0, t1)
        recurrent[rev0] += 1
    assert recurrent == {False: 5, True: 5}


def test_labels_say_exponent_time_index_gate_and_parameter_name():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    root = parse(mg.render((x ** 2).sum()))
    assert any(texts(g).startswith("pow 2") for g in groups(root, "node"))
    holder, loss = build("lstm", 3)
    labels = [texts(g) for g in groups(parse(mg.render(loss, detail="ops", modules=holder)),
                                      "node")]
    for t in range(3):
        assert sum(1 for text in labels if text.startswith(f"[t={t}]")) == 1
    for gate, index in zip("ifgo", ("..., :4", "..., 4:8", "..., 8:12", "..., 12:")):
        assert sum(1 for text in labels if text.startswith(f"[{index}] {gate} gate")) == 3
    assert any(text.startswith("lstm.weight_hh_l0 (16, 4)") for text in labels)


def test_highlight_in_a_create_graph_backward_graph():
    """Paths from w_h to dL/dw_i: a drawn edge is highlighted exactly when both its ends
    lie on such a path in the full graph (which may pass through undrawn forward ops)."""
    loss, w_i, w_h = scalar_rnn()
    (g,) = mg.grad(loss, w_i, create_graph=True)
    graph = mg.trace(g)
    root = parse(mg.render(graph, backward=True, highlight=w_h))
    edges, _, source, on_path = drawn_edges_and_path(graph, root, w_h)
    lit = set()
    for tail, head, highlighted in edges:
        pair = (tail, head)
        assert highlighted == (pair[0] in on_path and pair[1] in on_path), pair
        lit |= {pair} if highlighted else set()
    assert any(s == source for s, _ in lit)           # w_h is read by gradient ops
    assert all(graph.nodes[d]["grad_of"] is not None for _, d in lit)


def test_a_highlighted_edge_that_carries_zero_gradient_is_not_coloured_as_a_decade():
    """loss reads only b = w * 3 of stack([w * 2, w * 3]): the edge from w * 2 into the
    stack is on a path from w to the loss but carries exactly 0, so it must not get
    the colour of the smallest decade."""
    w = mg.tensor(0.5, requires_grad=True, dtype=mg.float64)
    a, b = w * 2.0, w * 3.0
    stacked = mg.stack([a, b])
    loss = stacked[1]
    graph = mg.trace(loss)
    graph.backward()
    root = parse(mg.render(graph, highlight=w))
    names = {int(g.get("id")[4:]): title(g) for g in groups(root, "node")
             if (g.get("id") or "").startswith("node")}
    stack = names[graph.node_id(stacked)]
    edges = {edge.get("id"): edge for edge in groups(root, "edge")}
    zero = edges[f"e_{names[graph.node_id(a)]}_{stack}"]
    lit = edges[f"e_{names[graph.node_id(b)]}_{stack}"]
    assert "highlight" in zero.get("class").split()
    assert "zero-grad" in zero.get("class").split()
    assert "zero-grad" not in lit.get("class").split()
    palette = set(mg.graph.render_style.PALETTE)
    zero_colour = next(zero.iter(f"{SVG}path")).get("stroke")
    assert zero_colour not in palette, zero_colour
    assert next(lit.iter(f"{SVG}path")).get("stroke") in palette
    legend = [n for n in groups(root, "node") if title(n) == "legend"]
    assert "0 (dotted grey)" in texts(legend[0])


def test_choosing_the_shown_steps_reads_the_kept_steps_a_bounded_number_of_times(monkeypatch):
    """Collapsing a long unrolled graph must stay linear in the number of steps: the
    kept steps used to be turned into a set once per step (a 100,000-step chain took
    five minutes to render)."""
    import minigrad.graph.render as render_module

    class CountingList(list):
        reads = 0

        def __iter__(self):
            CountingList.reads += 1
            return super().__iter__()

    real = render_module.window_steps
    monkeypatch.setattr(render_module, "window_steps",
                        lambda steps, selection: CountingList(real(steps, selection)))
    w = mg.tensor(0.9, requires_grad=True)
    h = mg.tensor(0.0)
    for t in range(300):
        with mg.name_scope(f"t{t}"):
            h = (w * h + 0.1).tanh()
    mg.render(h * h, highlight=w)
    assert 0 < CountingList.reads < 20, CountingList.reads


def test_a_picture_still_over_max_nodes_says_so():
    lstm = models.LSTM(2, 3, num_layers=3, bidirectional=True)
    out, _ = lstm(mg.randn(4, 1, 2))
    dot = mg.render((out ** 2).sum(), detail="layers", max_nodes=10)
    drawn = len(parse(dot).findall(f".//{SVG}g[@class='node']"))
    assert drawn > 10
    assert "more than max_nodes=10, nothing more could be grouped" in dot.source
