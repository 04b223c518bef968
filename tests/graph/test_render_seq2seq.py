"""Encoder-decoder graphs at detail="cells", rendered through the real `dot`.

The decoder's step 0 reads the encoder's last step. With the encoder and the
decoder drawn as two rows sharing the time columns, that edge ran against the
time order and dot failed ("in routesplines, Pshortestpath failed"). The decoder
is now drawn after the encoder, its boxes still labelled with its own time steps.
"""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import minigrad as mg
from models.architectures.attention_seq2seq import AttentionSeq2Seq
from models.architectures.seq2seq import Seq2Seq

SVG = "{http://www.w3.org/2000/svg}"
SOURCE_STEPS, TARGET_STEPS = 4, 3


def cells(svg):
    """(module, time step) -> x of each cell node's first label line."""
    found = {}
    for text in ET.fromstring(svg).iter(f"{SVG}text"):
        match = re.fullmatch(r"([\w.]+) t=(\d+)", text.text or "")
        if match:
            found[match[1], int(match[2])] = float(text.get("x"))
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
    found = cells(svg)
    name = type(model).__name__.lower()
    encoder = [found.get((f"{name}.encoder.rnn", t)) for t in range(SOURCE_STEPS)]
    decoder = [found.get((f"{name}.decoder", t)) for t in range(TARGET_STEPS)]
    assert None not in encoder and None not in decoder, sorted(found)
    assert encoder == sorted(encoder) and decoder == sorted(decoder)
    assert max(encoder) < min(decoder)   # one after the other, not two rows
