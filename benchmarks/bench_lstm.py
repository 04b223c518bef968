"""Recurrent layers, many-to-one: naive numpy vs minigrad vs the fused kernel (and torch).

Workload (benchmarks/README.md; baselines/lstm_numpy.py, gru_numpy.py, rnn_numpy.py):
one layer, time-major input (T, N, H_in), float32, h_0 = 0, the last hidden state ->
Linear(10) -> MSE (mean), forward + complete backward (every parameter's gradient), no
optimizer step. Sizes: w1 (T=50, N=32, 64 -> 128), long (T=200), wide (H=512).

Method: every system runs at the same thread count (numpy's BLAS through threadpoolctl,
torch through torch.set_num_threads), in interleaved rounds (A B C ..., then ... C B A),
after a check that it computes the baseline's loss and gradients. Before each system's
turn the process sleeps --pause seconds (0.2): OpenBLAS's worker threads spin for about
0.1 s after their last job, and at 2 threads on 2 cores they took a core from whatever
ran next (torch's nn.GRU measured 1.7x slower right after numpy than alone). Each row gives the
median time per iteration with its min-max over the rounds, and the ratio of medians
to naive numpy with the min-max of the per-round ratios.

Run from the repository root:
    python -m benchmarks.bench_lstm                          # lstm, gru, rnn at w1
    python -m benchmarks.bench_lstm --model lstm --size all  # w1, long, wide
    python -m benchmarks.bench_lstm --threads 1 --rounds 21  # CPU time, see --clock
`--floor` adds two LSTM rows (the numpy forward alone, and minigrad's VJP calls of one
backward replayed without the engine); `--profile` prints a cProfile of minigrad's step.
"""
import argparse
import sys
import time
from collections import namedtuple

import numpy as np

import minigrad as mg
from benchmarks.baselines import gru_numpy, lstm_numpy, rnn_numpy
from benchmarks.baselines.many_to_one import head_backward
from benchmarks.timing import format_spread_table, interleaved_times, spread_rows
from models import GRU, LSTM, RNN
from models import fused_kernels

BASELINES = {"lstm": lstm_numpy, "gru": gru_numpy, "rnn": rnn_numpy}
LAYERS = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
TITLES = {"lstm": "LSTM", "gru": "GRU", "rnn": "tanh RNN"}
SIZES = {"w1": dict(T=50, N=32, H_in=64, H=128),
         "long": dict(T=200, N=32, H_in=64, H=128),
         "wide": dict(T=50, N=32, H_in=64, H=512)}
LAYER_PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

# step(): one iteration; result(): (loss, grads by the baseline's names) of the last one
System = namedtuple("System", "step result")


# --------------------------------------------------------------- the systems
def naive_numpy(model, raw, x, y):
    """The hand-written per-step BPTT of baselines/<model>_numpy.py."""
    last = {}

    def step():
        last["out"] = BASELINES[model].loss_and_grads(raw, x, y)
    return System(step, lambda: last["out"])


def make_minigrad_model(raw, model="lstm"):
    """models.LSTM / GRU / RNN plus head parameters holding the baseline's values."""
    layer = LAYERS[model](raw["weight_ih"].shape[1], raw["weight_hh"].shape[1]).float()
    layer.load_state_dict({f"{k}_l0": raw[k] for k in LAYER_PARAMS})
    return layer, mg.nn.Parameter(raw["head.weight"]), mg.nn.Parameter(raw["head.bias"])


def minigrad_step(layer, head_w, head_b, x, y):
    """Forward + backward of the workload; returns the loss tensor."""
    layer.zero_grad()
    head_w.grad = head_b.grad = None
    _, h_n = layer(x)
    h_n = h_n[0] if isinstance(h_n, tuple) else h_n  # the LSTM's (h_n, c_n)
    diff = h_n[0] @ head_w.T + head_b - y
    loss = (diff * diff).mean()
    loss.backward()
    return loss


def minigrad_fused(model, raw, x, y):
    """models.LSTM / GRU / RNN as they run by default: one fused op per layer-direction
    (models/fused.py)."""
    return _minigrad_system(model, raw, x, y, unrolled=False)


