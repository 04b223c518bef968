"""The error types minigrad raises, and how they name the op, shapes and user line."""
from .source import format_location, user_location


class MinigradError(Exception):
    """Base class of minigrad's own errors."""


class ShapeError(MinigradError, ValueError):
    """An op was given operands whose shapes do not fit."""


class ShapeIndexError(ShapeError, IndexError):
    """An index that does not fit the tensor (out of range, or not an integer). An
    IndexError, as in numpy and PyTorch, so that Python's iteration protocol stops."""


class GraphFreedError(MinigradError, RuntimeError):
    """Backward was asked to go through a graph already released by an earlier backward."""


class AnomalyError(MinigradError, FloatingPointError):
    """Raised inside `detect_anomaly()` by the first op producing NaN or inf."""


class GradcheckError(MinigradError, AssertionError):
    """Analytic and numerical gradients disagree."""


def describe_shapes(arrays):
    """Each operand's shape, "(2, 3), (4,)", or its type's name if it has no shape (None)."""
    return ", ".join(str(tuple(a.shape)) if hasattr(a, "shape") else type(a).__name__
                     for a in arrays)


def op_error(op_name, arrays, detail, location=None, cls=ShapeError):
    """Build an error naming the op, its operand shapes, and the user's line."""
    if location is None:
        location = user_location(skip=3)
    return cls(f"{op_name}: {detail}\n  operand shapes: {describe_shapes(arrays)}\n"
               f"  created at {format_location(location)}")
