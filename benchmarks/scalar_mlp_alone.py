"""One engine's scalar-MLP step, timed in a process that imports only that engine.

    python -m benchmarks.scalar_mlp_alone minigrad|micrograd

prints {"collector on": seconds, "collector off": seconds} as JSON, or null when the
engine is not installed. `bench_engine` runs it once per engine (see
`bench_scalar_mlp_in_fresh_process` there).
"""
import gc
import json
import sys
import time

from benchmarks.baselines import micrograd_mlp
from benchmarks.timing import best_time


def time_micrograd_mlp():
    """Seconds per scalar-MLP step with micrograd 0.1.0 (ImportError when it is absent)."""
    X, y = micrograd_mlp.make_points(seed=0)
    reference = micrograd_mlp.make_model(seed=0)
    if "minigrad" in sys.modules:
        raise RuntimeError("micrograd must be timed in a process without minigrad")
    return best_time(lambda: micrograd_mlp.micrograd_step(reference, X, y), repeat=5,
                     clock=time.process_time)


def time_minigrad_mlp():
    from benchmarks.bench_engine import time_minigrad_mlp as timer
    return timer()


def collector_off(fn):
    """fn() with Python's cyclic garbage collector disabled (re-enabled afterwards)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return fn()
    finally:
        if was_enabled:
            gc.enable()


TIMERS = {"minigrad": time_minigrad_mlp, "micrograd": time_micrograd_mlp}


def main(engine):
    timer = TIMERS[engine]
    try:
        times = {"collector on": timer(), "collector off": collector_off(timer)}
    except ImportError:
        times = None
    print(json.dumps(times))


if __name__ == "__main__":
    main(sys.argv[1])
