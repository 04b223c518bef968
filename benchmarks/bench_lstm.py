"""LSTM many-to-one: models.LSTM vs the hand-written numpy LSTM (and torch if present).

Workload (benchmarks/README.md, baselines/lstm_numpy.py): one-layer LSTM, L = 50,
N = 32, H_in = 64, H = 128, float32, last hidden state -> linear head (10) -> MSE
(mean), forward + complete backward, no optimizer step.

Run from the repository root:  python -m benchmarks.bench_lstm
Add `--profile` to print a cProfile of the minigrad side, and `--floor` for two more
rows: the numpy forward alone, and minigrad's VJP calls of one backward replayed
without the engine (the backward's numpy work for this choice of ops).
"""
import sys

import numpy as np

import minigrad as mg
from benchmarks.baselines import lstm_numpy
from benchmarks.timing import best_time, print_table
from models import LSTM


def make_minigrad_model(raw):
    """models.LSTM plus head parameters holding the baseline's initial values."""
    lstm = LSTM(raw["weight_ih"].shape[1], raw["weight_hh"].shape[1]).float()
    lstm.load_state_dict({f"{k}_l0": raw[k] for k in
                          ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    head_w = mg.nn.Parameter(raw["head.weight"])
    head_b = mg.nn.Parameter(raw["head.bias"])
    return lstm, head_w, head_b


def minigrad_step(lstm, head_w, head_b, x, y):
    """Forward + backward of the workload; returns the loss tensor."""
    lstm.zero_grad()
    head_w.grad = head_b.grad = None
    _, (h_n, _) = lstm(x)
    out = h_n[0] @ head_w.T + head_b
    diff = out - y
    loss = (diff * diff).mean()
    loss.backward()
    return loss


def check_same_workload(raw, lstm, head_w, head_b, x_np, y_np, x, y):
    """minigrad and the baseline compute the same loss and gradients."""
    loss = minigrad_step(lstm, head_w, head_b, x, y)
    ref_loss, ref_grads = lstm_numpy.loss_and_grads(raw, x_np, y_np)
    np.testing.assert_allclose(loss.item(), ref_loss, rtol=1e-4)
    ours = {f"{k}": getattr(lstm, f"{k}_l0").grad.data
            for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    ours["head.weight"], ours["head.bias"] = head_w.grad.data, head_b.grad.data
    for k, g in ref_grads.items():
        np.testing.assert_allclose(ours[k], g, rtol=2e-3, atol=1e-5, err_msg=k)


def vjp_replay_time(lstm, head_w, head_b, x, y):
    """Seconds to re-run, without the engine, the VJP calls of one minigrad backward.

    Records every VJP call (with its numpy arguments) of one step, then times calling
    them again in order: the numpy work (plus the VJP functions' own Python) that the
    ops of this decomposition cost in backward, whatever the engine around them does.
    """
    from minigrad.registry import PRIMITIVES
    from minigrad.state import PER_THREAD
    calls, saved = [], {}

    def recording(fn):
        def call(*args, **attrs):
            calls.append((fn, args, attrs, PER_THREAD.state.wants))
            return fn(*args, **attrs)
        return call

    for prim in PRIMITIVES.values():
        saved[prim] = prim.vjp, prim.vjp_into
        prim.vjp = prim.vjp and recording(prim.vjp)
        prim.vjp_into = prim.vjp_into and recording(prim.vjp_into)
    try:
        minigrad_step(lstm, head_w, head_b, x, y)
    finally:
        for prim, (vjp, vjp_into) in saved.items():
            prim.vjp, prim.vjp_into = vjp, vjp_into

    def replay():
        state = PER_THREAD.state
        for fn, args, attrs, wants in calls:
            state.wants = wants
            fn(*args, **attrs)
        state.wants = ()
    return best_time(replay, repeat=7, number=5)


def torch_rows(raw, x_np, y_np, t_numpy):
    try:
        import torch
    except ImportError:
        return []
    torch.set_num_threads(1)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    lstm = torch.nn.LSTM(x_np.shape[2], raw["weight_hh"].shape[1])
    with torch.no_grad():
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(lstm, f"{k}_l0").copy_(torch.from_numpy(raw[k]))
    head = torch.nn.Linear(raw["head.weight"].shape[1], raw["head.weight"].shape[0])
    params = {k: torch.tensor(v, requires_grad=True) for k, v in raw.items()}

    def fused():
        lstm.zero_grad()
        head.zero_grad()
        _, (h_n, _) = lstm(x)
        torch.nn.functional.mse_loss(head(h_n[0]), y).backward()

    def elementary():
        for p in params.values():
            p.grad = None
        H = raw["weight_hh"].shape[1]
        h = c = torch.zeros(x.shape[1], H)
        for t in range(x.shape[0]):
            gates = x[t] @ params["weight_ih"].T + params["bias_ih"] + \
                h @ params["weight_hh"].T + params["bias_hh"]
            i, f, g, o = gates.chunk(4, 1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
        out = h @ params["head.weight"].T + params["head.bias"]
        ((out - y) ** 2).mean().backward()

    rows = []
    for name, fn in (("torch nn.LSTM (fused)", fused), ("torch elementary ops", elementary)):
        t = best_time(fn, repeat=7, number=5)
        rows.append((name + " / numpy", t, t / t_numpy))
    return rows


def main(argv=()):
    raw = lstm_numpy.make_params(seed=0)
    x_np, y_np = lstm_numpy.make_batch(seed=0)
    lstm, head_w, head_b = make_minigrad_model(raw)
    x, y = mg.tensor(x_np), mg.tensor(y_np)
    check_same_workload(raw, lstm, head_w, head_b, x_np, y_np, x, y)

    if "--profile" in argv:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            minigrad_step(lstm, head_w, head_b, x, y)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    t_numpy = best_time(lambda: lstm_numpy.loss_and_grads(raw, x_np, y_np), repeat=7, number=5)
    t_mg = best_time(lambda: minigrad_step(lstm, head_w, head_b, x, y), repeat=7, number=5)
    rows = [("numpy LSTM (hand-written BPTT)", t_numpy, None),
            ("minigrad models.LSTM / numpy", t_mg, t_mg / t_numpy)]
    rows += torch_rows(raw, x_np, y_np, t_numpy)
    if "--floor" in argv:
        t_replay = vjp_replay_time(lstm, head_w, head_b, x, y)
        t_numpy_forward = best_time(lambda: lstm_numpy.forward(raw, x_np), repeat=7, number=5)
        rows += [("numpy forward alone", t_numpy_forward, t_numpy_forward / t_numpy),
                 ("minigrad's VJP calls replayed alone", t_replay, t_replay / t_numpy)]
    print("LSTM many-to-one, L=50 N=32 H_in=64 H=128 float32, forward + backward")
    print_table(rows)
    kept = ", ".join(f"{k}={v >> 20} MB" for k, v in mg.heap.settings.items())
    print(f"malloc: {kept or 'left as it was'} (minigrad/heap.py; both sides run in this "
          f"process, so the numpy baseline has the same settings)")


if __name__ == "__main__":
    main(sys.argv[1:])
