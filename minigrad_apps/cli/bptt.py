"""`minigrad bptt MODEL --steps N --out FILE.svg`: the vanishing-gradient chart.

Plots ||dL/dh_t|| for t = 0..N-1 (loss on the last hidden state) of the chosen
model, or of RNN, LSTM and GRU together with `all`. `--forget-bias B` starts the
LSTM's forget gate at B, and the chart says which forget-gate bias it shows.
"""
import sys

from .arguments import (BPTT_MAX_HIDDEN, BPTT_MAX_STEPS, SEED_HELP, finite_float, int_in,
                        seed)
from .render import report_cannot_write

FORGET_NOTE = "a forget-gate bias of about 1 keeps the LSTM's gradient alive"


def register(subparsers):
    parser = subparsers.add_parser(
        "bptt", help="chart of ||dL/dh_t|| through time (vanishing gradients)",
        description="Chart ||dL/dh_t|| at every time step t of a freshly initialised model, "
                    "with the loss on the last step (log scale): how far back the gradient "
                    "reaches. The LSTM starts with PyTorch's init, whose forget-gate bias is "
                    "about 0; then its gradient can vanish as fast as the tanh RNN's. "
                    f"With --forget-bias 1, {FORGET_NOTE} (Jozefowicz et al. 2015). "
                    "The chart says which forget-gate bias it shows.")
    parser.add_argument("model", choices=("rnn", "lstm", "gru", "all"),
                        help="which model; all: the three on one chart")
    parser.add_argument("--steps", type=int_in(1, BPTT_MAX_STEPS), required=True,
                        help=f"sequence length (1 to {BPTT_MAX_STEPS})")
    parser.add_argument("--hidden", type=int_in(1, BPTT_MAX_HIDDEN), default=16,
                        help=f"hidden size (1 to {BPTT_MAX_HIDDEN}, default: 16)")
    parser.add_argument("--seed", type=seed, default=0,
                        help=f"seed of the initialisation: {SEED_HELP} (default: 0)")
    parser.add_argument("--forget-bias", type=finite_float, default=None, metavar="B",
                        help="lstm and all: start the LSTM's forget-gate bias at B "
                             "(bias_ih_l0[H:2H] = B, bias_hh_l0[H:2H] = 0); 1 keeps the "
                             "gradient alive (default: PyTorch's init, random around 0)")
    parser.add_argument("--out", required=True, help="output .svg file")
    parser.set_defaults(func=run)


def run(args):
    from minigrad.graph.charts import gradient_norm_chart

    from ..vanishing import vanishing_gradient_comparison
    if args.forget_bias is not None and args.model not in ("lstm", "all"):
        print(f"minigrad bptt: error: --forget-bias is for the LSTM's forget gate; "
              f"{args.model} has no forget gate (use lstm or all)", file=sys.stderr)
        return 2
    if not args.out.lower().endswith(".svg"):
        print(f"minigrad bptt: error: --out must end in .svg, got {args.out!r}", file=sys.stderr)
        return 2
    names = ("RNN", "LSTM", "GRU") if args.model == "all" else (args.model.upper(),)
    series = vanishing_gradient_comparison(T=args.steps, hidden=args.hidden, seed=args.seed,
                                           forget_bias=args.forget_bias, models_to_run=names)
    title = f"||dL/dh_t|| over {args.steps} steps (loss on the last step)"
    if "LSTM" in names:
        title += "\n" + forget_bias_note(args.forget_bias)
    try:
        gradient_norm_chart(series, args.out, title=title)
    except OSError as exc:
        report_cannot_write("bptt", args.out, exc)
        return 2
    print(f"wrote {args.out}")
    return 0


def forget_bias_note(forget_bias):
    """The chart's lines on the LSTM's forget-gate bias (None: PyTorch's init).

    Two short lines rather than one long one: the title is centred on a 7-inch figure.
    """
    if forget_bias is None:
        used = "LSTM forget-gate bias: PyTorch's random init (mean 0);"
    else:
        used = f"LSTM forget-gate bias {forget_bias:g} (bias_ih[H:2H] = {forget_bias:g});"
    return f"{used}\n{FORGET_NOTE}"
