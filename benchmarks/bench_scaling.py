"""How long the graph walks take on long unrolls: capture, path listing, rendering.

    python -m benchmarks.bench_scaling [--scale S]

The tests check that these work at these sizes without recursion; their times live
here. Each is timed once per size (best of 3), at sizes growing by 2x, and the ratio of
consecutive times says whether the cost grows linearly (about 2) or faster.
"""
import sys
import time

import minigrad as mg
import models


def best_of(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def scalar_chain(T):
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(T):
        y = y * 1.0
    return x, y


def tanh_chain(T):
    w = mg.tensor(0.6, requires_grad=True, dtype=mg.float64)
    h = mg.tensor(0.0, dtype=mg.float64)
    for t in range(T):
        h = (w * h + 0.01 * t).tanh()
    return w, h


def lstm_loss(T):
    mg.manual_seed(0)
    lstm = models.LSTM(1, 2)
    out, _ = lstm(mg.randn(T, 1, 1))
    return lstm, out[-1].sum()


def main(argv=()):
    scale = float(argv[argv.index("--scale") + 1]) if "--scale" in argv else 1.0
    rows = []
    for T in (int(50_000 * scale), int(100_000 * scale)):
        _, y = scalar_chain(T)
        rows.append((f"mg.trace of a {T}-step scalar chain", best_of(lambda: mg.trace(y))))
    for T in (int(500 * scale), int(1_000 * scale)):
        w, h = tanh_chain(T)
        rows.append((f"enumerate_paths over {T} steps ({T} paths)",
                     best_of(lambda: mg.bptt.enumerate_paths(h, w), repeat=1)))
    for T in (int(500 * scale), int(1_000 * scale)):
        lstm, loss = lstm_loss(T)
        rows.append((f"mg.render(highlight=weight_hh_l0) of an LSTM, T={T}",
                     best_of(lambda: mg.render(loss, highlight=lstm.weight_hh_l0,
                                               modules=lstm).source, repeat=1)))
    width = max(len(name) for name, _ in rows)
    previous = None
    for name, seconds in rows:
        ratio = "" if previous is None or previous[0].split(" ")[0] != name.split(" ")[0] \
            else f"   x{seconds / previous[1]:.2f} for 2x the size"
        print(f"{name:<{width}}  {seconds:7.2f} s{ratio}")
        previous = (name, seconds)


if __name__ == "__main__":
    main(sys.argv[1:])
