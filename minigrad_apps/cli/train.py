"""`minigrad train TASK [--quick] [--epochs N] [--seed S] [--progress | --quiet] [--out DIR]`.

A task shows a progress bar on stderr when stderr is a terminal; `--quiet` never,
`--progress` always (into a log file too).

`register(subparsers)` adds the `train` subcommand to the main CLI's argparse
subparsers; `main(argv)` runs it on its own (python -m minigrad_apps.cli.train ...).
"""
import argparse
import errno
import inspect
import os
import sys
import time

from .arguments import SEED_HELP, TRAIN_MAX_EPOCHS, int_in, seed
from .render import report_cannot_write
from .threads import add_threads_option, apply_threads
from ..tasks import TASKS, get_task


def add_arguments(parser):
    parser.add_argument("task", choices=sorted(TASKS) + ["all"], help="the task to train")
    parser.add_argument("--quick", action="store_true", help="a seconds-long version")
    parser.add_argument("--epochs", type=int_in(1, TRAIN_MAX_EPOCHS), default=None,
                        help=f"override the epochs (1 to {TRAIN_MAX_EPOCHS}; the adding task "
                             f"multiplies its update budgets by it)")
    parser.add_argument("--seed", type=seed, default=0, help=f"{SEED_HELP} (default: 0)")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--progress", action="store_const", const=True, default=None,
                       help="show progress bars even when stderr is not a terminal")
    shown.add_argument("--quiet", action="store_const", const=False, dest="progress",
                       help="no progress bars (the default when stderr is not a terminal)")
    parser.add_argument("--out", default=None,
                        help="directory for charts and records (adding: gradient norms "
                             "and their flow over training; char_lm: gradient flow, hidden "
                             "states and gates, memory, training a tanh RNN and a GRU "
                             "beside the LSTM; seq2seq: attention heatmaps)")
    parser.set_defaults(func=run_command)


def register(subparsers):
    """Add `train` to an argparse subparsers object."""
    parser = subparsers.add_parser("train", help="train one of the lecture notes' tasks end to end",
                                   description="Train one of the lecture notes' tasks end to "
                                               "end and print its metrics (all: every task).")
    add_arguments(parser)
    return parser


def run_command(args):
    if args.epochs is not None and args.epochs < 1:
        raise SystemExit(f"minigrad train: --epochs {args.epochs}, expected >= 1")
    names = sorted(TASKS) if args.task == "all" else [args.task]
    writes = [name for name in names if takes_out_dir(get_task(name))]
    if args.out is not None and writes and not make_out_dir(args.out):
        return 2  # checked before training, so no results are lost at the end
    if args.out is not None and not writes:
        users = ", ".join(name for name in sorted(TASKS) if takes_out_dir(get_task(name)))
        print(f"minigrad train: note: {args.task} writes no charts, so --out is not used "
              f"(the tasks that write to it: {users})", file=sys.stderr)
    for name in names:
        module = get_task(name)
        options = dict(quick=args.quick, epochs=args.epochs, seed=args.seed,
                       progress=args.progress)
        if takes_out_dir(module):
            options["out_dir"] = args.out
        start = time.perf_counter()
        results = module.run(**options)
        results.print()
        if getattr(results, "sample", None):
            print(f"sample:\n{results.sample}")
        print(f"{name}: done in {time.perf_counter() - start:.1f}s", flush=True)
    return 0


def takes_out_dir(module):
    return "out_dir" in inspect.signature(module.run).parameters


def make_out_dir(path):
    """Create the --out directory (as the tasks would); False, with the reason on
    stderr, if it cannot be created or written to."""
    try:
        os.makedirs(path, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    except OSError as exc:
        report_cannot_write("train", path, exc)
        return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(prog="minigrad train")
    add_arguments(parser)
    add_threads_option(parser)
    args = parser.parse_args(argv)
    apply_threads(args)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
