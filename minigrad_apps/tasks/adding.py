"""Task 4 (long-range memory): the adding problem for tanh RNN, IRNN, LSTM and GRU.

Each sequence holds T random values and two markers; the target is the sum of the
two marked values. Predicting the mean (1.0) gives MSE 2/12 ~ 0.167; a model that
beats it has carried a value across up to T steps.

The protocol (the same for every model at a given T, so the comparison is fair):
Adam (lr 1e-2), hidden 32, batches of 32 fresh sequences (never repeated), at most
BUDGETS[T] updates (3000 at T=200: enough for the LSTM and the GRU to solve it, which the
fused recurrent layers made affordable; the GRU needs ~440, the LSTM ~1800-2300), with and without clipping the gradient norm at 1. A run stops
early once the mean MSE of its last 50 batches, each measured before the model
trained on it, is below 0.01 (solved); the table reports the updates it used. The
final MSE is on 500 held-out sequences. The LSTM's forget-gate bias starts at 3
(sigmoid(3) ~ 0.95: the cell keeps ~8 % of its content after 50 steps, against
~0 % with a bias of 1), which shortens its plateau at the mean predictor.

Why a tanh RNN fails: dL/dh_t is multiplied by W_hh^T diag(1 - h_t^2) once per step
back, so its norm shrinks geometrically and the first marker's value never reaches
the weights; the LSTM's cell path c_t = f * c_{t-1} + ... (and the GRU's update
gate) passes it back scaled only by the forget (update) gate. With `out_dir` the
task writes ||dL/dh_t|| over t for the four models, at initialisation and after
training (minigrad.graph.bptt.hidden_grad_norms of the recurrent layer), the
gradient flow over the training of each clipped run (mg.bptt.GradientFlowRecorder on
a fixed probe batch: the per-step terms of dL/dW_hh and ||dL/dh_t|| every few
updates, as .npz records and step x update heatmaps), plus the results as markdown.

    minigrad train adding [--quick] [--epochs N] [--seed S] [--out DIR]

`--epochs N` multiplies every update budget by N.
"""
import os
import sys

import numpy as np
from tqdm.auto import tqdm

from minigrad import optim
from minigrad.creation import tensor
from minigrad.data import adding_problem
from minigrad.grad_mode import no_grad
from minigrad.nn import functional as F
from minigrad.nn.utils import clip_grad_norm_
from minigrad.train.progress import progress_bar, shows_progress
from .common import Results, seed_everything, timer

BASELINE_MSE = 2.0 / 12.0
KINDS = ("rnn", "irnn", "lstm", "gru")
NAMES = {"rnn": "tanh RNN", "irnn": "IRNN", "lstm": "LSTM", "gru": "GRU"}
BUDGETS = {20: 400, 50: 1000, 100: 1200, 200: 3000}   # max updates per run, by T
SOLVED_MSE = 0.01     # stop once the mean of the last WINDOW batch losses is below this
WINDOW = 50
FORGET_BIAS = 3.0
FLOW_RECORDS = 50     # gradient-flow records per run (with --out)


def init_forget_bias(model, value=FORGET_BIAS):
    """Set the LSTM forget-gate bias (gate order i, f, g, o): b_if = value, b_hf = 0."""
    for name, p in model.rnn.named_parameters():
        if name.startswith("bias_ih"):
            h = p.shape[0] // 4
            p.data[h:2 * h] = value
        elif name.startswith("bias_hh"):
            h = p.shape[0] // 4
            p.data[h:2 * h] = 0.0


def make_model(kind, hidden_size):
    """Input (N, T, 2) -> recurrent layer -> linear on h_T -> (N, 1)."""
    from models.architectures import SequenceClassifier
    model = SequenceClassifier(None, 2, hidden_size, 1, rnn=kind)
    if kind == "lstm":
        init_forget_bias(model)
    return model


