"""`minigrad` command line: one subcommand per small module.

Each module in SUBCOMMANDS has `register(subparsers)`, which adds its parser and
sets `func` (called with the parsed args, returns the exit status). Adding a
subcommand means adding one module and one line here.

    minigrad render lstm --steps 10 --detail cells --out lstm.svg
    minigrad bptt rnn --steps 30 --out vanishing.svg
"""
import argparse
import importlib
import sys

SUBCOMMANDS = ("minigrad.cli_render", "minigrad.cli_bptt", "minigrad.cli_train")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="minigrad", description="minigrad: autodiff and recurrent networks you can see")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a subcommand that is not installed
        module.register(subparsers)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)  # bad arguments: argparse exits with status 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
