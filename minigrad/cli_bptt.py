"""`minigrad bptt MODEL --steps N --out FILE.svg`: the vanishing-gradient chart.

Plots ||dL/dh_t|| for t = 0..N-1 (loss on the last hidden state) of the chosen
model, or of RNN, LSTM and GRU together with `all`.
"""
import sys

from .cli_render import positive_int, report_cannot_write


def register(subparsers):
    parser = subparsers.add_parser(
        "bptt", help="chart of ||dL/dh_t|| through time (vanishing gradients)",
        description="Chart ||dL/dh_t|| at every time step t of a freshly initialised model, "
                    "with the loss on the last step (log scale): how far back the gradient "
                    "reaches.")
    parser.add_argument("model", choices=("rnn", "lstm", "gru", "all"),
                        help="which model; all: the three on one chart")
    parser.add_argument("--steps", type=positive_int, required=True, help="sequence length")
    parser.add_argument("--hidden", type=positive_int, default=16,
                        help="hidden size (default: 16)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initialisation")
    parser.add_argument("--out", required=True, help="output .svg file")
    parser.set_defaults(func=run)


def run(args):
    from .graph.charts import gradient_norm_chart, vanishing_gradient_comparison
    if not args.out.lower().endswith(".svg"):
        print(f"minigrad bptt: error: --out must end in .svg, got {args.out!r}", file=sys.stderr)
        return 2
    series = vanishing_gradient_comparison(T=args.steps, hidden=args.hidden, seed=args.seed)
    if args.model != "all":
        series = {args.model.upper(): series[args.model.upper()]}
    try:
        gradient_norm_chart(series, args.out,
                            title=f"||dL/dh_t|| over {args.steps} steps (loss on the last step)")
    except OSError as exc:
        report_cannot_write("bptt", args.out, exc)
        return 2
    print(f"wrote {args.out}")
    return 0