def _tensors(X, y):
    return tensor(X.astype(np.float32)), tensor(y[:, None].astype(np.float32))


def held_out_mse(model, T, seed, n=500):
    X, y = _tensors(*adding_problem(n=n, T=T, seed=seed + 2))
    model.eval()
    with no_grad():
        value = F.mse_loss(model(X), y).item()
    model.train()
    return value


def train_one(kind, T, clip, steps, seed, hidden_size=32, batch_size=32, lr=1e-2,
              stop_at=SOLVED_MSE, progress=False, desc=None, recorder=None):
    """Train one model on at most `steps` fresh batches.

    Stops early when the mean loss of the last WINDOW batches (each measured before
    the update on it, so on unseen data) is below `stop_at` (None: never).
    `progress` (as fit's) shows a bar of the updates, headed `desc`. A `recorder`
    (mg.bptt.GradientFlowRecorder) records the gradient flow as training goes.

    Returns:
        (model, test MSE on 500 held-out sequences, updates made, seconds of training,
        the recorder's measurements left out).
    """
    seed_everything(seed)
    X, y = adding_problem(n=steps * batch_size, T=T, seed=seed + 1)
    model = make_model(kind, hidden_size)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    bar = progress_bar(total=steps, desc=desc, unit="update", progress=progress,
                       where="adding", leave=False)
    with timer() as elapsed, bar:
        if recorder is not None:
            recorder.after_update(model, 0)
        for step in range(steps):
            xb, yb = _tensors(X[step * batch_size:(step + 1) * batch_size],
                              y[step * batch_size:(step + 1) * batch_size])
            optimizer.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            if clip is not None:
                clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            losses.append(loss.item())
            if recorder is not None:
                recorder.after_update(model, step + 1)
            bar.update()
            bar.set_postfix(mse=f"{np.mean(losses[-WINDOW:]):.4f}", refresh=False)
            if stop_at is not None and len(losses) >= WINDOW and \
                    np.mean(losses[-WINDOW:]) < stop_at:
                break
        if recorder is not None:
            recorder.finish(model, len(losses))
    probing = 0.0 if recorder is None else recorder.seconds
    return model, held_out_mse(model, T, seed), len(losses), elapsed() - probing


def probe_batch(T, seed=0, n=64):
    """The fixed batch the gradient charts measure on (never trained on)."""
    return _tensors(*adding_problem(n=n, T=T, seed=seed + 3))


def hidden_state_grad_norms(model, T, seed=0, n=64):
    """||dL/dh_t|| over t for `model` on an adding batch (the states of its recurrent
    layer's forward over the whole sequence)."""
    from minigrad.graph.bptt import hidden_grad_norms
    x, y = probe_batch(T, seed, n)
    loss = F.mse_loss(model(x), y)
    return hidden_grad_norms(loss, model.rnn)


