"""Task 2 (one-to-many / language model): a character LSTM on tinyshakespeare.

The text is cut into B parallel streams; truncated BPTT walks each stream in
chunks of k characters, carrying the hidden state from chunk to chunk (fit's
`tbptt=k`). Reports validation bits per character (a uniform guess over the V
characters costs log2 V bits) and a sample.

The default (40 epochs of ~42 updates, 32 streams x 32 characters each) takes
about 1 minute at minigrad's default of 1 BLAS thread (README "Threads"), with a
progress bar of the 1,720 chunks on a terminal; `--epochs 120` trains three times longer.

With `--out DIR` the LSTM's gradient flow is recorded as it trains, and a tanh RNN and
a GRU are trained the same way beside it, for the views that char_lm_views.py writes
(gradient flow over training, the hidden-state view, the three models' memory):
about three times the training time.

    minigrad train char_lm [--quick] [--epochs N] [--seed S] [--out DIR]
"""
import numpy as np

from minigrad import optim
from minigrad.creation import tensor
from minigrad.data import Vocabulary, char_tokenize, load_text
from minigrad.train import bits_per_character, evaluate, fit, sequence_cross_entropy
from .common import Results, seed_everything, timer

DEFAULT_EPOCHS = 40
TBPTT = 32


def streams(ids, n_streams):
    """(inputs, targets) of shape (B, L): B consecutive slices of the id sequence, shifted by one."""
    length = (len(ids) - 1) // n_streams
    x = ids[: n_streams * length].reshape(n_streams, length)
    y = ids[1: n_streams * length + 1].reshape(n_streams, length)
    return tensor(x), tensor(y)


def run(quick=False, epochs=None, seed=0, progress=None, out_dir=None):
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
    epochs = epochs or (3 if quick else DEFAULT_EPOCHS)
    recorder = None
    if out_dir is not None:
        from .char_lm_views import PROBE_RECORDS, gradient_flow_recorder
        updates = epochs * -(-train[0][0].shape[1] // TBPTT)
        recorder = gradient_flow_recorder(ids[split:], every=max(1, updates // PROBE_RECORDS))
    kinds = ("lstm",) if out_dir is None else ("lstm", "rnn", "gru")
    models = {}
    for kind in kinds:
        seed_everything(seed)
        models[kind], bpc, seconds = train_model(
            kind, len(vocab), hidden, train, val, epochs, quick, progress,
            [recorder] if kind == "lstm" and recorder is not None else None)
        name = f"{kind} h={hidden}, {epochs} epochs" if kind == "lstm" else \
            f"{kind} h={hidden}, {epochs} epochs (for --out)"
        results.add(name, "val bits/char", bpc, seconds,
                    note=f"(uniform: {np.log2(len(vocab)):.2f})")
    prompt = vocab.encode(char_tokenize("ROMEO:\n"))
    sample = models["lstm"].generate(prompt[None, :], 200, temperature=0.8,
                                     rng=np.random.default_rng(seed))[0]
    results.sample = "ROMEO:\n" + "".join(vocab.decode(sample))
    if out_dir is not None:
        from .char_lm_views import write_views
        write_views(out_dir, models, vocab, text[split:], recorder.flow)
    return results


def train_model(kind, vocab_size, hidden, train, val, epochs, quick, progress, callbacks):
    """A SequenceGenerator with a `kind` layer, trained by fit with truncated BPTT;
    returns (model, validation bits per character, seconds of training: the time the
    callbacks' measurements took (`seconds` of a GradientFlowRecorder) left out)."""
    from models.architectures import SequenceGenerator
    model = SequenceGenerator(vocab_size, 32, hidden, rnn=kind)
    optimizer = optim.Adam(model.parameters(), lr=3e-3 if quick else 2e-3)
    with timer() as elapsed:
        fit(model, sequence_cross_entropy, optimizer, train, epochs=epochs, tbptt=TBPTT,
            clip_grad_norm=5.0, metrics={"bpc": bits_per_character}, progress=progress,
            callbacks=callbacks)
    bpc = evaluate(model, sequence_cross_entropy, val, metrics={"bpc": bits_per_character})["bpc"]
    probing = sum(getattr(callback, "seconds", 0.0) for callback in callbacks or ())
    return model, bpc, elapsed() - probing
