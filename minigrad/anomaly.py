"""`detect_anomaly()`: stop at the first op whose forward or backward makes NaN or inf.

Outside it, as in PyTorch, an op whose result holds inf or NaN (log(0), 0/0, an
overflowing exp) returns it without a warning: numpy's RuntimeWarning would name
minigrad's own line, not the user's. detect_anomaly names the op and the user's line.
Warnings from the user's own numpy code are left as they are. (The filter below is
installed when minigrad is imported; `warnings.catch_warnings()` drops it on exit when
minigrad was first imported inside one, as when pytest collects a test module.)
"""
import warnings

import numpy as np

from .state import PER_THREAD

warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"minigrad\.(ops\.|autograd)")


class detect_anomaly:
    """Context in which a non-finite forward result or gradient raises `AnomalyError`.

    The error names the op, its input shapes, and the file:line where the node was
    created. Checking costs one `isfinite` per op, so leave it off when training.
    `check_inf=False` stops at NaN only: an inf made on purpose (a -inf attention
    mask before a softmax) then passes. It holds in the calling thread only (state.py).
    """

    def __init__(self, enabled=True, check_inf=True):
        self.enabled = enabled
        self.check_inf = check_inf

    def __enter__(self):
        state = PER_THREAD.state
        self._previous = state.anomaly, state.anomaly_checks_inf
        state.anomaly = self.enabled
        state.anomaly_checks_inf = self.check_inf
        return self

    def __exit__(self, *exc):
        state = PER_THREAD.state
        state.anomaly, state.anomaly_checks_inf = self._previous
        return False


def is_anomaly_enabled():
    """Whether anomaly mode is on in the calling thread."""
    return PER_THREAD.state.anomaly


def anomaly_in(values):
    """"NaN" or "inf" when `values` (an array) hold what anomaly mode stops at, else None."""
    values = np.asarray(values)
    if values.dtype.kind not in "fc" or np.isfinite(values).all():
        return None
    if np.isnan(values).any():
        return "NaN"
    return "inf" if PER_THREAD.state.anomaly_checks_inf else None


def describe_anomaly(found):
    """The end of an anomaly error's first line: what was found, and for an inf, how to
    let intended ones pass."""
    if found == "inf":
        return ("inf (if it is meant, as in a -inf mask before a softmax, "
                "detect_anomaly(check_inf=False) stops at NaN only)")
    return found
