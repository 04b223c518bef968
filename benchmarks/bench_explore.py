"""Explorer page sizes and build times: `python -m benchmarks.bench_explore`.

For an LSTM (hidden 4, as `minigrad explore` draws it) of 12, 50 and 100 steps, and one of
50 steps with hidden 16: the page's bytes (and how much of them are the SVG pictures), and
the time `mg.explore` takes, median and spread of 5 runs, interleaved in one process with
`mg.render(loss, detail="cells").pipe(format="svg")` of the same graph, and their ratio
(the machine is shared: the ratio is what to compare, not the seconds).
"""
import statistics
import time

import minigrad as mg
from minigrad_apps.demos import demo

CASES = [("lstm", 12, 4), ("lstm", 50, 4), ("lstm", 100, 4), ("lstm", 50, 16)]
ROUNDS = 5


def page_of(run):
    step_outputs = (run.out * run.out).mean(axis=-1)
    return mg.explore(run.loss, modules=run.holder, step_outputs=step_outputs,
                      step_inputs=run.x)


def main():
    print(f"{'model':6s} {'T':>4s} {'H':>3s} {'page bytes':>12s} {'of it SVG':>10s} "
          f"{'explore s':>16s} {'render s':>16s} {'ratio':>6s}")
    for model, steps, hidden in CASES:
        run = demo(model, steps, hidden=hidden, loss_on="last", input_grad=True)
        page = page_of(run)
        svg = sum(len(view["svg"].encode()) for view in page.data["views"].values())
        explore_times, render_times = [], []
        for _ in range(ROUNDS):   # interleaved: both see the same load
            start = time.perf_counter()
            page_of(run)
            explore_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            mg.render(run.loss, detail="cells", modules=run.holder).pipe(format="svg")
            render_times.append(time.perf_counter() - start)
        size = len(page.html.encode())
        e, r = statistics.median(explore_times), statistics.median(render_times)
        print(f"{model:6s} {steps:4d} {hidden:3d} {size:12,d} {svg / size:9.0%} "
              f"{e:7.2f} ({min(explore_times):.2f}-{max(explore_times):.2f}) "
              f"{r:7.2f} ({min(render_times):.2f}-{max(render_times):.2f}) {e / r:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
