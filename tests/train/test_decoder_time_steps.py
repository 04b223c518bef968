"""Step-by-step decoders (AttentionSeq2Seq, Seq2Seq with teacher_forcing_ratio < 1) label
decoder step t as time step t, as the teacher-forced Seq2Seq does: in the scopes, in
per_step_grads and in the cells drawn by render."""
import re
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import pytest

import minigrad as mg
from minigrad.train.losses import sequence_cross_entropy
from models.architectures import AttentionSeq2Seq, Seq2Seq

SVG = "{http://www.w3.org/2000/svg}"
SRC = np.array([[1, 2, 3, 4], [5, 6, 7, 0]])    # S = 4 source steps
TGT = np.array([[3, 1, 2], [2, 5, 6]])           # T = 3 target steps
ALWAYS = float(np.nextafter(1.0, 0.0))           # ratio < 1 that still forces every token
KINDS = ["seq2seq", "additive", "dot"]


def decoder_model(kind, rnn="gru"):
    mg.manual_seed(0)
    if kind == "seq2seq":
        return Seq2Seq(8, 8, 4, 5, rnn=rnn).double()
    return AttentionSeq2Seq(8, 8, 4, 5, attention=kind, rnn=rnn).double()


def decoder_loss(model, ratio=0.5):
    src, tgt = mg.tensor(SRC), mg.tensor(TGT)
    if isinstance(model, Seq2Seq):
        logits = model(src, tgt, teacher_forcing_ratio=ratio)
    else:
        logits = model(src, tgt)[0]
    return sequence_cross_entropy(logits, tgt)


def timed_ops(loss):
    """Counter of (module, time step) over the ops that have a time step."""
    return Counter((a["module"], a["time_step"]) for a in mg.trace(loss).nodes.values()
                   if a["time_step"] is not None)


@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("kind", KINDS)
def test_decoder_step_t_is_time_step_t_next_to_the_encoder_steps(kind, rnn):
    model = decoder_model(kind, rnn)
    counts = timed_ops(decoder_loss(model))
    prefix = type(model).__name__.lower()
    decoder = {t: n for (module, t), n in counts.items() if module == f"{prefix}.decoder"}
    encoder = {t: n for (module, t), n in counts.items() if module == f"{prefix}.encoder.rnn"}
    assert set(counts) == ({(f"{prefix}.decoder", t) for t in range(3)}
                           | {(f"{prefix}.encoder.rnn", t) for t in range(4)})
    # every decoder step is one cell, the same ops as one encoder step
    assert set(decoder.values()) == set(encoder.values()) and len(set(decoder.values())) == 1


@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
def test_step_by_step_seq2seq_is_labelled_like_the_teacher_forced_one(rnn):
    model = decoder_model("seq2seq", rnn)
    assert timed_ops(decoder_loss(model, ratio=0.5)) == timed_ops(decoder_loss(model, ratio=1.0))


@pytest.mark.parametrize("rnn", ["lstm", "gru"])
def test_per_step_grads_of_step_by_step_seq2seq_match_the_teacher_forced_pass(rnn):
    """With every token forced, the step-by-step decoder computes what the one-shot
    teacher-forced decoder computes, so its per-step terms must be the same."""
    model = decoder_model("seq2seq", rnn)
    stepped, whole = decoder_loss(model, ratio=ALWAYS), decoder_loss(model, ratio=1.0)
    np.testing.assert_allclose(stepped.data, whole.data, rtol=1e-12)
    for name in ("weight_hh_l0", "weight_ih_l0", "bias_ih_l0"):
        param = getattr(model.decoder, name)
        rows = mg.bptt.per_step_grads(stepped, param)
        assert rows.shape == (3,) + tuple(param.shape)
        np.testing.assert_allclose(rows, mg.bptt.per_step_grads(whole, param),
                                   rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("rnn", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("kind", KINDS)
def test_per_step_grads_give_one_row_per_step_and_sum_to_the_gradient(kind, rnn):
    model = decoder_model(kind, rnn)
    loss = decoder_loss(model)
    layers = {"decoder": (model.decoder, 3), "encoder": (model.encoder.rnn, 4)}
    rows = {}
    for part, (layer, steps) in layers.items():
        for name in ("weight_hh_l0", "weight_ih_l0", "bias_ih_l0", "bias_hh_l0"):
            param = getattr(layer, name)
            rows[part, name] = mg.bptt.per_step_grads(loss, param)
            assert rows[part, name].shape == (steps,) + tuple(param.shape)
    loss.backward()
    for (part, name), terms in rows.items():
        param = getattr(layers[part][0], name)
        np.testing.assert_allclose(terms.sum(0), param.grad.data, rtol=1e-10, atol=1e-12)
        if part == "decoder":
            assert all(terms[t].any() for t in range(3)), name


def cells_drawn(dot):
    """{(module, t)} of the cells in the SVG that Graphviz draws from `dot`."""
    root = ET.fromstring(dot.pipe(format="svg"))
    found = set()
    for g in root.iter(f"{SVG}g"):
        if "node" not in (g.get("class") or "").split():
            continue
        text = " ".join(t.text or "" for t in g.iter(f"{SVG}text"))
        match = re.match(r"(\S+) t=(\d+) \d+ ops", text)
        if match:
            found.add((match.group(1), int(match.group(2))))
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_render_draws_one_decoder_cell_per_step(kind):
    model = decoder_model(kind)
    loss = decoder_loss(model)
    prefix = type(model).__name__.lower()
    assert cells_drawn(mg.render(loss, detail="cells")) == (
        {(f"{prefix}.decoder", t) for t in range(3)}
        | {(f"{prefix}.encoder.rnn", t) for t in range(4)})


@pytest.mark.parametrize("kind", KINDS)
def test_render_ops_has_a_decoder_cluster_per_step(kind):
    model = decoder_model(kind)
    root = ET.fromstring(mg.render(decoder_loss(model), detail="ops", max_nodes=2000)
                         .pipe(format="svg"))
    titles = {g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
              if "cluster" in (g.get("class") or "").split()}
    prefix = type(model).__name__.lower()
    decoder = {int(m.group(1)) for m in (re.fullmatch(rf"cluster_t(\d+)_{prefix}_decoder_\w+", t)
                                         for t in titles) if m}
    assert decoder == {0, 1, 2}