def minigrad_unrolled(model, raw, x, y):
    """The same layer under mg.unrolled(): the unroll loop, one recorded op per gate op."""
    return _minigrad_system(model, raw, x, y, unrolled=True)


def _minigrad_system(model, raw, x, y, unrolled):
    layer, head_w, head_b = make_minigrad_model(raw, model)
    xt, yt = mg.tensor(x), mg.tensor(y)
    last = {}

    def step():
        with mg.unrolled(unrolled):
            last["loss"] = minigrad_step(layer, head_w, head_b, xt, yt)

    def result():
        grads = {k: getattr(layer, f"{k}_l0").grad.data for k in LAYER_PARAMS}
        grads["head.weight"], grads["head.bias"] = head_w.grad.data, head_b.grad.data
        return last["loss"].item(), grads
    return System(step, result)


def fused_kernel_alone(model, raw, x, y):
    """models/fused_kernels.py forward + backward, and the same head and loss in numpy:
    what a layer built on the kernel can reach, without the engine around it."""
    params = {"w_ih": raw["weight_ih"], "w_hh": raw["weight_hh"],
              "b_ih": raw["bias_ih"], "b_hh": raw["bias_hh"]}
    names = {"w_ih": "weight_ih", "w_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}
    N, H = x.shape[1], raw["weight_hh"].shape[1]
    parts = 2 if model == "lstm" else 1
    last = {}

    def step():
        state0 = (np.zeros((N, H), x.dtype),) * parts
        states, saved = fused_kernels.forward(model, x, state0, params)
        grads = {"head.weight": np.zeros_like(raw["head.weight"]),
                 "head.bias": np.zeros_like(raw["head.bias"])}
        loss, d_h = head_backward(raw, states[-1, :, :H], y, grads)
        g_states = np.zeros_like(states)
        g_states[-1, :, :H] = d_h
        for short, g in fused_kernels.backward(model, g_states, saved, needs=names).items():
            grads[names[short]] = g
        last["out"] = loss, grads
    return System(step, lambda: last["out"])


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_fused(model, raw, x, y):
    """torch.nn.LSTM / GRU / RNN (PyTorch's own fused CPU kernels) and nn.Linear."""
    torch = _torch()
    if torch is None:
        return None
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[model](
        x.shape[2], raw["weight_hh"].shape[1])
    head = torch.nn.Linear(raw["head.weight"].shape[1], raw["head.weight"].shape[0])
    with torch.no_grad():
        for k in LAYER_PARAMS:
            getattr(layer, f"{k}_l0").copy_(torch.from_numpy(raw[k]))
        head.weight.copy_(torch.from_numpy(raw["head.weight"]))
        head.bias.copy_(torch.from_numpy(raw["head.bias"]))
    last = {}

    def step():
        layer.zero_grad()
        head.zero_grad()
        _, h_n = layer(xt)
        h_n = h_n[0] if isinstance(h_n, tuple) else h_n
        loss = torch.nn.functional.mse_loss(head(h_n[0]), yt)
        loss.backward()
        last["loss"] = loss

    def result():
        grads = {k: getattr(layer, f"{k}_l0").grad.numpy() for k in LAYER_PARAMS}
        grads["head.weight"], grads["head.bias"] = head.weight.grad.numpy(), head.bias.grad.numpy()
        return last["loss"].item(), grads
    return System(step, result)


def _torch_cell(model, torch, p, x_t, h, c):
    """One step written with torch's elementary ops."""
    gi = x_t @ p["weight_ih"].T + p["bias_ih"]
    gh = h @ p["weight_hh"].T + p["bias_hh"]
    if model == "rnn":
        return (gi + gh).tanh(), None
    if model == "gru":
        r, z, n = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r, z = (r + hr).sigmoid(), (z + hz).sigmoid()
        n = (n + r * hn).tanh()
        return (1 - z) * n + z * h, None
    i, f, g, o = (gi + gh).chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def torch_elementary(model, raw, x, y):
    """The same layer written with torch's elementary ops (autograd records each)."""
    torch = _torch()
    if torch is None:
        return None
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in raw.items()}
    H = raw["weight_hh"].shape[1]
    last = {}

    def step():
        for v in p.values():
            v.grad = None
        h = c = torch.zeros(x.shape[1], H)
        for t in range(x.shape[0]):
            h, c = _torch_cell(model, torch, p, xt[t], h, c)
        out = h @ p["head.weight"].T + p["head.bias"]
        loss = ((out - yt) ** 2).mean()
        loss.backward()
        last["loss"] = loss

    return System(step, lambda: (last["loss"].item(),
                                 {k: v.grad.numpy() for k, v in p.items()}))


