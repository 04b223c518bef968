"""The explorer page in a real browser: Debian's chromium, driven by Playwright.

Each test opens the page written by mg.explore, acts as a user would (hover, click,
type a window of steps) and reads the page back; the expected values come from the
captured graph (networkx on `mg.trace`) and from minigrad, never from the page's own
script. No test leaves a console error behind. The screenshots of visuals/ are taken
here, after the test checked what their captions say (visuals/build_gallery.py).

Skipped, with the reason, where there is no browser: `bash scripts/setup.sh` installs
Debian's chromium (as root) and the Playwright package (the `test` extra).
"""
import os
import shutil
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.viz import labels, style
from minigrad_apps.demos import demo

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from visuals.build_gallery import SCREENSHOTS  # noqa: E402
from tests.graph.paths_oracle import paths_to_the_loss  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# as the machine has no network: nothing in the background, no first-run pages
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STEPS = 12
CHOSEN = 5    # the step the screenshots show chosen

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the Python package playwright is not installed: "
    "pip install -e '.[test]' (bash scripts/setup.sh does it)")
if not os.path.exists(CHROMIUM):
    pytest.skip("no chromium to drive: bash scripts/setup.sh installs Debian's package "
                "(apt-get install chromium) when run as root", allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=FLAGS, viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


@pytest.fixture(scope="module")
def lstm(tmp_path_factory):
    """An LSTM of 12 steps, loss on the last step, its page and its captured graph."""
    run = demo("lstm", STEPS, hidden=4, loss_on="last", input_grad=True)
    step_outputs = (run.out * run.out).mean(axis=-1)
    page = mg.explore(run.loss, modules=run.holder, step_outputs=step_outputs,
                      step_inputs=run.x, title="LSTM, 12 steps, loss on the last step")
    path = page.save(str(tmp_path_factory.mktemp("explorer") / "lstm.html"))
    graph = mg.trace(run.loss, modules=run.holder)
    return run, page.data, path, graph


class Opened:
    """A browser tab on the page, with every console error and uncaught exception."""

    def __init__(self, browser, path):
        self.tab = browser.new_page()
        self.errors = []
        self.tab.on("console", lambda message: message.type in ("error", "warning")
                    and self.errors.append(f"{message.type}: {message.text}"))
        self.tab.on("pageerror", lambda error: self.errors.append(f"exception: {error}"))
        self.tab.goto(f"file://{path}")

    def ids(self, selector):
        return self.tab.eval_on_selector_all(selector, "els => els.map(e => e.id)")

    def classes(self, selector):
        return self.tab.get_attribute(selector, "class").split()

    def details(self):
        """The details panel as {row: value}."""
        return dict(self.tab.eval_on_selector_all(
            "#details > table:first-child tr",
            "rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent])"))

    def close(self):
        self.tab.close()
        assert self.errors == []


@pytest.fixture
def opened(browser, lstm):
    tab = Opened(browser, lstm[2])
    yield tab
    tab.close()


def node_id(graph, name, time_step=None, kind=None):
    found = [n for n, a in graph.nodes.items()
             if (a["param_name"] or a["name"]) == name and a["time_step"] == time_step
             and (kind is None or a["kind"] == kind)]
    assert len(found) == 1, (name, time_step, found)
    return found[0]


def svg_id(data, view, kind, **where):
    """The SVG id of the one node of `kind` in `view` whose record has `where`."""
    found = [i for i, n in data["views"][view]["nodes"].items()
             if n["kind"] == kind and not n.get("reference")
             and all(n.get(k) == v for k, v in where.items())]
    assert len(found) == 1, (view, kind, where, found)
    return found[0]


def expected_lit(data, view, on_path):
    return {edge[0] for edge in data["views"][view]["edges"] if on_path & set(edge[1])}


# ------------------------------------------------------------------ the tests
def test_a_cell_opens_its_step_and_a_folded_run_closes_it(opened, lstm):
    run, data, _, graph = lstm
    tab = opened.tab
    assert tab.text_content("#where") == "one node per layer, direction and step"
    tab.click(f"#{svg_id(data, 'cells', 'cell', time=3)}")
    assert tab.text_content("#where") == "step 3, op by op"
    gates = {node_id(graph, g, 3, "gate") for g in "ifgo"}
    assert set(opened.ids("#graph g.node")) >= {f"node{g}" for g in gates}
    assert not opened.ids(f"#{svg_id(data, 'cells', 'cell', time=4)}")
    tab.click(f"#{svg_id(data, 't3', 'gap', steps=[4, 11])}")
    assert tab.text_content("#where") == "one node per layer, direction and step"
    assert not set(opened.ids("#graph g.node")) & {f"node{g}" for g in gates}
    tab.click("#show-layers")
    layer = svg_id(data, "layers", "layer")
    assert opened.ids("#graph g.node.layer") == [layer]
    tab.click(f"#{layer}")
    assert len(opened.ids("#graph g.node.cell")) == STEPS


@pytest.mark.parametrize("name", ["lstm.weight_ih_l0", "lstm.bias_hh_l0"])
def test_clicking_a_parameter_lights_exactly_its_paths_to_the_loss(opened, lstm, name):
    run, data, _, graph = lstm
    tab = opened.tab
    param = node_id(graph, name, kind="parameter")
    on_path = paths_to_the_loss(graph, param)
    tab.click(f"#node{param}")                      # its home, before the steps
    assert set(opened.ids("#graph g.edge.lit")) == expected_lit(data, "cells", on_path)
    assert opened.ids("#graph g.node.source") == [f"node{param}"]
    assert "active" in opened.classes(f'#params button[data-param="{param}"]')
    faded = tab.eval_on_selector_all("#graph g.edge:not(.lit) path",
                                     "ps => [...new Set(ps.map(p => p.getAttribute('stroke')))]")
    assert faded == [style.FADED_EDGE["color"]]
    lit_colours = set(tab.eval_on_selector_all(
        "#graph g.edge.lit:not(.zero-grad) path", "ps => ps.map(p => p.getAttribute('stroke'))"))
    assert lit_colours and lit_colours <= set(style.PALETTE)
    tab.click(f"#{svg_id(data, 'cells', 'cell', time=7)}")   # opened, still lit
    assert set(opened.ids("#graph g.edge.lit")) == expected_lit(data, "t7", on_path)
    tab.click("#clear-paths")
    assert opened.ids("#graph g.edge.lit") == []


def test_hovering_a_node_shows_its_details(opened, lstm):
    run, data, _, graph = lstm
    tab = opened.tab
    weight = run.holder.lstm.weight_hh_l0
    tab.hover(f"#node{node_id(graph, 'lstm.weight_hh_l0', kind='parameter')}")
    shown = opened.details()
    norm = np.linalg.norm(mg.grad(run.loss, weight, retain_graph=True)[0].numpy())
    assert shown["kind"] == "parameter" and shown["name"] == "lstm.weight_hh_l0"
    assert shown["shape"] == "(16, 4)"
    assert shown["|gradient|"] == f"{norm:.2e}"
    assert shown["value"] == f"|x|={np.linalg.norm(weight.numpy()):.3g} " \
                             f"mean={weight.numpy().mean():.3g}"
    tab.hover(f"#{svg_id(data, 'cells', 'cell', time=4)}")
    shown = opened.details()
    assert shown["kind"] == "cell" and shown["step"] == "4"
    states = tab.eval_on_selector_all("#details table.members tr th",
                                      "cells => cells.map(c => c.textContent)")
    assert {"h_4", "c_4", "f_4"} <= set(states)
    h_edge = next(e for e in data["views"]["cells"]["edges"] if e[3] == "recurrent"
                  and graph.nodes[data["edges"][e[1][0]][0]]["name"] == "h"
                  and graph.nodes[data["edges"][e[1][0]][0]]["time_step"] == 4)
    tab.hover(f"#{h_edge[0]} text")               # its label, "h"
    shown = opened.details()
    (index,) = h_edge[1]
    tail, head, attrs = graph.edges[index]
    assert (shown["kind"], shown["from"]) == ("edge (recurrent)", "h_4")
    assert shown["to"] == graph.nodes[head]["op"] and graph.nodes[head]["time_step"] == 5
    assert shown["|gradient|"] == labels.format_norm(
        mg.trace(run.loss, modules=run.holder).backward(retain_graph=True)
        .edges[index][2]["grad_norm"])
    tab.click(f"#{svg_id(data, 'cells', 'cell', time=4)}")
    f_4 = node_id(graph, "f", 4, "gate")
    tab.hover(f"#node{f_4}")
    shown = opened.details()
    assert (shown["kind"], shown["name"], shown["step"]) == ("gate", "f", "4")
    assert shown["shape"] == labels.format_shape(graph.nodes[f_4]["shape"])
    gate = graph.tensor(f_4).numpy()
    assert shown["value"] == f"|x|={np.linalg.norm(gate):.3g} mean={gate.mean():.3g}"


def test_choosing_a_step_in_the_chart_or_the_graph_selects_it_in_both(opened, lstm):
    run, data, _, graph = lstm
    tab = opened.tab
    tab.click("#bar-6")
    assert opened.ids("#graph g.cluster.selected") == ["cluster_t6_layer0_forward"]
    assert opened.ids("#chart rect.bar.selected") == ["bar-6"]
    tab.click("#cluster_t2_layer0_forward > path", position={"x": 6, "y": 30})
    assert opened.ids("#chart rect.bar.selected") == ["bar-2"]
    assert opened.ids("#graph g.cluster.selected") == ["cluster_t2_layer0_forward"]


def test_a_window_of_steps_crops_the_graph_and_the_charts(opened, lstm):
    run, data, _, graph = lstm
    tab = opened.tab
    tab.fill("#window-from", "3")
    tab.fill("#window-to", "6")
    tab.click("#window-apply")
    left, top, width, height = (float(v) for v in
                                tab.get_attribute("#graph svg", "viewBox").split())
    cells = data["views"]["cells"]
    boxes = {b["time"]: b["x"] for b in cells["boxes"].values()}
    assert left <= boxes[3][0] and boxes[6][1] <= left + width
    assert boxes[2][1] < left and left + width < boxes[7][0]
    assert 0 < top and top + height < cells["height"]   # the row of steps, not what is around
    assert opened.ids("#chart rect.bar") == [f"bar-{t}" for t in range(3, 7)]
    assert sorted({i.split("-")[2] for i in opened.ids("#heatmap rect.cell")}) == \
        ["3", "4", "5", "6"]


def test_choosing_a_step_in_the_heatmap_selects_it_in_the_graph_and_the_chart(opened, lstm):
    run, data, _, graph = lstm
    tab = opened.tab
    tab.click(f"#hm-9-{CHOSEN}")
    assert opened.ids("#graph g.cluster.selected") == [f"cluster_t{CHOSEN}_layer0_forward"]
    assert opened.ids("#chart rect.bar.selected") == [f"bar-{CHOSEN}"]
    column = tab.get_attribute(f"#hm-9-{CHOSEN}", "x")
    assert tab.get_attribute("#hm-chosen", "x") == column
    tab.click("#bar-8")
    assert tab.get_attribute("#hm-chosen", "x") == tab.get_attribute("#hm-9-8", "x")
    # the matrix is causal: nothing above the diagonal of a unidirectional LSTM
    matrix = np.array(data["connectivity"]["matrix"])
    assert np.all(np.triu(matrix, 1) == 0) and np.all(np.diag(matrix) > 0)


def test_the_screenshots_show_what_their_captions_say(opened, lstm, tmp_path):
    """The scenes of visuals/build_gallery.py's SCREENSHOTS, checked, then taken: into
    $MINIGRAD_SCREENSHOTS (scripts/gallery.sh sets it to visuals/), else a scratch
    directory, so that a test run leaves the committed screenshots alone."""
    into = os.environ.get("MINIGRAD_SCREENSHOTS") or str(tmp_path)
    run, data, _, graph = lstm
    tab = opened.tab
    shots = {shot.name: shot for shot in SCREENSHOTS}
    weight = node_id(graph, "lstm.weight_hh_l0", kind="parameter")
    assert data["weight"] == weight   # lit when the page opens
    tab.click(f"#hm-{STEPS - 1}-{CHOSEN}")
    assert opened.ids("#graph g.cluster.selected") == [f"cluster_t{CHOSEN}_layer0_forward"]
    assert set(opened.ids("#graph g.edge.lit")) == expected_lit(
        data, "cells", paths_to_the_loss(graph, weight))
    tab.fill("#window-from", "2")
    tab.fill("#window-to", "8")
    tab.click("#window-apply")
    tab.click("#zoom-fit")
    assert opened.ids("#chart rect.bar") == [f"bar-{t}" for t in range(2, 9)]
    tab.screenshot(path=os.path.join(into, "explorer_cells.png"))
    tab.click("#expand-step")
    assert tab.text_content("#where") == f"step {CHOSEN}, op by op"
    f_gate = node_id(graph, "f", CHOSEN, "gate")
    tab.click("#zoom-fit")
    tab.hover(f"#node{f_gate}")
    assert opened.details()["name"] == "f"
    tab.screenshot(path=os.path.join(into, "explorer_step.png"))
    assert set(shots) == {"explorer_cells.png", "explorer_step.png"}


@pytest.mark.parametrize("model, layers", [("rnn", 1), ("gru", 1), ("jordan", 1),
                                           ("bilstm", 2)])
def test_the_page_of_every_kind_of_model_works_without_errors(browser, tmp_path, model, layers):
    run = demo(model, 4, hidden=3, layers=layers, input_grad=True)
    step_outputs = (run.out * run.out).mean(axis=-1)
    page = mg.explore(run.loss, modules=run.holder, step_outputs=step_outputs,
                      step_inputs=run.x)
    data = page.data
    tab = Opened(browser, page.save(str(tmp_path / f"{model}.html")))
    lanes = {(n.get("layer"), n.get("direction")) for n in data["nodes"]
             if n.get("time") == 2 and n["kind"] == "state"}
    assert len(tab.ids("#graph g.cluster.step")) == 4 * len(lanes)
    graph = mg.trace(run.loss, modules=run.holder)
    for param in data["params"]:
        tab.tab.click(f'#params button[data-param="{param}"]')
        assert set(tab.ids("#graph g.edge.lit")) == expected_lit(
            data, "cells", paths_to_the_loss(graph, param))
    cell = next(i for i, n in data["views"]["cells"]["nodes"].items()
                if n["kind"] == "cell" and n["time"] == 2)
    tab.tab.click(f"#{cell}")
    assert tab.tab.text_content("#where") == "step 2, op by op"
    tab.tab.click("#bar-1")
    assert tab.tab.text_content("#where") == "step 1, op by op"   # a step view follows
    tab.tab.click("#show-layers")
    tab.close()
