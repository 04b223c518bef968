"""Render every small recurrent picture through the real `dot`: `python -m benchmarks.render_sweep`.

The sweep: RNN, LSTM and GRU with 1 or 2 layers, one or two directions, and the Jordan
RNN; T = 1..12 steps; each detail level (ops, cells, layers); the forward graph, the
backward pass and the paths from the recurrent weight (loss on the last step). Every
picture is piped to SVG; the sweep counts dot failures (any exception), pictures wider
than the page (the SVG's width in points, against `--page` points) and pictures that
dot scaled down to fit the page (their text is smaller), with the smallest scale.

    python -m benchmarks.render_sweep                 # the whole sweep (~1,400 pictures)
    python -m benchmarks.render_sweep --steps 1 4 12  # fewer lengths
    python -m benchmarks.render_sweep --quick         # a small sample

Prints the counts and the wall time of the sweep. Not a timed test: the machine is
shared, so compare runs made one after the other.
"""
import argparse
import re
import sys
import time

import minigrad as mg
from minigrad_apps.demos import build

DETAILS = ("ops", "cells", "layers")
MODES = ("forward", "backward", "highlight")
PAGE_WIDTH = 1200


def configurations(kinds=("rnn", "lstm", "gru", "jordan")):
    """(model name, layers, bidirectional) of every network in the sweep."""
    found = [(kind, layers, bi) for kind in ("rnn", "lstm", "gru") if kind in kinds
             for layers in (1, 2) for bi in (False, True)]
    return found + ([("jordan", 1, False)] if "jordan" in kinds else [])


def recurrent_weight(kind):
    return "jordan.cell.weight_yh" if kind == "jordan" else f"{kind}.weight_hh_l0"


def picture(kind, layers, bidirectional, steps, detail, mode):
    """The SVG text of one picture of the sweep."""
    loss_on = "last" if mode == "highlight" else "all"
    holder, loss = build(kind, steps, hidden=4, layers=layers, bidirectional=bidirectional,
                         loss_on=loss_on)
    options = {"backward": mode == "backward"}
    if mode == "highlight":
        options["highlight"] = recurrent_weight(kind)
    dot = mg.render(loss, detail=detail, modules=holder, **options)
    return dot.pipe(format="svg").decode()


def width_of(svg):
    """(width in points, scale): the picture's width from the SVG's root element, and
    the factor dot scaled it by to fit the page (1.0: full size)."""
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    found = re.search(r'transform="scale\(([\d.]+) ', svg)
    return width, float(found.group(1)) if found else 1.0


def sweep(steps, page=PAGE_WIDTH, out=sys.stdout, kinds=("rnn", "lstm", "gru", "jordan")):
    """Render every case; returns (cases, failures, too wide, scaled, seconds)."""
    cases, failures, wide, scaled = 0, [], [], []
    began = time.perf_counter()
    for kind, layers, bidirectional in configurations(kinds):
        for T in steps:
            for detail in DETAILS:
                for mode in MODES:
                    case = (kind, layers, bidirectional, T, detail, mode)
                    cases += 1
                    try:
                        width, scale = width_of(picture(*case))
                    except Exception as exc:   # noqa: BLE001  (a sweep counts every failure)
                        failures.append((case, f"{type(exc).__name__}: {exc}"[:200]))
                        continue
                    if width > page + 0.5:
                        wide.append((case, width))
                    if scale < 0.999:
                        scaled.append((case, scale))
    seconds = time.perf_counter() - began
    for case, message in failures:
        print("FAILED", case, message, file=out)
    for case, width in wide:
        print(f"WIDER THAN {page} pt", case, f"{width:.0f} pt", file=out)
    for case, scale in scaled:
        print("SCALED", case, f"{scale:.2f}", file=out)
    return cases, failures, wide, scaled, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=list(range(1, 13)))
    parser.add_argument("--quick", action="store_true", help="T = 1, 3, 7 only")
    parser.add_argument("--page", type=float, default=PAGE_WIDTH, help="page width in points")
    parser.add_argument("--models", nargs="+", default=["rnn", "lstm", "gru", "jordan"],
                        choices=["rnn", "lstm", "gru", "jordan"], help="a part of the sweep")
    args = parser.parse_args(argv)
    steps = [1, 3, 7] if args.quick else args.steps
    cases, failures, wide, scaled, seconds = sweep(steps, args.page, kinds=args.models)
    smallest = min((scale for _, scale in scaled), default=1.0)
    print(f"{cases} pictures: {len(failures)} dot failures, {len(wide)} wider than "
          f"{args.page:.0f} pt, {len(scaled)} scaled down to fit (smallest scale "
          f"{smallest:.2f}), {seconds:.1f} s")
    return 1 if failures or wide else 0


if __name__ == "__main__":
    raise SystemExit(main())