# The rows, in order: (label, maker(model, raw, x, y) -> System or None when it cannot
# run here). The baseline comes first; adding a system is adding one entry.
SYSTEMS = [
    ("naive numpy", naive_numpy),
    ("minigrad fused (default)", minigrad_fused),
    ("minigrad unrolled", minigrad_unrolled),
    ("fused kernel alone", fused_kernel_alone),
    ("torch fused nn.{Model}", torch_fused),
    ("torch elementary ops", torch_elementary),
]


# ------------------------------------------------ --floor rows (LSTM only)
def numpy_forward_alone(model, raw, x, y):
    return System(lambda: BASELINES[model].forward(raw, x), None)


def vjp_replay(model, raw, x, y):
    """minigrad's VJP calls of one backward, recorded once, then replayed without the
    engine: the numpy work (and the VJPs' own Python) that this choice of ops costs."""
    from minigrad.registry import PRIMITIVES
    layer, head_w, head_b = make_minigrad_model(raw, model)
    calls, saved = [], {}

    def recording(fn):
        def call(*args, **attrs):   # a VJP's arguments include `wanted` (registry.py)
            calls.append((fn, args, attrs))
            return fn(*args, **attrs)
        return call

    for prim in PRIMITIVES.values():
        saved[prim] = prim.vjp, prim.vjp_into
        prim.vjp = prim.vjp and recording(prim.vjp)
        prim.vjp_into = prim.vjp_into and recording(prim.vjp_into)
    try:
        minigrad_step(layer, head_w, head_b, mg.tensor(x), mg.tensor(y))
    finally:
        for prim, (vjp, vjp_into) in saved.items():
            prim.vjp, prim.vjp_into = vjp, vjp_into

    def replay():
        for fn, args, attrs in calls:
            fn(*args, **attrs)
    return System(replay, None)


FLOOR = [("numpy forward alone", numpy_forward_alone),
         ("minigrad's VJP calls replayed alone", vjp_replay)]


# ------------------------------------------------------------------ running
def check_same_workload(name, system, reference):
    """The system computes the baseline's loss and gradients (float32 tolerances)."""
    loss, grads = system.result()
    ref_loss, ref_grads = reference
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-4, err_msg=name)
    for k, g in ref_grads.items():
        np.testing.assert_allclose(grads[k], g, rtol=2e-3, atol=1e-5, err_msg=f"{name}: {k}")


def subnormal_note(model, raw, x, y):
    """A note when the backward's gradients reach float32's subnormal range.

    Over many steps the gradient reaching early states vanishes; below the smallest
    normal float32 (1.2e-38) every multiply on it is a subnormal operation, many times
    slower on x86, for every system alike. Measured on d loss / d h_0 (fused kernel).
    """
    N, H = x.shape[1], raw["weight_hh"].shape[1]
    params = {"w_ih": raw["weight_ih"], "w_hh": raw["weight_hh"],
              "b_ih": raw["bias_ih"], "b_hh": raw["bias_hh"]}
    state0 = (np.zeros((N, H), x.dtype),) * (2 if model == "lstm" else 1)
    states, saved = fused_kernels.forward(model, x, state0, params)
    g_states = np.zeros_like(states)
    g_states[-1, :, :H] = head_backward(raw, states[-1, :, :H], y, {
        "head.weight": np.zeros_like(raw["head.weight"]),
        "head.bias": np.zeros_like(raw["head.bias"])})[1]
    g_h0 = np.abs(fused_kernels.backward(model, g_states, saved, needs={"h0"})["h0"]).max()
    tiny = np.finfo(x.dtype).tiny
    if g_h0 >= tiny:
        return None
    return (f"note: the gradient falls below float32's smallest normal number on its way "
            f"to step 0 (max |d loss / d h_0| = {g_h0:.1e} < {tiny:.1e}); the steps where "
            f"it is subnormal are slow for every system and dominate these backward passes")


