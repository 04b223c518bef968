"""Name scopes: a stack of names that every new graph node records.

Modules push their attribute path, the unroll loop pushes layer, direction and
time step, so that the renderer can cluster an unrolled network. Each thread has a
stack of its own (see state.py).
"""
from contextlib import contextmanager

from .state import PER_THREAD


@contextmanager
def name_scope(name):
    """Push `name` on the scope stack for the ops created inside the block.

    Example:
        with mg.name_scope("t3"):
            h = (w * h + x).tanh()      # h's node records scope (..., "t3")
    """
    state = PER_THREAD.state
    previous = state.scope
    state.scope = previous + (str(name),)
    try:
        yield state.scope
    finally:
        state.scope = previous


def current_scope():
    """The calling thread's scope: a tuple of names, innermost last."""
    return PER_THREAD.state.scope
