"""Differencing of order d and its exact inverse."""
import numpy as np


def difference(series, order=1):
    """d-th order difference along time (axis 0).

    Args:
        series: (T, ...) array.
        order: d >= 1.
    Returns:
        diffs: (T - d, ...), the d-th difference.
        initial: (d, ...), initial[k] is the first value of the k-th
            difference (initial[0] = series[0]); what `undifference` needs.
    """
    series = np.asarray(series)
    if int(order) != order or order < 1:
        raise ValueError(f"difference: order={order}, expected a positive int")
    if series.ndim == 0 or len(series) <= order:
        raise ValueError(f"difference: series of length {len(series) if series.ndim else 0} is "
                         f"too short for order={order}, expected length > {order}")
    initial = []
    x = series
    for _ in range(order):
        initial.append(x[0])
        x = x[1:] - x[:-1]
    return x, np.stack(initial)


def undifference(diffs, initial):
    """Inverse of `difference`: rebuild the series from its d-th difference.

    Args:
        diffs: (T - d, ...).
        initial: (d, ...) as returned by `difference`.
    Returns:
        (T, ...) series; exact for integers, up to rounding for floats.
    """
    diffs = np.asarray(diffs)
    initial = np.asarray(initial)
    if initial.ndim == 0 or len(initial) == 0:
        raise ValueError("undifference: initial is empty, expected shape (d, ...) with d >= 1")
    if initial.shape[1:] != diffs.shape[1:]:
        raise ValueError(f"undifference: mismatched shapes, initial {initial.shape} and diffs "
                         f"{diffs.shape}; expected initial (d,) + diffs.shape[1:]")
    x = diffs
    for head in initial[::-1]:
        x = np.concatenate([head[None], head[None] + np.cumsum(x, axis=0)], axis=0)
    return x
