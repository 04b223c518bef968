"""`minigrad bptt MODEL --steps N --out FILE`: the chart of vanishing (or exploding)
gradients through time, or (`--view connectivity`) of how far back each output reaches.

The default view plots ||dL/dh_t|| for t = 0..N-1 (loss on the last hidden state) of
the chosen model, or of RNN, LSTM and GRU together with `all`, as .svg, .png or .pdf.
`--view connectivity` draws instead the N x N matrix ||d y_t / d x_s|| of the output
y_t = v . h_t at every step (v a fixed random readout) with respect to every input
x_s, one heatmap per model (`mg.bptt.connectivity`): zero above the diagonal, unless
`--bidirectional`. Options set what makes the gradient vanish or explode:
`--forget-bias B` (the LSTM's forget gate), `--nonlinearity relu` (the RNN),
`--init-whh` and `--scale-whh S [S ...]` (the recurrent weights; several values give
one line, or one heatmap, each). The chart's title and line names say which settings it
shows, and nothing it does not show.
"""
import sys

from .arguments import (BPTT_MAX_HIDDEN, BPTT_MAX_SCALES, BPTT_MAX_STEPS,
                        CONNECTIVITY_MAX_STEPS, SEED_HELP, at_most, finite_float, int_in, seed)
from .render import output_format, report_cannot_write

FORGET_NOTE = "a forget-gate bias of about 1 keeps the LSTM's gradient alive"


def register(subparsers):
    from ..vanishing import INITS
    parser = subparsers.add_parser(
        "bptt", help="chart of ||dL/dh_t|| through time (vanishing and exploding gradients)",
        description="Chart ||dL/dh_t|| at every time step t of a freshly initialised model, "
                    "with the loss on the last step (log scale): how far back the gradient "
                    "reaches, and whether it shrinks or grows on the way. The LSTM starts "
                    "with PyTorch's init, whose forget-gate bias is about 0; then its "
                    "gradient can vanish as fast as the tanh RNN's. With --forget-bias 1, "
                    f"{FORGET_NOTE} (Jozefowicz et al. 2015). A ReLU RNN whose W_hh is "
                    "scaled up (--nonlinearity relu --scale-whh 2) makes it explode; "
                    "--scale-whh 0.5 1 2 draws the three side by side. The chart says which "
                    "settings it shows. --view connectivity draws, instead, how strongly "
                    "each input x_s reaches each output y_t = v . h_t: a heatmap of "
                    "||d y_t / d x_s|| per model (how long its memory is).")
    parser.add_argument("model", choices=("rnn", "lstm", "gru", "all"),
                        help="which model; all: the three on one chart")
    parser.add_argument("--view", choices=("norms", "connectivity"), default="norms",
                        help="norms: ||dL/dh_t|| over t (default); connectivity: the "
                             "heatmap of ||d y_t / d x_s|| over output and input steps")
    parser.add_argument("--steps", type=int_in(1, BPTT_MAX_STEPS), required=True,
                        help=f"sequence length (1 to {BPTT_MAX_STEPS}; 1 to "
                             f"{CONNECTIVITY_MAX_STEPS} with --view connectivity, which "
                             f"takes one backward pass per step)")
    parser.add_argument("--hidden", type=int_in(1, BPTT_MAX_HIDDEN), default=16,
                        help=f"hidden size (1 to {BPTT_MAX_HIDDEN}, default: 16)")
    parser.add_argument("--seed", type=seed, default=0,
                        help=f"seed of the initialisation: {SEED_HELP} (default: 0)")
    parser.add_argument("--forget-bias", type=finite_float, default=None, metavar="B",
                        help="lstm and all: start the LSTM's forget-gate bias at B "
                             "(bias_ih_l0[H:2H] = B, bias_hh_l0[H:2H] = 0); 1 keeps the "
                             "gradient alive (default: PyTorch's init, random around 0)")
    parser.add_argument("--nonlinearity", choices=("tanh", "relu"), default="tanh",
                        help="rnn and all: the RNN's nonlinearity (default: tanh)")
    parser.add_argument("--init-whh", choices=INITS, default="default",
                        help="the recurrent weights W_hh: PyTorch's uniform init (default), "
                             "or each gate's (H, H) block orthogonal or the identity")
    parser.add_argument("--scale-whh", type=finite_float, nargs="+", default=[1.0],
                        action=at_most(BPTT_MAX_SCALES), metavar="S",
                        help="multiply W_hh by S after its init; several values (at most "
                             f"{BPTT_MAX_SCALES}) draw one line each (default: 1)")
    parser.add_argument("--bidirectional", action="store_true",
                        help="--view connectivity: bidirectional layers (y_t then depends "
                             "on later inputs too)")
    parser.add_argument("--relative", action="store_true",
                        help="--view connectivity: each row divided by its largest entry "
                             "(where each output looks, whatever its own scale)")
    parser.add_argument("--out", required=True, help="output file: .svg, .png or .pdf")
    parser.set_defaults(func=run)


