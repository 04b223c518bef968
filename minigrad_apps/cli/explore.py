"""`minigrad explore MODEL --steps N --out FILE.html`: the explorer page of a model.

One self-contained HTML file (mg.explore): the unrolled graph at three levels of
detail, a parameter's gradient paths, a node's details, a window of steps, and,
linked to them, the connectivity heatmap of y_t = mean(h_t^2) (the step's term of the
loss) against the inputs x_s, and the per-step terms of the chosen weight's gradient.
"""
import sys

from ..demos import MODEL_NAMES
from .arguments import int_in
from .render import add_model_options, full_param_name, report_cannot_write


def register(subparsers):
    from minigrad.viz.explorer import MAX_STEPS
    parser = subparsers.add_parser(
        "explore", help="write the explorer page (one HTML file) of a small recurrent model",
        description="Write one self-contained HTML page (it works offline, in any browser) "
                    "to explore a small recurrent model's unrolled graph: open and close "
                    "its layers and steps, read a node's details, light a parameter's "
                    "gradient paths to the loss, show a window of steps, and choose a step "
                    "in the graph, the connectivity heatmap and the chart of the weight's "
                    "per-step gradient terms at once.")
    parser.add_argument("model", choices=MODEL_NAMES, help="which model")
    parser.add_argument("--steps", type=int_in(1, MAX_STEPS), required=True,
                        help=f"sequence length (1 to {MAX_STEPS}; each step is one more "
                             f"picture in the page)")
    add_model_options(parser)
    parser.add_argument("--loss-on", choices=("last", "all"), default="last",
                        help="the loss reads the output of the last step only (default: the "
                             "gradient paths then fade towards early steps), or of every step")
    parser.add_argument("--weight", metavar="PARAM",
                        help="the parameter chosen when the page opens (e.g. weight_ih_l0; "
                             "default: weight_hh_l0)")
    parser.add_argument("--out", required=True, help="output file: .html")
    parser.set_defaults(func=run)


def run(args):
    from minigrad.viz.explorer.page import explore

    from ..demos import demo
    try:
        if not args.out.lower().endswith((".html", ".htm")):
            raise ValueError(f"--out must end in .html, got {args.out!r}")
        built = demo(args.model, args.steps, args.hidden, args.layers, args.bidirectional,
                     loss_on=args.loss_on, input_grad=True)
        weight = None if args.weight is None else full_param_name(built.holder, args.weight,
                                                                   "--weight")
    except ValueError as exc:
        print(f"minigrad explore: error: {exc}", file=sys.stderr)
        return 2
    step_outputs = (built.out * built.out).mean(axis=-1)   # (L, N): y_t = mean(h_t^2)
    page = explore(built.loss, modules=built.holder, weight=weight,
                   step_outputs=step_outputs, step_inputs=built.x,
                   title=f"{args.model} | {args.steps} steps | loss on "
                         f"{'the last step' if args.loss_on == 'last' else 'every step'}")
    try:
        page.save(args.out)
    except OSError as exc:
        report_cannot_write("explore", args.out, exc)
        return 2
    print(f"wrote {args.out} ({len(page.html.encode()):,} bytes)")
    return 0
