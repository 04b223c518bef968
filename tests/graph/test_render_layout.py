"""Where things are drawn: rows, columns, bands and the legend, from the plan and from
the positions in the SVG that the real `dot` produces.

The plan (minigrad/viz/plan.py) says which row and column each box belongs to; the
SVG says where dot put it. Every test reads both where it can.
"""
import re
import xml.etree.ElementTree as ET

import pytest

from minigrad.viz.emitter import emit
from minigrad.viz.legend import legend_entries
from minigrad.viz.render import picture
from minigrad_apps.demos import build

SVG = "{http://www.w3.org/2000/svg}"
PAGE = 1200
CASES = [("lstm", 20, "cells", {}), ("bilstm", 6, "cells", {"layers": 2}),
         ("bigru", 3, "ops", {}), ("rnn", 6, "ops", {"highlight": "rnn.weight_hh_l0"}),
         ("jordan", 5, "cells", {}), ("birnn", 12, "cells", {"backward": True})]


def draw(model, steps, detail, layers=1, loss_on="all", **options):
    """(plan, SVG root) of a demo model's picture."""
    holder, loss = build(model, steps, layers=layers, loss_on=loss_on)
    staged = picture(loss, detail=detail, modules=holder, **options)
    return staged[0], ET.fromstring(emit(*staged).pipe(format="svg"))


def boxes(root):
    """dot name -> (left, top, right, bottom) of every cluster and node, in SVG points
    (y grows downwards)."""
    found = {}
    for g in root.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        shape = next((s for s in g if s.tag in (f"{SVG}polygon", f"{SVG}path",
                                                f"{SVG}ellipse")), None)
        if title is None or shape is None:
            continue
        if shape.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(shape.get(a)) for a in ("cx", "cy", "rx", "ry"))
            found[title.text] = (cx - rx, cy - ry, cx + rx, cy + ry)
            continue
        points = re.findall(r"([-\d.]+),([-\d.]+)", shape.get("points") or shape.get("d"))
        xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
        found[title.text] = (min(xs), min(ys), max(xs), max(ys))
    return found


def step_rows(plan):
    return [row for row in plan.rows if row.kind == "steps"]


# ------------------------------------------------------------------ rows
def test_one_row_per_layer_and_direction_each_layer_under_what_comes_before_it():
    plan, _ = draw("bilstm", 6, "cells", layers=2)
    lanes = [("lstm", 1, "forward"), ("lstm", 1, "reverse"), ("lstm", 0, "forward"),
             ("lstm", 0, "reverse")]
    for band in range(plan.bands):
        assert [r.lane for r in step_rows(plan) if r.band == band] == lanes
    kinds = [(row.kind, row.band) for row in plan.rows]
    # band 0: layer 1's input projection, its two rows, layer 0's projection, its rows
    assert kinds[:6] == [("head", 0), ("steps", 0), ("steps", 0), ("head", 0), ("steps", 0),
                         ("steps", 0)]
    heads = [row for row in plan.rows if row.kind == "head"]
    assert [h.items[0].label for h in heads] == [
        "lstm · layer 1 · forward · before the steps (all steps at once)",
        "lstm · layer 0 · forward · before the steps (all steps at once)"]
    assert plan.rows[-1].kind == "tail"


@pytest.mark.parametrize("model, steps, detail, options", CASES)
def test_every_step_box_sits_on_its_row_and_rows_stack_in_order(model, steps, detail,
                                                                  options):
    plan, root = draw(model, steps, detail, **options)
    where = boxes(root)
    previous_bottom = None
    for row in plan.rows:
        if row.kind != "steps":   # an invisible row: as far as its slots reach
            parts = [where[i.name] for i in row.items if i.name in where]
            where[row.name] = (min(p[0] for p in parts), min(p[1] for p in parts),
                               max(p[2] for p in parts), max(p[3] for p in parts))
        left, top, right, bottom = where[row.name]
        if previous_bottom is not None:
            assert top >= previous_bottom - 0.5, row.name   # below the row before it
        previous_bottom = bottom
        for item in row.items:
            if item.name in where:   # clusters (a slot with one node is not one)
                b_left, b_top, b_right, b_bottom = where[item.name]
                assert top <= b_top and b_bottom <= bottom, (row.name, item.name)
                assert left <= b_left and b_right <= right, (row.name, item.name)


@pytest.mark.parametrize("model, steps, detail, options", CASES)
def test_time_reads_left_to_right_and_bands_top_to_bottom(model, steps, detail, options):
    plan, root = draw(model, steps, detail, **options)
    where = boxes(root)
    for row in step_rows(plan):
        steps_in_row = [item for item in row.items if item.kind == "step"]
        times = [int(item.label.split("= ")[1]) for item in steps_in_row]
        assert times == sorted(times)
        lefts = [where[item.name][0] for item in steps_in_row]
        assert lefts == sorted(lefts), row.name
    first_step = {}
    for row in step_rows(plan):
        for item in row.items:
            if item.kind == "step":
                first_step.setdefault(row.band, int(item.label.split("= ")[1]))
    assert [first_step[b] for b in sorted(first_step)] == sorted(first_step.values())