def run(args):
    message = refused(args)
    if message is not None:
        print(f"minigrad bptt: error: {message}", file=sys.stderr)
        return 2
    names = ("RNN", "LSTM", "GRU") if args.model == "all" else (args.model.upper(),)
    draw = draw_connectivity if args.view == "connectivity" else draw_norms
    try:
        draw(args, names)
    except OSError as exc:
        report_cannot_write("bptt", args.out, exc)
        return 2
    print(f"wrote {args.out}")
    return 0


def refused(args):
    """The one-line reason the options cannot run together, or None."""
    for option, used, model, what in (
            ("--forget-bias", args.forget_bias is not None, "lstm", "forget gate"),
            ("--nonlinearity", args.nonlinearity != "tanh", "rnn", "choice of nonlinearity")):
        if used and args.model not in (model, "all"):
            return (f"{option} is for the {model.upper()}'s {what}; {args.model} has no "
                    f"{what} (use {model} or all)")
    if args.view == "norms":
        for option in ("--bidirectional", "--relative"):
            if getattr(args, option[2:]):
                return f"{option} is for --view connectivity"
    elif args.steps > CONNECTIVITY_MAX_STEPS:
        return (f"--steps must be at most {CONNECTIVITY_MAX_STEPS} with --view connectivity "
                f"(one backward pass per step), got {args.steps}")
    try:
        output_format(args.out)
    except ValueError as exc:
        return str(exc)
    return None


def draw_norms(args, names):
    from minigrad.viz.charts import gradient_norm_chart

    from ..vanishing import vanishing_gradient_comparison
    series = per_scale(vanishing_gradient_comparison, args, names)
    gradient_norm_chart(series, args.out, title=chart_title(args, names), ylabel="||dL/dh_t||")


def draw_connectivity(args, names):
    from minigrad.viz.connectivity_heatmap import connectivity_heatmap

    from ..memory import connectivity_comparison
    matrices = per_scale(connectivity_comparison, args, names,
                         bidirectional=args.bidirectional)
    if args.bidirectional:
        matrices = {f"bidirectional {name}": m for name, m in matrices.items()}
    connectivity_heatmap(matrices, args.out, title=connectivity_title(args, names),
                         relative=args.relative)


def per_scale(comparison, args, names, **options):
    """{label: result} of `comparison` (vanishing_gradient_comparison or
    connectivity_comparison) for each --scale-whh value, the other options as given."""
    results = {}
    for scale in args.scale_whh:
        results.update(comparison(
            T=args.steps, hidden=args.hidden, seed=args.seed, forget_bias=args.forget_bias,
            models_to_run=names, nonlinearity=args.nonlinearity, init_whh=args.init_whh,
            scale_whh=scale, **options))
    return results


def chart_title(args, names):
    """What the chart shows: the quantity, where the loss is, the LSTM's forget-gate
    bias (the line names say the other settings). No claim that the lines do not
    show: the forget-gate advice lives in --help."""
    lines = [f"||dL/dh_t|| at initialisation, loss on the last of {args.steps} steps"]
    if "LSTM" in names:
        lines.append(forget_bias_note(args.forget_bias))
    return "\n".join(lines)


def connectivity_title(args, names):
    """What the heatmaps show: the quantity, the readout, the LSTM's forget-gate bias."""
    lines = [f"||d y_t / d x_s|| at initialisation, y_t = v . h_t (v: a fixed random "
             f"readout), {args.steps} steps"]
    if "LSTM" in names:
        lines.append(forget_bias_note(args.forget_bias))
    return "\n".join(lines)


def forget_bias_note(forget_bias):
    """The chart's line on the LSTM's forget-gate bias (None: PyTorch's init)."""
    if forget_bias is None:
        return "LSTM forget-gate bias: PyTorch's random init (mean 0)"
    return f"LSTM forget-gate bias {forget_bias:g} (bias_ih[H:2H] = {forget_bias:g})"
