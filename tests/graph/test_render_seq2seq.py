"""Encoder-decoder graphs at detail="cells", rendered through the real `dot`.

The decoder's step 0 reads the encoder's last step. With the encoder and the
decoder drawn as two rows sharing the time columns, that edge ran against the
time order and dot failed ("in routesplines, Pshortestpath failed"). The decoder
is now drawn after the encoder (in later columns, which may wrap onto later bands),
its boxes still labelled with its own time steps.
"""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import minigrad as mg
from minigrad.viz.render import picture
from models.architectures.attention_seq2seq import AttentionSeq2Seq
from models.architectures.seq2seq import Seq2Seq

SVG = "{http://www.w3.org/2000/svg}"
SOURCE_STEPS, TARGET_STEPS = 4, 3


def cells(svg):
    """(module, time step) of each cell node drawn, from its first label line."""
    found = set()
    for text in ET.fromstring(svg).iter(f"{SVG}text"):
        match = re.fullmatch(r"([\w.]+) t=(\d+)", text.text or "")
        if match:
            found.add((match[1], int(match[2])))
    return found


def reading_order(plan):
    """(module, time step) -> (band, column) of each cell in the plan."""
    found = {}
    for row in plan.rows:
        for item in row.items:
            for name in item.nodes:
                node = plan.nodes[name]
                match = re.fullmatch(r"([\w.]+) t=(\d+)", node.lines[0] or "")
                if node.kind == "cell" and match:
                    found[match[1], int(match[2])] = (row.band, item.column)
    return found


def loss_of(model_class, teacher_forcing_ratio):
    rng = np.random.default_rng(0)
    model = model_class(8, 8, 4, 5)
    src = mg.tensor(rng.integers(1, 8, (2, SOURCE_STEPS)))
    tgt = mg.tensor(rng.integers(1, 8, (2, TARGET_STEPS)))
    out = model(src, tgt, teacher_forcing_ratio=teacher_forcing_ratio)
    out = out[0] if isinstance(out, tuple) else out   # (logits, attention weights)
    return model, (out ** 2).mean()


@pytest.mark.parametrize("model_class, ratio, options", [
    (Seq2Seq, 1.0, {}),
    (AttentionSeq2Seq, 1.0, {}),
    (AttentionSeq2Seq, 0.5, {"highlight": "decoder.weight_hh_l0", "backward": True}),
])
def test_encoder_decoder_cells_render_decoder_after_encoder(model_class, ratio, options):
    model, loss = loss_of(model_class, ratio)
    svg = mg.render(loss, detail="cells", modules=model, **options).pipe(format="svg")
    name = type(model).__name__.lower()
    expected = ({(f"{name}.encoder.rnn", t) for t in range(SOURCE_STEPS)}
                | {(f"{name}.decoder", t) for t in range(TARGET_STEPS)})
    assert cells(svg) == expected
    found = reading_order(picture(loss, detail="cells", modules=model, **options)[0])
    encoder = [found[(f"{name}.encoder.rnn", t)] for t in range(SOURCE_STEPS)]
    decoder = [found[(f"{name}.decoder", t)] for t in range(TARGET_STEPS)]
    assert encoder == sorted(encoder) and decoder == sorted(decoder)
    assert max(encoder) < min(decoder)   # one after the other, not two rows side by side
