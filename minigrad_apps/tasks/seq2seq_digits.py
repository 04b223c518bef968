"""Task 5 (many-to-many, delayed): reverse or sort short digit strings with seq2seq.

The plain encoder-decoder must squeeze the whole source into one state; the
attention model looks back at every source step (for reversal, output step t
attends to source step L-1-t: the heatmap shows an anti-diagonal). Scored by
exact-match accuracy of greedy decoding on held-out strings.

    minigrad train seq2seq [--quick] [--epochs N] [--seed S] [--out DIR]
"""
import os

import numpy as np

from minigrad import optim
from minigrad.creation import tensor
from minigrad.data import digit_sequences
from minigrad.train import fit, sequence_cross_entropy
from minigrad.viz.attention_heatmap import attention_heatmap
from .common import Results, seed_everything, timer

BOS = 10  # digits are 0..9; the decoder's start token is 10


def batches(X, y, batch_size, seed):
    rng = np.random.default_rng(seed)

    def generate():
        order = rng.permutation(len(X))
        for s in range(0, len(X), batch_size):
            idx = order[s:s + batch_size]
            yield (tensor(X[idx]), tensor(y[idx])), tensor(y[idx])
    return generate


def make_model(attention, hidden_size):
    from models.architectures import AttentionSeq2Seq, Seq2Seq
    if attention is None:
        return Seq2Seq(10, 11, 16, hidden_size, rnn="gru", bos_index=BOS)
    return AttentionSeq2Seq(10, 11, 16, hidden_size, attention=attention, rnn="gru",
                            bos_index=BOS)


def exact_match_accuracy(model, X, y):
    decoded = model.greedy_decode(tensor(X), y.shape[1])
    ids = decoded[0] if isinstance(decoded, tuple) else decoded
    return float((ids == y).all(axis=1).mean())


def train_one(task, attention, length, n_train, epochs, seed, hidden_size=32, progress=None):
    seed_everything(seed)
    X, y = digit_sequences(n=n_train, length=length, task=task, seed=seed + 1)
    X_test, y_test = digit_sequences(n=500, length=length, task=task, seed=seed + 2)
    model = make_model(attention, hidden_size)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    with timer() as elapsed:
        fit(model, sequence_cross_entropy, optimizer, batches(X, y, 64, seed), epochs=epochs,
            clip_grad_norm=5.0, progress=progress)
    model.eval()
    return model, exact_match_accuracy(model, X_test, y_test), elapsed(), (X_test, y_test)


def run(quick=False, epochs=None, seed=0, progress=None, out_dir=None):
    results = Results("seq2seq")
    length = 4 if quick else 6
    n_train = 1000 if quick else 4000
    epochs = epochs or (4 if quick else 10)
    for task in ("reverse", "sort"):
        for attention in (None, "additive", "dot"):
            model, acc, seconds, test = train_one(task, attention, length, n_train, epochs, seed,
                                                  progress=progress)
            name = f"{task} L={length} " + ("no attention" if attention is None
                                            else f"{attention} attention")
            results.add(name, "exact match", acc, seconds)
            if out_dir is not None and attention is not None:
                os.makedirs(out_dir, exist_ok=True)
                ids, weights = model.greedy_decode(tensor(test[0][:1]), length)
                attention_heatmap(weights[0], source_tokens=test[0][0],
                                  target_tokens=ids[0],
                                  path=os.path.join(out_dir, f"attention_{task}_{attention}.svg"),
                                  title=f"{task}: {attention} attention")
    return results
