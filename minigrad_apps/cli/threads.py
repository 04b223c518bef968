"""`--threads N`: how many BLAS threads a `minigrad` command computes with.

Accepted before the subcommand and after it (`minigrad --threads 2 train adding`,
`minigrad train adding --threads 2`); the later one wins. Without it the command
runs at minigrad's default (minigrad/threads.py: MINIGRAD_NUM_THREADS, or the
user's OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, else 1 thread).
"""
import argparse

from minigrad.threads import DEFAULT_NUM_THREADS, apply_thread_policy, set_num_threads

HELP = (f"BLAS threads for the matrix products (default: {DEFAULT_NUM_THREADS}, or "
        "MINIGRAD_NUM_THREADS; a value of OPENBLAS_NUM_THREADS or OMP_NUM_THREADS is kept)")


class ThreadCount(argparse.Action):
    """Stores a positive int; any other value ends the command with one line, status 2."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            count = int(values)
        except ValueError:
            count = 0
        if count < 1:
            parser.exit(2, f"{parser.prog}: error: {option_string} {values!r}: expected a "
                           f"positive whole number of threads, e.g. {option_string} 1\n")
        setattr(namespace, self.dest, count)


def add_threads_option(parser, top_level=True):
    """Add --threads to `parser`; a subcommand's (top_level=False) leaves the value
    given before the subcommand in place when it is not repeated after it."""
    parser.add_argument("--threads", action=ThreadCount, metavar="N", help=HELP,
                        default=None if top_level else argparse.SUPPRESS)


def apply_threads(args):
    """Before the command runs: --threads N, else minigrad's default, for the process."""
    count = getattr(args, "threads", None)
    if count is None:
        apply_thread_policy()
    else:
        set_num_threads(count)
