"""bench_engine's workloads on two checkouts of minigrad, in one process, interleaved.

    python -m benchmarks.ab_engine BEFORE [AFTER] [--rounds N] [--workloads op mlp rnn]
                                   [--threads N]

BEFORE and AFTER are repository roots (AFTER: this one), e.g. BEFORE a checkout of main
made with `git worktree add /tmp/before main`. Each root's `minigrad` package is loaded
under a name of its own, and bench_engine's functions run with their `mg` bound to one
copy, then the other (in the order A B B A, round after round), so that both meet the
same machine load. Printed per workload: each copy's median time with its spread over
the rounds, and the median of the per-round ratios AFTER / BEFORE with its spread.
The scalar MLP runs here in the shared process (bench_engine times it in a fresh one):
its absolute time moves with the garbage collector, the ratio much less.
"""
import argparse
import importlib.util
import statistics
import sys
from pathlib import Path

from benchmarks import bench_engine

REPOSITORY = Path(__file__).resolve().parent.parent


def load_minigrad(root, name):
    """The `minigrad` package of the repository at `root`, imported as module `name`."""
    package = Path(root).resolve() / "minigrad"
    spec = importlib.util.spec_from_file_location(
        name, package / "__init__.py", submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def per_op():
    _, forward, backward = bench_engine.bench_op_overhead()
    return {"x * y on 8 floats, forward per op": forward,
            "x * y on 8 floats, backward per op": backward}


def scalar_mlp():
    return {"scalar MLP step (2-16-16-1, 50 points)": bench_engine.time_minigrad_mlp()}


def min_char_rnn():
    rnn, numpy_rnn = bench_engine.bench_min_char_rnn()
    return {"min-char-rnn fwd+bwd+clip / numpy BPTT": rnn / numpy_rnn}


WORKLOADS = {"op": per_op, "mlp": scalar_mlp, "rnn": min_char_rnn}


def measure(mg, workloads):
    """{workload: seconds (a ratio for min-char-rnn)} for one copy of minigrad."""
    bench_engine.mg = mg
    times = {}
    for name in workloads:
        times.update(WORKLOADS[name]())
    return times


UNITS = {"x": (" us", 1e6), "scalar": (" ms", 1e3), "min-char-rnn": ("", 1.0)}


def spread(values, scale=1.0, unit=""):
    values = [v * scale for v in values]
    return (f"{statistics.median(values):.3g}{unit} "
            f"[{min(values):.3g}-{max(values):.3g}]")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after", nargs="?", default=str(REPOSITORY))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS),
                        help="op: x * y per op; mlp: the scalar MLP; rnn: min-char-rnn")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for both copies (one process-wide pool)")
    args = parser.parse_args(argv)
    copies = {"before": load_minigrad(args.before, "minigrad_before"),
              "after": load_minigrad(args.after, "minigrad_after")}
    if args.threads is not None:
        copies["after"].set_num_threads(args.threads)
    runs = {"before": [], "after": []}
    for round_number in range(args.rounds):
        order = ("before", "after") if round_number % 2 == 0 else ("after", "before")
        for label in order + order[::-1]:
            runs[label].append(measure(copies[label], args.workloads))
    print(f"before: {args.before}\nafter:  {args.after}\nBLAS threads: "
          f"{copies['after'].get_num_threads()}\n"
          f"{args.rounds} rounds, each copy measured twice per round (A B B A); "
          f"median [min-max]")
    for workload in runs["before"][0]:
        before = [r[workload] for r in runs["before"]]
        after = [r[workload] for r in runs["after"]]
        unit, scale = UNITS[workload.split(",")[0].split(" ")[0]]
        print(f"\n{workload}\n  before {spread(before, scale, unit)}\n"
              f"  after  {spread(after, scale, unit)}\n"
              f"  after / before {spread([a / b for a, b in zip(after, before)])}")


if __name__ == "__main__":
    main()
