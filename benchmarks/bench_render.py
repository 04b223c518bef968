"""Render timings: `python -m benchmarks.bench_render`.

Targets: LSTM of 100 steps at detail="cells" to SVG <= 2 s; LSTM of 10 steps at
detail="ops" to SVG <= 2 s. Each time covers trace + layout + `dot` (the model's
forward pass is outside the timed call).
"""
from benchmarks.timing import best_time, format_seconds

import minigrad as mg
from minigrad_apps.demos import build

CASES = [("lstm", 100, "cells", 2.0), ("lstm", 10, "ops", 2.0), ("bilstm", 100, "cells", None),
         ("lstm", 100, "ops", None), ("rnn", 30, "ops", None)]


def main():
    failed = False
    for model, steps, detail, target in CASES:
        holder, loss = build(model, steps)
        seconds = best_time(lambda: mg.render(loss, detail=detail, modules=holder)
                            .pipe(format="svg"), repeat=3)
        verdict = "" if target is None else ("  ok" if seconds <= target else "  SLOWER THAN TARGET")
        failed |= target is not None and seconds > target
        print(f"{model:7s} T={steps:<4d} detail={detail:6s} {format_seconds(seconds):>10s}"
              + ("" if target is None else f"  (target {target:.0f} s){verdict}"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
