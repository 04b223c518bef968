"""`detect_anomaly()`: stop at the first op whose forward or backward makes NaN or inf."""
from .state import STATE


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
