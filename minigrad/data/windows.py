"""Cut a time series into (input window, future target) pairs."""
import numpy as np


def _check_positive_int(name, value):
    if int(value) != value or value < 1:
        raise ValueError(f"sliding_windows: {name}={value}, expected a positive int")


def _check_target_index(target_index, shape):
    if len(shape) != 2:
        raise ValueError(f"sliding_windows: target_index needs a (T, F) series, got shape {shape}")
    features = shape[1]
    if not isinstance(target_index, (int, np.integer)):
        raise TypeError(f"sliding_windows: target_index must be an int, got "
                        f"{type(target_index).__name__}")
    if not -features <= target_index < features:
        raise IndexError(f"sliding_windows: target_index={target_index!r} is out of range for a "
                         f"series of shape {shape}; expected an int in [{-features}, {features})")


def sliding_windows(series, input_len, horizon=1, stride=1, target_index=None):
    """Supervised pairs for forecasting: `horizon` future values from `input_len` past ones.

    Window i starts at s = i * stride:
        X[i] = series[s : s + input_len]
        y[i] = series[s + input_len : s + input_len + horizon]
    so y always lies strictly after X. N = (T - input_len - horizon) // stride + 1.

    Args:
        series: (T,) or (T, F) array.
        input_len: L, steps in each input window.
        horizon: H, steps to predict right after the window.
        stride: steps between window starts.
        target_index: for a (T, F) series, keep only this column in y.
    Returns:
        X: (N, L) or (N, L, F).
        y: (N, H), or (N, H, F) for (T, F) input without target_index.
    """
    series = np.asarray(series)
    if series.ndim not in (1, 2):
        raise ValueError(f"sliding_windows: series has shape {series.shape}, expected (T,) or (T, F)")
    _check_positive_int("input_len", input_len)
    _check_positive_int("horizon", horizon)
    _check_positive_int("stride", stride)
    t = len(series)
    if input_len + horizon > t:
        raise ValueError(f"sliding_windows: input_len + horizon = {input_len + horizon} is longer "
                         f"than the series (T={t}), expected at most T")
    if target_index is not None:
        _check_target_index(target_index, series.shape)
    starts = np.arange(0, t - input_len - horizon + 1, stride)
    x_idx = starts[:, None] + np.arange(input_len)[None, :]
    y_idx = starts[:, None] + input_len + np.arange(horizon)[None, :]
    X, y = series[x_idx], series[y_idx]
    if target_index is not None:
        y = y[..., target_index]
    return X, y