def gradient_flow_recorder(T, budget, seed=0):
    """A recorder of W_hh's per-step terms and ||dL/dh_t|| on the probe batch, about
    FLOW_RECORDS times over a run of `budget` updates."""
    from minigrad.graph.gradient_flow import GradientFlowRecorder
    x, y = probe_batch(T, seed)
    return GradientFlowRecorder(lambda model: F.mse_loss(model(x), y), "rnn.weight_hh_l0",
                                every=max(1, budget // FLOW_RECORDS))


def markdown_table(rows):
    """The per-run rows (dicts with kind, T, clip, mse, updates, budget, seconds) as markdown."""
    lines = ["| model | T | clip | test MSE | < half the 0.167 baseline | updates (budget) | seconds |",
             "|---|---:|---|---:|---|---:|---:|"]
    for r in rows:
        lines.append(f"| {NAMES[r['kind']]} | {r['T']} | {'1.0' if r['clip'] else 'none'} | "
                     f"{r['mse']:.4f} | {'yes' if r['mse'] < 0.5 * BASELINE_MSE else 'no'} | "
                     f"{r['updates']} ({r['budget']}) | {r['seconds']:.1f} |")
    return "\n".join(lines)


def write_report(rows, lengths, out_dir, seed):
    """adding_results.md and, per T, the gradient-norm charts at init and after training."""
    from minigrad.viz.charts import gradient_norm_chart
    os.makedirs(out_dir, exist_ok=True)
    charts = []
    for T in lengths:
        trained = {r["kind"]: r["model"] for r in rows if r["T"] == T and r["clip"]}
        untrained = {}
        for kind in KINDS:
            seed_everything(seed)
            untrained[kind] = make_model(kind, 32)
        for when, chosen in (("init", untrained), ("trained", trained)):
            path = os.path.join(out_dir, f"adding_grad_norms_T{T}_{when}.svg")
            gradient_norm_chart(
                {NAMES[k]: hidden_state_grad_norms(m, T, seed) for k, m in chosen.items()}, path,
                title=f"||dL/dh_t||, adding problem T={T}, loss on the last step\n"
                      + ("at initialisation" if when == "init" else "after training (clip=1)"),
                ylabel="||dL/dh_t||")
            charts.append(os.path.basename(path))
    charts += write_gradient_flows(rows, out_dir)
    with open(os.path.join(out_dir, "adding_results.md"), "w") as f:
        f.write("# Adding problem\n\n" + __doc__.split("\n\n")[2].replace("\n", " ") + "\n\n"
                + markdown_table(rows) + "\n\nGradient norms: "
                + ", ".join(f"[{c}]({c})" for c in charts) + "\n")


def write_gradient_flows(rows, out_dir):
    """Per recorded run, its GradientFlow as .npz and its step x update chart; returns
    the charts' names."""
    from minigrad.viz.gradient_flow_chart import gradient_flow_chart
    charts = []
    for r in rows:
        if r.get("flow") is None:
            continue
        stem = os.path.join(out_dir, f"adding_gradient_flow_T{r['T']}_{r['kind']}")
        r["flow"].save(stem + ".npz")
        gradient_flow_chart(
            r["flow"], stem + ".svg",
            title=f"Adding problem T={r['T']}, {NAMES[r['kind']]} (clip=1): gradient flow over "
                  f"training, loss on the last step\ndark at the left: the gradient does not "
                  f"reach the early steps, where the first marked value may be")
        charts.append(os.path.basename(stem + ".svg"))
    return charts


def run(quick=False, epochs=None, seed=0, progress=None, out_dir=None, lengths=None):
    results = Results("adding")
    lengths = lengths or ((20,) if quick else (50, 100, 200))
    rows = []
    runs = len(lengths) * len(KINDS) * 2
    shown = shows_progress(progress, where="adding")
    for T in lengths:
        budget = BUDGETS.get(T, 1000) * (epochs or 1)
        for kind in KINDS:
            for clip in (None, 1.0):
                name = f"T={T} {NAMES[kind]}{' clip=1' if clip else ''}"
                recorder = gradient_flow_recorder(T, budget, seed) \
                    if out_dir is not None and clip else None
                model, mse, updates, seconds = train_one(
                    kind, T, clip, budget, seed, progress=shown,
                    desc=f"run {len(rows) + 1}/{runs}: {name}", recorder=recorder)
                rows.append(dict(kind=kind, T=T, clip=clip, mse=mse, updates=updates,
                                 budget=budget, seconds=seconds, model=model,
                                 flow=None if recorder is None else recorder.flow))
                results.add(name, "test MSE", mse, seconds, note=f"{updates}/{budget} updates"
                            + ("  < half the 0.167 baseline" if mse < 0.5 * BASELINE_MSE else ""))
                if shown:  # beside the bars, on stderr: stdout gets the table once
                    tqdm.write(results.lines()[-1], file=sys.stderr)
    results.table = markdown_table(rows)
    if out_dir is not None:
        write_report(rows, lengths, out_dir, seed)
    return results
