"""mg.render of stacked or bidirectional layers run with `lengths`, through the real dot.

With `lengths` every time step has a padding mask, a leaf that every layer and
direction reads at that step. It must be folded into the cells (or layers) that
read it, as it is for a one-lane layer, so that `max_nodes` and `detail` give the
same picture with and without `lengths`: drawn on its own it was one green input
node per step that survived every collapse (200 steps: 624 nodes at max_nodes=10).
"""
import re
import xml.etree.ElementTree as ET

import pytest

import minigrad as mg
import models

SVG = "{http://www.w3.org/2000/svg}"
CONFIGS = [dict(bidirectional=True), dict(num_layers=2),
           dict(num_layers=2, bidirectional=True)]


def picture(options, T, lengths, **render_options):
    """(drawn view nodes as (title, text), graph label) of an LSTM(2, 3, **options)."""
    mg.manual_seed(0)
    model = models.LSTM(2, 3, **options)
    output, _ = model(mg.randn(T, 2, 2), lengths=lengths)
    root = ET.fromstring(mg.render((output ** 2).mean(), **render_options).pipe(format="svg"))
    nodes = []
    for g in root.iter(f"{SVG}g"):
        name = g.find(f"{SVG}title").text if g.find(f"{SVG}title") is not None else ""
        if (g.get("class") or "").startswith("node") and re.fullmatch(r"[nrw]\d+", name):
            nodes.append((name, " ".join(t.text or "" for t in g.iter(f"{SVG}text"))))
    label = " ".join(t.text or "" for t in root.find(f"{SVG}g").findall(f"{SVG}text")
                     if t.get("font-size") != "10.00")   # the title and notes, not the legend
    return nodes, label


def masks(nodes):
    """Nodes drawn for the per-step padding masks: inputs of shape (N, 1) = (2, 1)."""
    return [text for _, text in nodes if text.startswith("input") and "(2, 1)" in text]


@pytest.mark.parametrize("options", CONFIGS)
def test_max_nodes_gives_the_same_picture_with_lengths(options):
    T = 40
    plain, plain_label = picture(options, T, None, max_nodes=10)
    padded, label = picture(options, T, [T, 7], max_nodes=10)
    assert masks(padded) == []
    assert len(padded) == len(plain)
    assert "cells grouped into layers" in label and "cells grouped into layers" in plain_label


@pytest.mark.parametrize("options", CONFIGS[:2])
def test_long_cells_view_with_lengths_collapses_its_middle_steps(options):
    T = 30
    plain, _ = picture(options, T, None, detail="cells", max_nodes=40)
    padded, label = picture(options, T, [T, 7], detail="cells", max_nodes=40)
    assert "middle steps" in label and "collapsed" in label
    assert len(padded) == len(plain)
    assert masks(padded) == []


@pytest.mark.parametrize("options", CONFIGS)
def test_layers_view_with_lengths_has_no_node_per_step(options):
    T, max_nodes = 80, 60
    plain, _ = picture(options, T, None, detail="layers", max_nodes=max_nodes)
    padded, label = picture(options, T, [T, 7], detail="layers", max_nodes=max_nodes)
    assert masks(padded) == []
    assert len(padded) == len(plain)
    # max_nodes is respected, or the label says what was collapsed
    assert len(padded) <= max_nodes or "collapsed" in label


def test_ops_view_names_the_padding_mask_in_each_step():
    """At detail="ops" a padding mask, a boolean constant, is not a node of its own: the
    op that reads it says so (where (mask, ...)), in each step and direction, and once
    for the whole-sequence zeroing of the outputs."""
    T = 3
    nodes, label = picture(CONFIGS[0], T, [T, 1], detail="ops")
    assert masks(nodes) == []
    selections = [text for _, text in nodes if "where (mask" in text]
    assert len(selections) == 2 * T * 2 + 2   # h and c per step and direction, outputs
    assert "collapsed" not in label
