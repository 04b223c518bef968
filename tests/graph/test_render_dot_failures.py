"""Graphs on which Graphviz's dot failed, rendered through the real `dot`.

Each workaround in minigrad/viz/dot_bugs.py has a test here that renders the graph it
is for, and checks that the workaround is what makes it render. Any other failure of
dot is raised as a RenderError that names the picture.
"""
import xml.etree.ElementTree as ET

import graphviz
import pytest

import minigrad as mg
from minigrad.viz import dot_bugs
from minigrad.viz.drawing import RenderError
from minigrad.viz.emitter import emit
from minigrad.viz.render import picture
from minigrad_apps.cli import main
from minigrad_apps.demos import build

SVG = "{http://www.w3.org/2000/svg}"


def cells(root):
    """Texts of the cell nodes in an SVG: "lstm t=0 14 ops: ..."."""
    return [" ".join(t.text for t in g.iter(f"{SVG}text"))
            for g in root.iter(f"{SVG}g") if (g.get("class") or "").split()[1:2] == ["cell"]]


# graphs on which dot 2.43 failed with ports on a lone state edge (which ones trip the
# bug moves with the layout: these did with the layout of this commit and earlier ones)
LONE_STATE_CASES = [("rnn", 2, 4, "all"), ("rnn", 2, 5, "last"), ("jordan", 1, 7, "all")]


def lone_state_picture(kind, layers, steps, loss_on):
    holder, loss = build(kind, steps, layers=layers, loss_on=loss_on)
    options = {} if loss_on == "all" else {"highlight": f"{kind}.weight_hh_l0"}
    return mg.render(loss, detail="cells", modules=holder, **options)


@pytest.mark.parametrize("case", LONE_STATE_CASES)
def test_a_lone_state_edge_between_two_cells_has_no_ports(case):
    """dot 2.43: "in routesplines, Pshortestpath failed" on the cells of a stacked RNN or
    a Jordan RNN when the one state edge between two cells had compass ports.
    `ports_only_between_parallel_states` removes them."""
    dot = lone_state_picture(*case)
    assert "tailport" not in dot.source
    kind, layers, steps, _ = case
    assert len(cells(ET.fromstring(dot.pipe(format="svg")))) == steps * layers


def test_without_that_workaround_dot_fails(monkeypatch):
    monkeypatch.setattr(dot_bugs, "ports_only_between_parallel_states", lambda plan: None)
    failed = 0
    for case in LONE_STATE_CASES:
        try:
            lone_state_picture(*case).pipe(format="svg")
        except RenderError as error:
            assert "routesplines" in str(error)
            failed += 1
    assert failed >= 1


def test_an_lstm_keeps_its_ports_to_draw_h_above_c():
    holder, loss = build("lstm", 3)
    plan = picture(loss, detail="cells", modules=holder)[0]
    sides = sorted((e.state, e.side) for e in plan.edges if e.kind == "recurrent")
    assert sides == [("c", "lower")] * 2 + [("h", "upper")] * 2


@pytest.mark.parametrize("kind, highlight, backward", [
    ("lstm", "weight_ih_l0", False), ("lstm", "weight_ih_l0", True),
    ("lstm", "bias_hh_l0", False), ("rnn", "weight_ih_l0", False),
    ("rnn", "bias_hh_l0", True)])
def test_three_step_cells_with_a_highlight_render(kind, highlight, backward):
    """`minigrad render lstm --steps 3 --highlight weight_ih_l0` once failed ("trouble in
    init_rank": a labelled constraint=false edge between two clusters). The plan has
    no such edge: references are drawn in the boxes."""
    holder, loss = build(kind, 3)
    dot = mg.render(loss, detail="cells", highlight=f"{kind}.{highlight}", backward=backward,
                    modules=holder)
    assert "constraint" not in dot.source
    root = ET.fromstring(dot.pipe(format="svg"))
    assert len(cells(root)) == 3
    assert [g for g in root.iter(f"{SVG}g") if "highlight" in (g.get("class") or "")]


def test_cli_command_of_the_report_writes_the_svg(tmp_path, capsys):
    out = tmp_path / "a.svg"
    assert main(["render", "lstm", "--steps", "3", "--highlight", "weight_ih_l0",
                 "--out", str(out)]) == 0
    assert len(cells(ET.parse(out).getroot())) == 3
    assert capsys.readouterr().out == f"wrote {out}\n"


def test_a_dot_failure_is_a_render_error_naming_the_picture(tmp_path):
    holder, loss = build("rnn", 2)
    dot = emit(*picture(loss, detail="cells", modules=holder, title="my rnn"))
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


SAMPLE = [("rnn", 2, True, 1, "cells", "highlight"), ("lstm", 2, True, 12, "cells", "forward"),
          ("gru", 1, False, 3, "ops", "backward"), ("jordan", 1, False, 7, "cells", "highlight"),
          ("lstm", 1, False, 12, "ops", "highlight"), ("gru", 2, False, 5, "layers", "forward"),
          ("rnn", 1, True, 2, "ops", "highlight"), ("lstm", 1, True, 1, "cells", "backward")]


@pytest.mark.parametrize("case", SAMPLE, ids=["-".join(map(str, c)) for c in SAMPLE])
def test_a_sample_of_the_sweep_renders_within_the_page(case):
    """A few cases of benchmarks/render_sweep.py (which renders all 1,404): dot lays each
    out, and none is wider than the 1,200 pt page. The first is the picture on which the
    old renderer failed ("trouble in init_rank")."""
    from benchmarks.render_sweep import PAGE_WIDTH, picture as sweep_picture, width_of
    width, scale = width_of(sweep_picture(*case))
    assert width <= PAGE_WIDTH + 0.5
    assert scale >= 0.7
