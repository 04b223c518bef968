"""Task 2 (one-to-many / language model): a character LSTM on tinyshakespeare.

The text is cut into B parallel streams; truncated BPTT walks each stream in
chunks of k characters, carrying the hidden state from chunk to chunk (fit's
`tbptt=k`). Reports validation bits per character (a uniform guess over the V
characters costs log2 V bits) and a sample.

The default (40 epochs of ~42 updates, 32 streams x 32 characters each) takes
about 1 minute at minigrad's default of 1 BLAS thread (README "Threads"), with a
progress bar of the 1,720 chunks on a terminal; `--epochs 120` trains three times longer.

    minigrad train char_lm [--quick] [--epochs N] [--seed S]
"""
import numpy as np

from minigrad import optim
from minigrad.creation import tensor
from minigrad.data import Vocabulary, char_tokenize, load_text
from minigrad.train import bits_per_character, evaluate, fit, sequence_cross_entropy
from .common import Results, seed_everything, timer

DEFAULT_EPOCHS = 40


def streams(ids, n_streams):
    """(inputs, targets) of shape (B, L): B consecutive slices of the id sequence, shifted by one."""
    length = (len(ids) - 1) // n_streams
    x = ids[: n_streams * length].reshape(n_streams, length)
    y = ids[1: n_streams * length + 1].reshape(n_streams, length)
    return tensor(x), tensor(y)


def run(quick=False, epochs=None, seed=0, progress=None):
    from models.architectures import SequenceGenerator
    results = Results("char_lm")
    seed_everything(seed)
    text = load_text("tinyshakespeare")
    if quick:
        text = text[:6000]
    vocab = Vocabulary.fit([char_tokenize(text)], pad_token=None, unk_token=None)
    ids = vocab.encode(char_tokenize(text))
    split = int(0.9 * len(ids))
    train = [streams(ids[:split], 16 if quick else 32)]
    val = [streams(ids[split:], 4)]
    hidden = 64 if quick else 128
    model = SequenceGenerator(len(vocab), 32, hidden, rnn="lstm")
    optimizer = optim.Adam(model.parameters(), lr=3e-3 if quick else 2e-3)
    epochs = epochs or (3 if quick else DEFAULT_EPOCHS)
    with timer() as elapsed:
        fit(model, sequence_cross_entropy, optimizer, train, epochs=epochs, tbptt=32,
            clip_grad_norm=5.0, metrics={"bpc": bits_per_character}, progress=progress)
    bpc = evaluate(model, sequence_cross_entropy, val, metrics={"bpc": bits_per_character})["bpc"]
    prompt = vocab.encode(char_tokenize("ROMEO:\n"))
    sample = model.generate(prompt[None, :], 200, temperature=0.8,
                            rng=np.random.default_rng(seed))[0]
    results.add(f"lstm h={hidden}, {epochs} epochs", "val bits/char", bpc, elapsed(),
                note=f"(uniform: {np.log2(len(vocab)):.2f})")
    results.sample = "ROMEO:\n" + "".join(vocab.decode(sample))
    return results
