"""Task 4 (long-range memory): the adding problem for tanh RNN, IRNN, LSTM and GRU.

Each sequence holds T random values and two markers; the target is the sum of the
two marked values. Predicting the mean (1.0) gives MSE 2/12 ~ 0.167; a model that
beats it has carried a value across up to T steps. Every model is trained with and
without gradient clipping, at several lengths, on the same updates budget.

Why a tanh RNN fails: dL/dh_t is multiplied by W_hh^T diag(1 - h^2) once per step
back, so its norm shrinks geometrically; the LSTM's cell path (and the GRU's update
gate) passes it on additively. With `out_dir`, the task writes that chart:
||dL/dh_t|| over t for each trained model (minigrad.graph.bptt.hidden_grad_norms).

    minigrad train adding [--quick] [--epochs N] [--seed S] [--out DIR]
"""
import os

import numpy as np

from .. import optim
from ..creation import tensor
from ..data import adding_problem
from ..functions import stack
from ..nn import functional as F
from ..train import fit, mse
from .common import Results, array_batches, seed_everything, timer

BASELINE_MSE = 2.0 / 12.0
KINDS = ("rnn", "irnn", "lstm", "gru")
NAMES = {"rnn": "tanh RNN", "irnn": "IRNN", "lstm": "LSTM", "gru": "GRU"}


def init_forget_bias(model, value=1.0):
    """Set the LSTM forget-gate bias (gate order i, f, g, o) so the cell starts remembering."""
    for name, p in model.rnn.named_parameters():
        if name.startswith("bias_ih"):
            h = p.shape[0] // 4
            p.data[h:2 * h] = value
        elif name.startswith("bias_hh"):
            h = p.shape[0] // 4
            p.data[h:2 * h] = 0.0


def make_model(kind, hidden_size):
    from models.architectures import SequenceClassifier
    model = SequenceClassifier(None, 2, hidden_size, 1, rnn=kind)
    if kind == "lstm":
        init_forget_bias(model)
    return model


def train_one(kind, T, clip, steps, seed, hidden_size=32, batch_size=32, lr=5e-3,
              progress=False):
    """Train one model on `steps` fresh batches; return (model, test MSE, seconds)."""
    seed_everything(seed)
    X, y = adding_problem(n=steps * batch_size, T=T, seed=seed + 1)
    X_test, y_test = adding_problem(n=500, T=T, seed=seed + 2)
    model = make_model(kind, hidden_size)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    with timer() as elapsed:
        fit(model, F.mse_loss, optimizer,
            array_batches(X.astype(np.float32), y[:, None].astype(np.float32), batch_size,
                          shuffle=False),
            epochs=1, clip_grad_norm=clip, progress=progress)
    test = [(tensor(X_test.astype(np.float32)), tensor(y_test[:, None].astype(np.float32)))]
    from ..train import evaluate
    return model, evaluate(model, F.mse_loss, test)["loss"], elapsed()


def hidden_state_grad_norms(model, T, seed=0, n=64):
    """||dL/dh_t|| over t for a trained model on an adding batch (run step by step)."""
    from ..graph.bptt import hidden_grad_norms
    from models.architectures import last_layer_state
    X, y = adding_problem(n=n, T=T, seed=seed + 3)
    x = tensor(X.astype(np.float32))
    state, states = None, []
    for t in range(T):
        _, state = model.rnn(x[:, t:t + 1], state)
        states.append(state[0] if isinstance(state, tuple) else state)
    prediction = model.fc(last_layer_state(state, False))
    loss = F.mse_loss(prediction, tensor(y[:, None].astype(np.float32)))
    return hidden_grad_norms(loss, states)


def run(quick=False, epochs=None, seed=0, progress=False, out_dir=None, lengths=None):
    results = Results("adding")
    lengths = lengths or ((20,) if quick else (50, 100, 200))
    steps = 100 * (epochs or (1 if quick else 2))  # one "epoch" = 100 fresh batches
    trained = {}
    for T in lengths:
        for kind in KINDS:
            for clip in (None, 1.0):
                model, test_mse, seconds = train_one(kind, T, clip, steps, seed,
                                                     progress=progress)
                trained[(T, kind, clip)] = model
                results.add(f"T={T} {NAMES[kind]}{' clip=1' if clip else ''}", "test MSE",
                            test_mse, seconds,
                            note="beats 0.167" if test_mse < 0.5 * BASELINE_MSE else "")
    if out_dir is not None:
        from ..graph.charts import gradient_norm_chart
        os.makedirs(out_dir, exist_ok=True)
        for T in lengths:
            norms = {NAMES[kind]: hidden_state_grad_norms(trained[(T, kind, 1.0)], T, seed)
                     for kind in KINDS}
            gradient_norm_chart(norms, os.path.join(out_dir, f"adding_grad_norms_T{T}.svg"),
                                title=f"||dL/dh_t|| after training, adding problem T={T}")
    return results