def test_reverse_rows_point_their_recurrent_arrows_right_to_left():
    plan, root = draw("birnn", 6, "cells")
    edges = {g.get("id"): g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("e")}
    where = boxes(root)
    lane_of = {name: row.lane for row in step_rows(plan) for item in row.items
               for name in item.nodes}
    seen = {"forward": 0, "reverse": 0}
    for index, edge in enumerate(plan.edges):
        if edge.kind != "recurrent" or f"e{index}" not in edges:
            continue
        direction = lane_of[edge.tail][2]
        assert edge.back == (direction == "reverse")
        head = edges[f"e{index}"].find(f"{SVG}polygon")   # the arrowhead
        xs = [float(x) for x in re.findall(r"([-\d.]+),", head.get("points"))]
        tip = sum(xs) / len(xs)
        left, right = where[edge.tail][2], where[edge.head][0]   # tail is left of head
        assert (abs(tip - left) < abs(tip - right)) == (direction == "reverse")
        seen[direction] += 1
    assert seen["forward"] > 0 and seen["reverse"] > 0


def test_initial_states_start_their_rows_the_reverse_one_at_the_right():
    plan, _ = draw("bilstm", 5, "cells", width=None)   # one band
    for row in step_rows(plan):
        kinds = [item.kind for item in row.items]
        names = [n for item in row.items if item.kind in ("start", "end")
                 for n in item.nodes]
        assert sorted(plan.nodes[n].lines[0] for n in names) == ["c0", "h0"]
        if row.lane[2] == "forward":
            assert kinds[0] == "start" and kinds[1] == "step"
            assert row.items[1].label == "t = 0"
        else:
            assert kinds[-1] == "end" and row.items[-2].label == "t = 4"


@pytest.mark.parametrize("model, steps, detail, options", CASES)
def test_no_edge_runs_across_the_picture(model, steps, detail, options):
    """Every drawn edge joins two nodes of one box, of neighbouring boxes of a row, of one
    column of a band, or of what comes before or after the steps: a node read at many
    steps is drawn again (a reference) where it is used."""
    plan, _ = draw(model, steps, detail, **options)
    place = {}
    for row in plan.rows:
        for position, item in enumerate(row.items):
            for name in item.nodes:
                place[name] = (row, position, item)
    for edge in plan.edges:
        if edge.kind == "order":
            continue
        (row_a, pos_a, item_a), (row_b, pos_b, item_b) = place[edge.tail], place[edge.head]
        assert row_a.band == row_b.band
        if row_a is row_b:
            assert abs(pos_a - pos_b) <= 1 + (row_a.kind != "steps") * len(row_a.items)
        elif row_a.kind == row_b.kind == "steps":
            assert item_a.column == item_b.column


# --------------------------------------------------------------- the page
@pytest.mark.parametrize("model, steps, detail, loss_on", [
    ("lstm", 20, "cells", "all"), ("lstm", 10, "ops", "last")])
def test_long_unrolls_wrap_to_the_page_at_full_size(model, steps, detail, loss_on):
    plan, root = draw(model, steps, detail, loss_on=loss_on)
    assert float(root.get("width").rstrip("pt")) <= PAGE
    scale = re.search(r"scale\(([\d.]+)", root.find(f"{SVG}g").get("transform"))
    assert float(scale.group(1)) == 1.0            # not shrunk: the text is 10 pt
    assert plan.bands > 1


def test_width_none_draws_one_long_strip():
    plan, root = draw("lstm", 20, "cells", width=None)
    assert plan.bands == 1 and len(step_rows(plan)) == 1
    assert float(root.get("width").rstrip("pt")) > PAGE


def test_the_width_estimate_is_close_to_what_dot_draws():
    for model, steps, detail, options in CASES[:3]:
        plan, root = draw(model, steps, detail, width=None, **options)
        drawn = float(root.get("width").rstrip("pt"))
        assert 0.75 * drawn < plan.width < 1.35 * drawn, (model, plan.width, drawn)


def test_connectors_carry_the_states_across_bands():
    plan, _ = draw("lstm", 10, "cells")
    tags = {name: node.lines for name, node in plan.nodes.items() if node.kind == "connector"}
    out_tags = sorted(lines[0] for lines in tags.values() if "next row" in lines[1])
    in_tags = sorted(lines[0] for lines in tags.values() if "row above" in lines[1])
    firsts = [int(i.label.split("= ")[1]) for r in step_rows(plan) for i in r.items
              if i.kind == "step" and i is next(x for x in r.items if x.kind == "step")]
    assert out_tags == sorted(f"h, c \u2192 t={t}" for t in firsts[1:])
    assert in_tags == sorted(f"h, c from t={t - 1}" for t in firsts[1:])


# ---------------------------------------------------------------- legend
@pytest.mark.parametrize("model, steps, detail, options", CASES)
def test_the_legend_explains_every_mark_the_picture_uses(model, steps, detail, options):
    plan, root = draw(model, steps, detail, **options)
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    entries = legend_entries(plan)
    for _, _, words in entries:
        assert words in text
    marks = {(mark, detail) for mark, detail, _ in entries}
    drawn = {(g.get("class") or "").split()[1] for g in root.iter(f"{SVG}g")
             if (g.get("class") or "").startswith("node ")}
    for kind in drawn - {"connector"}:
        assert ("kind", kind) in marks, kind
    classes = " ".join(g.get("class") or "" for g in root.iter(f"{SVG}g"))
    assert (("reference", None) in marks) == (" reference" in classes)
    assert (("connector", None) in marks) == ("node connector" in classes)
    assert (("weight-edge", None) in marks) == ("edge weight" in classes
                                                or "highlight weight" in classes)
    labelled = {t.text for g in root.iter(f"{SVG}g") if "recurrent" in (g.get("class") or "")
                for t in g.iter(f"{SVG}text")}
    assert {d for m, d in marks if m == "recurrent"} == labelled - {None}
