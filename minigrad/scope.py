"""Name scopes: a stack of names that every new graph node records.

Modules push their attribute path, the unroll loop pushes layer, direction and
time step, so that the renderer can cluster an unrolled network.
"""
from contextlib import contextmanager

from .state import STATE


@contextmanager
def name_scope(name):
    """Push `name` on the scope stack for the ops created inside the block.

    Example:
        with mg.name_scope("t3"):
            h = (w * h + x).tanh()      # h's node records scope (..., "t3")
    """
    previous = STATE.scope
    STATE.scope = previous + (str(name),)
    try:
        yield STATE.scope
    finally:
        STATE.scope = previous


def current_scope():
    return STATE.scope
