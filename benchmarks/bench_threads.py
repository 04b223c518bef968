"""BLAS threads: 1 against 2, on the machine as it is and beside one busy process.

The measurements behind minigrad's default thread count (minigrad/threads.py,
README "Threads"). Each workload runs at 1 and at 2 BLAS threads (mg.set_num_threads),
"idle" (the machine as it is: its load is measured and printed) and "busy" (this script
starts one process spinning a core, a Python busy loop), in rounds whose order is
reversed every other round. A sample is the wall time of a block of calls (~0.25 s
at 1 thread); the table gives, per workload and load, the median sample at each
thread count with its spread (min-max over the rounds), the per-round ratio
2 threads / 1 thread (median and min-max), and the cores the rest of the machine kept
busy meanwhile (from /proc/stat, less this process and its busy helper).

Workloads (float32):
- char_lm epoch: one epoch of `minigrad train char_lm` (LSTM h=128 on 32 streams,
  truncated BPTT in chunks of 32 characters, Adam, clipping): 43 updates.
- LSTM / GRU W1: one layer, T=50, N=32, 64 -> 128, last h -> Linear(10) -> MSE,
  forward + backward.
- LSTM H=512: the same with 64 -> 512.
- numpy LSTM W1 / H=512: the hand-written numpy LSTM of benchmarks/baselines, the
  same work without minigrad.
With `--cli-rounds R` (needs the `minigrad` command beside this Python), also the
whole `minigrad train char_lm --epochs E --threads n` in a subprocess, R rounds
(E: `--cli-epochs`, 6 as in issue 12; `--rounds 0` skips the workloads above).

Run from the repository root:
    python -m benchmarks.bench_threads [--rounds 5] [--cli-rounds 3 [--cli-epochs 6]]
                                       [--only idle|busy]
"""
import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import minigrad as mg
from benchmarks.baselines import lstm_numpy

THREADS = (1, 2)
SAMPLE_SECONDS = 0.25
TICKS = os.sysconf("SC_CLK_TCK")
BUSY_LOOP = "while True: pass"


# ------------------------------------------------------------------ workloads

def recurrent_step(kind, hidden_size):
    """Forward + backward of one layer of `kind` at W1's shape, with `hidden_size`."""
    import models
    mg.manual_seed(0)
    layer = getattr(models, kind)(64, hidden_size).float()
    head = mg.nn.Linear(hidden_size, 10).float()
    x_np, y_np = lstm_numpy.make_batch(seed=0)
    x, y = mg.tensor(x_np), mg.tensor(y_np)

    def step():
        layer.zero_grad()
        head.zero_grad()
        _, state = layer(x)
        h_n = state[0] if isinstance(state, tuple) else state
        mg.nn.functional.mse_loss(head(h_n[0]), y).backward()
    return step


def numpy_lstm_step(hidden_size):
    raw = lstm_numpy.make_params(seed=0, hidden_size=hidden_size)
    x, y = lstm_numpy.make_batch(seed=0)
    return lambda: lstm_numpy.loss_and_grads(raw, x, y)


def char_lm_epoch():
    """One epoch of the char_lm task's default training, as `minigrad train` runs it."""
    from minigrad.data import Vocabulary, char_tokenize, load_text
    from minigrad.train import bits_per_character, fit, sequence_cross_entropy
    from minigrad_apps.tasks.char_lm import streams
    from models.architectures import SequenceGenerator
    mg.manual_seed(0)
    text = load_text("tinyshakespeare")
    vocab = Vocabulary.fit([char_tokenize(text)], pad_token=None, unk_token=None)
    ids = vocab.encode(char_tokenize(text))
    train = [streams(ids[:int(0.9 * len(ids))], 32)]
    model = SequenceGenerator(len(vocab), 32, 128, rnn="lstm")
    optimizer = mg.optim.Adam(model.parameters(), lr=2e-3)
    return lambda: fit(model, sequence_cross_entropy, optimizer, train, epochs=1, tbptt=32,
                       clip_grad_norm=5.0, metrics={"bpc": bits_per_character},
                       progress=False)


WORKLOADS = {
    "char_lm epoch": char_lm_epoch,
    "LSTM W1 (H=128)": lambda: recurrent_step("LSTM", 128),
    "GRU W1 (H=128)": lambda: recurrent_step("GRU", 128),
    "LSTM H=512": lambda: recurrent_step("LSTM", 512),
    "numpy LSTM W1": lambda: numpy_lstm_step(128),
    "numpy LSTM H=512": lambda: numpy_lstm_step(512),
}


# ------------------------------------------------------------------ load

def machine_busy_seconds():
    """CPU seconds all cores have spent not idle since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def process_seconds(pid):
    """CPU seconds (user + system) of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


@contextlib.contextmanager
def busy_process():
    """One other process keeping a core busy; yields its pid."""
    helper = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        time.sleep(0.2)  # let it start spinning
        yield helper.pid
    finally:
        helper.kill()
        helper.wait()


def timed(fn, number, helper_pid=None):
    """(wall seconds per call, cores kept busy by the rest of the machine meanwhile)."""
    def helper_seconds():
        return process_seconds(helper_pid) if helper_pid else 0.0
    busy0, own0, help0, start = (machine_busy_seconds(), time.process_time(),
                                 helper_seconds(), time.perf_counter())
    for _ in range(number):
        fn()
    wall = time.perf_counter() - start
    others = (machine_busy_seconds() - busy0) - (time.process_time() - own0) \
        - (helper_seconds() - help0)
    return wall / number, max(others, 0.0) / wall


