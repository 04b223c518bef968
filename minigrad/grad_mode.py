"""`no_grad` and `enable_grad`: contexts (and decorators) that switch graph recording,
in the calling thread only (as in PyTorch; see state.py)."""
import functools

from .state import PER_THREAD


class _GradMode:
    enabled = True

    def __enter__(self):
        state = PER_THREAD.state
        self._previous = state.grad_enabled
        state.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        PER_THREAD.state.grad_enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Ops run inside record no graph: results do not require grad."""
    enabled = False


class enable_grad(_GradMode):
    """Turn graph recording back on inside a `no_grad` block."""
    enabled = True


class set_grad_enabled(_GradMode):
    def __init__(self, mode):
        self.enabled = bool(mode)

    def __call__(self, fn):
        raise TypeError("set_grad_enabled is a context manager, not a decorator")


def is_grad_enabled():
    """Whether ops record a graph in the calling thread."""
    return PER_THREAD.state.grad_enabled
