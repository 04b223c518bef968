"""Graphs on which Graphviz's dot failed, rendered through the real `dot`.

dot 2.43 stops with "trouble in init_rank" when an edge with a label and
constraint=false lands on one rank between two clusters. Cells views below
BUS_MIN_STEPS steps had such edges: the input projection (drawn once, in the
whole-sequence band) reached each step directly, and a highlighted path put its
|gradient| on the edge; `minigrad render lstm --steps 3 --highlight weight_ih_l0`
failed. Any other failure of dot is raised as a RenderError that names the picture.
"""
import re
import xml.etree.ElementTree as ET

import graphviz
import pytest

import minigrad as mg
from minigrad_apps.cli import main
from minigrad_apps.demos import build
from minigrad.graph.render_bus import BUS_MIN_STEPS
from minigrad.graph.render_drawing import RenderError

SVG = "{http://www.w3.org/2000/svg}"


def titles(root, cls):
    """The <title> of every <g> of class `cls` (dot's names of clusters, nodes, edges)."""
    return [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
            if cls in (g.get("class") or "").split()]


def cell_labels(root):
    """First label line of each cell node: "lstm t=0", ..."""
    found = []
    for g in root.iter(f"{SVG}g"):
        if (g.get("class") or "").split() == ["node"]:
            text = g.find(f"{SVG}text")
            if text is not None and re.fullmatch(r"\w+ t=\d+", text.text or ""):
                found.append(text.text)
    return sorted(found)


def assert_every_step_drawn(root, kind, steps):
    clusters = set(titles(root, "cluster"))
    for t in range(steps):
        assert f"cluster_t{t}" in clusters
        assert f"cluster_t{t}_layer0_forward" in clusters
    assert cell_labels(root) == sorted(f"{kind} t={t}" for t in range(steps))


@pytest.mark.parametrize("kind, highlight, backward", [
    ("lstm", "weight_ih_l0", False), ("lstm", "weight_ih_l0", True),
    ("lstm", "bias_hh_l0", False), ("rnn", "weight_ih_l0", False),
    ("rnn", "bias_hh_l0", True)])
def test_three_step_cells_with_a_highlight_render(kind, highlight, backward):
    holder, loss = build(kind, 3)
    dot = mg.render(loss, detail="cells", highlight=f"{kind}.{highlight}", backward=backward,
                    modules=holder)
    root = ET.fromstring(dot.pipe(format="svg"))
    assert_every_step_drawn(root, kind, 3)
    assert titles(root, "highlight")   # the highlighted paths are drawn
    assert f"{kind}.{highlight}" in "".join(root.itertext())


def test_cli_command_of_the_report_writes_the_svg(tmp_path, capsys):
    out = tmp_path / "a.svg"
    assert main(["render", "lstm", "--steps", "3", "--highlight", "weight_ih_l0",
                 "--out", str(out)]) == 0
    assert_every_step_drawn(ET.parse(out).getroot(), "lstm", 3)
    assert capsys.readouterr().out == f"wrote {out}\n"


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_short_cells_views_reach_the_steps_by_buses(kind):
    """Below BUS_MIN_STEPS, a cells view ties the input projection, the shared weights
    and the stacked outputs to the steps by buses: no labelled edge that leaves the
    ranks free, and every step is drawn."""
    for steps in range(2, BUS_MIN_STEPS):
        holder, loss = build(kind, steps)
        dot = mg.render(loss, detail="cells", highlight=f"{kind}.weight_hh_l0", modules=holder)
        assert not [line for line in dot.body
                    if "constraint=false" in line and re.search(r"\blabel=", line)]
        root = ET.fromstring(dot.pipe(format="svg"))
        assert_every_step_drawn(root, kind, steps)
        assert "bus" in {c for g in root.iter(f"{SVG}g") for c in (g.get("class") or "").split()}


def test_a_dot_failure_is_a_render_error_naming_the_picture(tmp_path):
    holder, loss = build("rnn", 2)
    dot = mg.render(loss, detail="cells", modules=holder, title="my rnn")
    dot.body.append("\t-> ;\n")   # a syntax error: dot exits with status 1
    for make in (lambda d: d.pipe(format="svg"),
                 lambda d: d.render(outfile=str(tmp_path / "x.svg")),
                 lambda d: d.copy().pipe(format="svg")):
        with pytest.raises(RenderError) as caught:
            make(dot)
        message = str(caught.value)
        assert "'my rnn' (detail=cells, 2 time steps" in message
        assert "syntax error" in message
        assert "detail='ops' or detail='layers'" in message and "--steps" in message
        assert isinstance(caught.value, mg.MinigradError)
        assert isinstance(caught.value.__cause__, graphviz.CalledProcessError)
