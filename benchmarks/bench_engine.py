"""Engine benchmarks (issue: the engine): min-char-rnn vs numpy, scalar MLP vs micrograd,
per-op overhead.

Run from the repository root:  python -m benchmarks.bench_engine
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import minigrad as mg
from benchmarks.baselines import micrograd_mlp, min_char_rnn_numpy
from benchmarks.timing import best_time, print_table

# the scalar-engine and per-op workloads are single-threaded pure Python: time them by
# this process's CPU time, which other load on the machine barely disturbs
CPU = time.process_time
REPOSITORY = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------- min-char-rnn
def min_char_rnn_minigrad(params, inputs, targets, h0, clip=5.0):
    """The min-char-rnn workload written as a user would with minigrad ops.

    Wxh @ onehot(x_t) is the column Wxh[:, x_t]: one gather for all steps.
    """
    Wxh, Whh, Why, bh, by = (params[k] for k in ("Wxh", "Whh", "Why", "bh", "by"))
    steps = len(inputs)
    projected = Wxh[:, inputs] + bh                      # (H, T)
    h = h0
    states = []
    for t in range(steps):
        h = (Whh @ h + projected[:, t:t + 1]).tanh()     # (H, 1)
        states.append(h)
    logits = Why @ mg.concat(states, axis=1) + by        # (V, T)
    loss = -logits.log_softmax(axis=0)[targets, np.arange(steps)].sum()
    for p in (Wxh, Whh, Why, bh, by):
        p.grad = None
    loss.backward()
    for p in (Wxh, Whh, Why, bh, by):
        p.grad = p.grad.clip(-clip, clip)
    return loss, h


def bench_min_char_rnn(dtype=np.float64):
    raw = min_char_rnn_numpy.make_params(seed=0, dtype=dtype)
    inputs, targets, h0 = min_char_rnn_numpy.make_batch(seed=0, dtype=dtype)
    params = {k: mg.tensor(v, requires_grad=True) for k, v in raw.items()}
    h0_t = mg.tensor(h0)
    loss, _ = min_char_rnn_minigrad(params, inputs, targets, h0_t)
    ref_loss, ref_grads, _ = min_char_rnn_numpy.loss_and_grads(raw, inputs, targets, h0)
    for k in raw:  # same workload, same answer
        np.testing.assert_allclose(params[k].grad.data, ref_grads[k], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loss.item(), ref_loss, rtol=1e-5)
    t_numpy = best_time(lambda: min_char_rnn_numpy.loss_and_grads(raw, inputs, targets, h0),
                        repeat=7, number=20)
    t_mg = best_time(lambda: min_char_rnn_minigrad(params, inputs, targets, h0_t),
                     repeat=7, number=20)
    return t_mg, t_numpy


# -------------------------------------------------------------- scalar engine MLP
class ScalarMLP:
    """2-16-16-1 MLP of 0-d tensors, neuron by neuron, as micrograd builds it."""

    def __init__(self, weights):
        self.layers = [([[mg.tensor(w, requires_grad=True) for w in row] for row in W],
                        [mg.tensor(b, requires_grad=True) for b in bias])
                       for W, bias in weights]

    def parameters(self):
        for W, bias in self.layers:
            for row in W:
                yield from row
            yield from bias

    def __call__(self, x):
        for i, (W, bias) in enumerate(self.layers):
            out = []
            for row, b in zip(W, bias):
                act = b
                for w, xi in zip(row, x):
                    act = act + w * xi
                out.append(act.relu() if i < len(self.layers) - 1 else act)
            x = out
        return x[0]


def scalar_mlp_step(model, X, y):
    for p in model.parameters():
        p.grad = None
    loss = 0.0
    for xi, yi in zip(X, y):
        diff = model([float(v) for v in xi]) - float(yi)
        loss = diff * diff + loss
    loss.backward()
    return loss


def time_minigrad_mlp():
    """Seconds per scalar-MLP step with minigrad (float64), after checking its loss
    against the numpy twin of the workload."""
    X, y = micrograd_mlp.make_points(seed=0)
    weights = micrograd_mlp.make_weights(seed=0)
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        model = ScalarMLP([(W.tolist(), b.tolist()) for W, b in weights])
        loss = scalar_mlp_step(model, X, y)
        ref_loss, _ = micrograd_mlp.mlp_loss_and_grads_numpy(weights, X, y)
        np.testing.assert_allclose(loss.item(), ref_loss, rtol=1e-9)
        return best_time(lambda: scalar_mlp_step(model, X, y), repeat=5, clock=CPU)
    finally:
        mg.set_default_dtype(previous)


def bench_scalar_mlp_in_fresh_process(engine):
    """{"collector on": s, "collector off": s} for one engine, or None when it is not
    installed, measured in a new Python process that imports only that engine.

    Each engine runs alone, as a user runs it: in one process, the objects the other
    engine leaves alive change when the garbage collector runs, and so the time of
    whichever engine is measured second (micrograd's time moved by 1.5x that way).
    """
    done = subprocess.run([sys.executable, "-m", "benchmarks.scalar_mlp_alone", engine],
                          capture_output=True, text=True, cwd=REPOSITORY)
    if done.returncode != 0:
        raise RuntimeError(f"the {engine} scalar-MLP run failed:\n{done.stderr}")
    return json.loads(done.stdout)


# ------------------------------------------------------------------ per-op overhead
def bench_op_overhead(n=2000):
    x = mg.randn(8, requires_grad=True)
    y = mg.full((8,), 1.0)  # stays finite over a long chain

    def forward_chain():
        h = x
        for _ in range(n):
            h = h * y
        return h

    def forward_backward():
        forward_chain().sum().backward()

    a, b = x.data, y.data

    def numpy_chain():
        h = a
        for _ in range(n):
            h = h * b
        return h

    t_np = best_time(numpy_chain, repeat=7, clock=CPU)
    t_fwd = best_time(forward_chain, repeat=7, clock=CPU)
    t_both = best_time(forward_backward, repeat=7, clock=CPU)
    return t_np / n, t_fwd / n, (t_both - t_fwd) / n


def main():
    t_mg, t_np = bench_min_char_rnn()
    mlp = {engine: bench_scalar_mlp_in_fresh_process(engine)
           for engine in ("minigrad", "micrograd")}
    t_np_op, t_fwd_op, t_bwd_op = bench_op_overhead()
    print("min-char-rnn (T=25, H=100, V=65, float64, fwd+bwd+clip): minigrad / numpy BPTT")
    print_table([("numpy BPTT", t_np, 1.0), ("minigrad", t_mg, t_mg / t_np)])
    print("\nscalar engine: 2-16-16-1 MLP of 0-d tensors, 50 points, fwd+bwd "
          "(each engine in a fresh process)")
    mine, theirs = mlp["minigrad"], mlp["micrograd"]
    if theirs is None:
        print_table([("minigrad", mine["collector on"], None)])
        print("  micrograd is not installed: pip install micrograd==0.1.0 (or .[bench])")
    else:
        on = "collector on"
        print_table([("micrograd 0.1.0", theirs[on], 1.0),
                     ("minigrad", mine[on], mine[on] / theirs[on])])
        print(f"  minigrad is {theirs[on] / mine[on]:.2f}x faster than micrograd")
        off = "collector off"
        print(f"  with the garbage collector off (most of micrograd's time is collecting the\n"
              f"  reference cycles of its closures): micrograd {theirs[off] * 1e3:.0f} ms, "
              f"minigrad {mine[off] * 1e3:.0f} ms")
    print("\nper-op overhead, elementwise mul of 8 floats (microseconds per op)")
    print(f"  numpy {t_np_op * 1e6:.2f} us | minigrad forward {t_fwd_op * 1e6:.2f} us | "
          f"minigrad backward {t_bwd_op * 1e6:.2f} us")


if __name__ == "__main__":
    main()
