"""The argparse types of the `minigrad` command's options, and the bounds of its sizes.

A type refuses a bad value with one line (argparse prefixes the option's name, prints
the usage and exits with status 2), so that no bad argument reaches numpy as a
traceback. The bounds keep the largest run each subcommand allows within about half a
minute and 1 GB on the 2-core development machine (measured with
`/usr/bin/time -f "%e s %M KB" python -m minigrad ...`, at a load average of about 4
from other work; see the README's "Command line"):

    render bilstm --steps 1000 --layers 4 --hidden 256 --detail ops --backward
        --max-nodes 2000: 21 s, 0.7 GB (33-57 s at a load of 7; --max-nodes barely
        matters: the time goes into building and measuring the graph, not into dot)
    bptt all --steps 2000 --hidden 256 --scale-whh 0.5 1 2 4 --nonlinearity relu
        --init-whh orthogonal: 22 s, 0.3 GB (one scale at 5000 steps: 14 s, 0.7 GB)

Past them the time grows with steps x layers x hidden^2 (render at hidden 1024 and the
other maxima took over ten minutes) and a picture or a chart shows nothing more.
"""
import argparse
import math

RENDER_MAX_STEPS = 1000
RENDER_MAX_HIDDEN = 256
RENDER_MAX_LAYERS = 4
RENDER_MAX_NODES = 2000  # render's own minimum is 10
BPTT_MAX_STEPS = 2000
BPTT_MAX_HIDDEN = 256
BPTT_MAX_SCALES = 4  # each --scale-whh value runs the models once more
CONNECTIVITY_MAX_STEPS = 100  # bptt --view connectivity: T backward passes of T steps
TRAIN_MAX_EPOCHS = 1000  # a task's default is 3 to 150; time grows linearly with it


def int_in(minimum, maximum=None):
    """An argparse `type`: an int in [minimum, maximum] (no upper bound if None)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {value}")
        return value
    return parse


def at_most(count):
    """An argparse `action` for an option of several values: store at most `count`."""
    class AtMost(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            if len(values) > count:
                raise argparse.ArgumentError(self, f"at most {count} values, got {len(values)}")
            setattr(namespace, self.dest, values)
    return AtMost


def finite_float(text):
    """An argparse `type`: a finite float."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def seed(text):
    """An argparse `type`: an int in torch.manual_seed's range [-2**63, 2**64), given as
    the non-negative seed mg.manual_seed makes of it (a negative one modulo 2**64)."""
    from minigrad.creation import as_seed
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    try:
        return as_seed(value, owner=None)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


SEED_HELP = ("an int in [-2**63, 2**64), as torch.manual_seed takes; a negative seed is "
             "read modulo 2**64, as torch reads it")
