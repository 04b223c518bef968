"""Additive moving-average decomposition: series = trend + seasonal + residual."""
from collections import namedtuple

import numpy as np

Decomposition = namedtuple("Decomposition", ["trend", "seasonal", "resid"])
Decomposition.__doc__ = "Result of `seasonal_decompose`: three (T,) arrays."


def centered_moving_average(series, period):
    """Centered moving average over one period; NaN where the window runs off the ends.

    Odd period p: the mean of the p values centred on t. Even p: a 2 x p
    average, weights [1/2, 1, ..., 1, 1/2] / p over p + 1 values, so that it
    is still centred on t. The first and last p // 2 values are NaN.

    Args:
        series: (T,).
    Returns:
        (T,) float64.
    """
    if period % 2:
        weights = np.ones(period) / period
    else:
        weights = np.r_[0.5, np.ones(period - 1), 0.5] / period
    half = len(weights) // 2
    out = np.full(len(series), np.nan)
    out[half:len(series) - half] = np.convolve(series, weights, mode="valid")
    return out


def seasonal_decompose(series, period):
    """Split a series into trend, seasonal and residual parts (additive model).

    trend    = centered moving average with the period (NaN at the edges);
    seasonal = per phase (t mod period), the mean of series - trend over the
               non-NaN values, shifted so one period sums to zero, tiled to T;
    resid    = series - trend - seasonal (NaN where trend is).

    Args:
        series: (T,) with T >= 2 * period.
        period: p >= 2, the number of steps in one season.
    Returns:
        Decomposition(trend, seasonal, resid), each (T,) float64.
    """
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"seasonal_decompose: series has shape {series.shape}, expected (T,)")
    if int(period) != period or period < 2:
        raise ValueError(f"seasonal_decompose: period={period}, expected an int >= 2")
    if len(series) < 2 * period:
        raise ValueError(f"seasonal_decompose: series of length {len(series)} is too short for "
                         f"period={period}, expected at least 2 * period = {2 * period}")
    if np.isnan(series).any():
        raise ValueError("seasonal_decompose: series contains NaN, expected finite values")
    trend = centered_moving_average(series, int(period))
    detrended = series - trend
    phase_means = np.array([np.nanmean(detrended[p::period]) for p in range(period)])
    phase_means -= phase_means.mean()
    seasonal = np.resize(phase_means, len(series))
    return Decomposition(trend, seasonal, series - trend - seasonal)