# ------------------------------------------------------------------ rounds

def calibrate(steps):
    """Calls per sample, so that a sample at 1 thread takes about SAMPLE_SECONDS."""
    mg.set_num_threads(1)
    numbers = {}
    for name, step in steps.items():
        step()  # warm-up (caches, allocator, lazy imports)
        start = time.perf_counter()
        step()
        numbers[name] = max(1, round(SAMPLE_SECONDS / (time.perf_counter() - start)))
    return numbers


def run_rounds(steps, numbers, rounds, loads):
    """samples[(workload, load, threads)] = [(seconds per call, others' cores), ...]."""
    samples, load_averages = {}, []
    conditions = [(load, n) for load in loads for n in THREADS]
    for r in range(rounds):
        order = conditions if r % 2 == 0 else conditions[::-1]
        before = load_average()
        for load, group in grouped(order):
            with (busy_process() if load == "busy" else contextlib.nullcontext()) as pid:
                for n in group:
                    mg.set_num_threads(n)
                    for name, step in steps.items():
                        samples.setdefault((name, load, n), []).append(
                            timed(step, numbers[name], pid))
        load_averages.append((before, load_average()))
        print(f"round {r + 1}/{rounds}: load average {before:.2f} -> {load_averages[-1][1]:.2f}",
              file=sys.stderr, flush=True)
    return samples, load_averages


def grouped(order):
    """[(load, n), ...] -> [(load, [n, ...]), ...], consecutive equal loads together."""
    groups = []
    for load, n in order:
        if groups and groups[-1][0] == load:
            groups[-1][1].append(n)
        else:
            groups.append((load, [n]))
    return groups


def number(value):
    """3 significant digits, without an exponent: 0.123, 12.3, 1234."""
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def spread(values, scale=1.0, fmt=number):
    """'median [min-max]' of `values` times `scale`."""
    values = [v * scale for v in values]
    return f"{fmt(statistics.median(values))} [{fmt(min(values))}-{fmt(max(values))}]"


def ratio(value):
    return f"{value:.2f}"


def report(samples, loads):
    print("median [min-max] over rounds; ratio = 2 threads / 1 thread, per round; "
          "others = cores busy outside this benchmark")
    header = f"{'workload':<18} {'load':<5} {'1 thread ms':>22} {'2 threads ms':>22} " \
             f"{'ratio 2t/1t':>20} {'others (cores)':>18}"
    print(header)
    print("-" * len(header))
    for name in WORKLOADS:
        for load in loads:
            one = [s for s, _ in samples[(name, load, 1)]]
            two = [s for s, _ in samples[(name, load, 2)]]
            others = [o for n in THREADS for _, o in samples[(name, load, n)]]
            ratios = [b / a for a, b in zip(one, two)]
            print(f"{name:<18} {load:<5} {spread(one, 1e3):>22} {spread(two, 1e3):>22} "
                  f"{spread(ratios, fmt=ratio):>20} {spread(others, fmt=ratio):>18}")


def cli_rounds(rounds, loads, epochs=6):
    """Wall seconds of `minigrad train char_lm --epochs E --threads n`, interleaved."""
    command = os.path.join(os.path.dirname(sys.executable), "minigrad")
    times = {}
    conditions = [(load, n) for load in loads for n in THREADS]
    for r in range(rounds):
        for load, n in (conditions if r % 2 == 0 else conditions[::-1]):
            with (busy_process() if load == "busy" else contextlib.nullcontext()):
                start = time.perf_counter()
                subprocess.run([command, "train", "char_lm", "--epochs", str(epochs), "--threads",
                                str(n), "--quiet"], check=True, stdout=subprocess.DEVNULL)
                times.setdefault((load, n), []).append(time.perf_counter() - start)
        print(f"cli round {r + 1}/{rounds}: load average {load_average():.2f}", file=sys.stderr,
              flush=True)
    print(f"\n`minigrad train char_lm --epochs {epochs} --threads n`, wall seconds, "
          "median [min-max]")
    for load in loads:
        one, two = times[(load, 1)], times[(load, 2)]
        print(f"{load:<5} 1 thread {spread(one)}   2 threads {spread(two)}   "
              f"ratio 2t/1t {spread([b / a for a, b in zip(one, two)], fmt=ratio)}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_threads")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cli-rounds", type=int, default=0)
    parser.add_argument("--cli-epochs", type=int, default=6)
    parser.add_argument("--only", choices=("idle", "busy"), default=None)
    args = parser.parse_args(argv)
    loads = (args.only,) if args.only else ("idle", "busy")
    print(f"{os.cpu_count()} cores, numpy {np.__version__}, BLAS pool at start: "
          f"{mg.get_num_threads()} threads; load average {load_average():.2f}")
    if args.rounds:
        steps = {name: make() for name, make in WORKLOADS.items()}
        numbers = calibrate(steps)
        print("calls per sample: " + ", ".join(f"{k} {v}" for k, v in numbers.items()))
        samples, load_averages = run_rounds(steps, numbers, args.rounds, loads)
        print("load average (1 min) at the start and end of each round: " + ", ".join(
            f"{a:.2f}->{b:.2f}" for a, b in load_averages))
        report(samples, loads)
    if args.cli_rounds:
        cli_rounds(args.cli_rounds, loads, args.cli_epochs)


if __name__ == "__main__":
    main()
