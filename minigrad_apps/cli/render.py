"""`minigrad render MODEL --steps N --out FILE.svg`: draw a model's unrolled graph."""
import os
import sys

from ..demos import MODEL_NAMES
from .arguments import (RENDER_MAX_HIDDEN, RENDER_MAX_LAYERS, RENDER_MAX_NODES,
                        RENDER_MAX_STEPS, int_in)


def register(subparsers):
    parser = subparsers.add_parser(
        "render", help="draw the unrolled graph of a small recurrent model",
        description="Draw the computation graph of a small recurrent model, unrolled "
                    "through time, with Graphviz (SVG, PNG or PDF by the file extension).")
    parser.add_argument("model", choices=MODEL_NAMES, help="which model")
    parser.add_argument("--steps", type=int_in(1, RENDER_MAX_STEPS), required=True,
                        help=f"sequence length (1 to {RENDER_MAX_STEPS})")
    add_model_options(parser)
    parser.add_argument("--detail", choices=("ops", "cells", "layers"), default="cells",
                        help="one node per op, per cell and time step, or per layer "
                             "(default: cells)")
    parser.add_argument("--highlight", metavar="PARAM",
                        help="a parameter name (e.g. weight_hh_l0): draw its paths to the loss")
    parser.add_argument("--backward", action="store_true", help="draw the backward pass")
    parser.add_argument("--loss-on", choices=("last", "all"), default=None,
                        help="the loss reads the output of the last step only, or of every "
                             "step (default: last with --highlight, where the paths then "
                             "show the gradient fading towards early steps; else all)")
    parser.add_argument("--width", type=page_width, default=1200, metavar="POINTS",
                        help="page width in points: a longer unroll wraps onto more rows "
                             "(default: 1200; 0: one long strip)")
    parser.add_argument("--max-nodes", type=int_in(10, RENDER_MAX_NODES), default=None,
                        help="fold the middle time steps of larger graphs into one node "
                             f"(10 to {RENDER_MAX_NODES})")
    parser.add_argument("--out", required=True, help="output file: .svg, .png or .pdf")
    parser.set_defaults(func=run)


def add_model_options(parser):
    """The options of a demonstration model's size: --hidden, --layers, --bidirectional."""
    parser.add_argument("--hidden", type=int_in(1, RENDER_MAX_HIDDEN), default=4,
                        help=f"hidden size (1 to {RENDER_MAX_HIDDEN}, default: 4)")
    parser.add_argument("--layers", type=int_in(1, RENDER_MAX_LAYERS), default=1,
                        help=f"stacked layers (1 to {RENDER_MAX_LAYERS}, default: 1)")
    parser.add_argument("--bidirectional", action="store_true",
                        help="run the sequence both ways (rnn, lstm, gru)")


def page_width(text):
    """An argparse `type`: 0 (one long strip) or a page width of at least 200 points."""
    import argparse
    value = int_in(0)(text)
    if 0 < value < 200:
        raise argparse.ArgumentTypeError(f"must be 0 (one long strip) or at least 200, got "
                                         f"{value}")
    return value


def report_cannot_write(command, path, exc):
    """Say on stderr that `minigrad COMMAND` cannot write `path` (exc: the OSError)."""
    print(f"minigrad {command}: error: cannot write {path!r}: {exc.strerror}", file=sys.stderr)


def output_format(path):
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension not in ("svg", "png", "pdf"):
        raise ValueError(f"--out must end in .svg, .png or .pdf, got {path!r}")
    return extension


def full_param_name(holder, short, option="--highlight"):
    """'weight_hh_l0' -> 'lstm.weight_hh_l0', 'weight_yh' -> 'jordan.cell.weight_yh': the
    full dotted name, or any tail of it that names one parameter only."""
    names = [name for name, _ in holder.named_parameters()]
    matches = [name for name in names if name == short or name.endswith("." + short)]
    if len(matches) == 1:
        return matches[0]
    shown = ", ".join(n.split(".", 1)[-1] for n in names)
    if matches:
        raise ValueError(f"{option}: {short!r} names {len(matches)} parameters "
                         f"({', '.join(matches)}); give more of the name. Choose from {shown}")
    raise ValueError(f"{option}: no parameter {short!r}; choose from {shown}")


def write(dot, path):
    """Write the Digraph to `path`; exit status 3 with a hint if `dot` is missing, 4 with
    the RenderError's advice if dot fails on the graph."""
    import graphviz

    from minigrad.viz.drawing import RenderError
    try:
        data = dot.pipe(format=output_format(path))
    except graphviz.ExecutableNotFound:
        print("minigrad: the Graphviz program 'dot' was not found on PATH. Install it, "
              "e.g. on Debian/Ubuntu: apt-get install graphviz", file=sys.stderr)
        return 3
    except RenderError as exc:
        print(f"minigrad {exc}", file=sys.stderr)
        return 4
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        report_cannot_write("render", path, exc)
        return 2
    return 0


def run(args):
    from ..demos import build
    from minigrad.viz.fit import DEFAULT_MAX_NODES
    from minigrad.viz.render import render
    try:
        output_format(args.out)
        loss_on = args.loss_on or ("last" if args.highlight else "all")
        holder, loss = build(args.model, args.steps, args.hidden, args.layers, args.bidirectional,
                             loss_on=loss_on)
        highlight = None if args.highlight is None else full_param_name(holder, args.highlight)
    except ValueError as exc:
        print(f"minigrad render: error: {exc}", file=sys.stderr)
        return 2
    dot = render(loss, detail=args.detail, highlight=highlight, backward=args.backward,
                 max_nodes=args.max_nodes or DEFAULT_MAX_NODES, modules=holder,
                 width=args.width or None,
                 title=f"{args.model} | {args.steps} steps | detail={args.detail} | loss on "
                       f"{'the last step' if loss_on == 'last' else 'every step'}"
                       + (f" | paths from {highlight}" if highlight else "")
                       + (" | backward" if args.backward else ""))
    status = write(dot, args.out)
    if status == 0:
        print(f"wrote {args.out}")
    return status
