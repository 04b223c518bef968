"""`detect_anomaly()`: stop at the first op whose forward or backward makes NaN or inf.

Outside it, as in PyTorch, an op whose result holds inf or NaN (log(0), 0/0, an
overflowing exp) returns it without a warning: numpy's RuntimeWarning would name
minigrad's own line, not the user's. detect_anomaly names the op and the user's line.
Warnings from the user's own numpy code are left as they are.
"""
import warnings

from .state import STATE

warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad\.(ops\.|autograd)")


class detect_anomaly:
    """Context in which a non-finite forward result or gradient raises `AnomalyError`.

    The error names the op, its input shapes, and the file:line where the node was
    created. Checking costs one `isfinite` per op, so leave it off when training.
    """

    def __init__(self, enabled=True):
        self.enabled = enabled

    def __enter__(self):
        self._previous = STATE.anomaly
        STATE.anomaly = self.enabled
        return self

    def __exit__(self, *exc):
        STATE.anomaly = self._previous
        return False


def is_anomaly_enabled():
    return STATE.anomaly