def calls_per_round(step, target=0.1):
    """Calls of `step` that take about `target` seconds (at least 1), from one timed call."""
    start = time.perf_counter()
    step()
    return max(1, round(target / max(time.perf_counter() - start, 1e-9)))


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def run(model, size, rounds, pause, clock, floor=False):
    """Time every system on one model and size; print the table."""
    dims = SIZES[size]
    baseline = BASELINES[model]
    raw = baseline.make_params(seed=0, input_size=dims["H_in"], hidden_size=dims["H"])
    x, y = baseline.make_batch(seed=0, batch=dims["N"], T=dims["T"], input_size=dims["H_in"])
    systems = {}
    for label, make in SYSTEMS + (FLOOR if floor and model == "lstm" else []):
        system = make(model, raw, x, y)
        if system is not None:
            systems[label.format(Model=model.upper())] = system
    names = list(systems)
    systems[names[0]].step()
    reference = systems[names[0]].result()
    for name, system in systems.items():
        if system.result is not None:
            system.step()
            check_same_workload(name, system, reference)
    fns = {name: system.step for name, system in systems.items()}
    number = {name: calls_per_round(fn) for name, fn in fns.items()}
    times = interleaved_times(fns, rounds=rounds, number=number, pause=pause,
                              clock=CLOCKS[clock])
    print(f"{TITLES[model]} many-to-one, {size}: T={dims['T']} N={dims['N']} "
          f"H_in={dims['H_in']} H={dims['H']} float32, forward + backward")
    print(format_spread_table(spread_rows(times, names[0]), "vs naive numpy"))
    note = subnormal_note(model, raw, x, y)
    if note:
        print(note)
    print()


def thread_report(threads):
    from threadpoolctl import threadpool_info
    blas = ", ".join(f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info()
                     if i["user_api"] == "blas")
    torch = _torch()
    torch_text = f"; torch {torch.get_num_threads()}" if torch is not None else ""
    return f"{threads} thread(s) each: numpy BLAS ({blas}){torch_text}"


def main(argv=()):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_lstm",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=list(BASELINES) + ["all"], default="all")
    parser.add_argument("--size", choices=list(SIZES) + ["all"], default="w1")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for numpy's BLAS and for torch (default 2)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pause", type=float, default=0.2,
                        help="seconds of sleep before each system's turn (default 0.2), so "
                             "that the BLAS threads the previous one left spinning sleep")
    parser.add_argument("--clock", choices=list(CLOCKS),
                        help="wall (default) or cpu: this process's CPU time, which other "
                             "load disturbs far less (default with --threads 1, where "
                             "every system runs on this one thread)")
    parser.add_argument("--floor", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(list(argv))
    clock = args.clock or ("cpu" if args.threads == 1 else "wall")
    from threadpoolctl import threadpool_limits
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(args.threads)
    models = list(BASELINES) if args.model == "all" else [args.model]
    sizes = list(SIZES) if args.size == "all" else [args.size]
    with threadpool_limits(limits=args.threads, user_api="blas"):
        print(f"{thread_report(args.threads)}; {clock} clock; {args.rounds} interleaved "
              f"rounds (order reversed every other round, {args.pause} s pause before each "
              f"turn); median per iteration [min - max]")
        print()
        if args.profile:
            profile(models[0])
        for model in models:
            for size in sizes:
                run(model, size, args.rounds, args.pause, clock, args.floor)
    kept = ", ".join(f"{k}={v >> 20} MB" for k, v in mg.heap.settings.items())
    print(f"malloc: {kept or 'left as it was'} (minigrad/heap.py; every system runs in this "
          f"process, so all have the same settings)")


def profile(model):
    import cProfile
    import pstats
    raw = BASELINES[model].make_params(seed=0)
    x, y = BASELINES[model].make_batch(seed=0)
    system = minigrad_unrolled(model, raw, x, y)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        system.step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main(sys.argv[1:])
