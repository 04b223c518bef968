"""`minigrad` command line: one subcommand per small module.

Each module in SUBCOMMANDS has `register(subparsers)`, which adds its parser and
sets `func` (called with the parsed args, returns the exit status). Adding a
subcommand means adding one module and one line here.

    minigrad render lstm --steps 10 --detail cells --out lstm.svg
    minigrad bptt rnn --steps 30 --out vanishing.svg
    minigrad train char_lm --threads 1
    minigrad explore lstm --steps 12 --out lstm.html
    minigrad --version

Every subcommand takes `--threads N` (cli/threads.py), also before its name.
"""
import argparse
import importlib
import importlib.metadata
import os
import re
import sys

from .threads import add_threads_option, apply_threads

SUBCOMMANDS = ("minigrad_apps.cli.render", "minigrad_apps.cli.bptt", "minigrad_apps.cli.train",
               "minigrad_apps.cli.explore")
PYPROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pyproject.toml")


def version():
    """The installed distribution's version; from a source tree that is not installed,
    the `version` of pyproject.toml's [project] table; "unknown" if neither is found."""
    try:
        return importlib.metadata.version("minigrad")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        with open(PYPROJECT, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return "unknown"
    # the [project] table runs to the next table header (tomllib is not in Python 3.10)
    table = re.search(r"^\[project\][ \t]*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    found = table and re.search(r"""^version\s*=\s*["']([^"']+)["']""", table.group(1), re.M)
    return found.group(1) if found else "unknown"


def build_parser():
    parser = argparse.ArgumentParser(
        prog="minigrad", description="minigrad: autodiff and recurrent networks you can see")
    parser.add_argument("--version", action="version", version=f"minigrad {version()}")
    add_threads_option(parser)
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
    for subparser in {id(p): p for p in subparsers.choices.values()}.values():
        add_threads_option(subparser, top_level=False)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)  # bad arguments: argparse exits with status 2
    apply_threads(args)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
