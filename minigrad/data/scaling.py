"""Scalers fitted on training data only, then applied to every split."""
import numpy as np


class _Scaler:
    """Per-feature affine map x -> (x - offset) / scale, with statistics over axis 0."""

    def fit(self, x):
        """Learn the statistics from `x` (T, ...) — the training part only."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"{type(self).__name__}.fit: got an empty array, expected (T, ...) "
                             "with T >= 1")
        self.offset_, scale = self._statistics(x)
        # A constant feature would divide by zero; leave it unscaled instead.
        self.scale_ = np.where(scale == 0, 1.0, scale)
        return self

    def _check_fitted(self, method):
        if not hasattr(self, "scale_"):
            raise ValueError(f"{type(self).__name__}.{method}: not fitted, call fit(train) first")

    def _check_shape(self, method, x):
        if x.shape[1:] != np.shape(self.scale_):
            raise ValueError(f"{type(self).__name__}.{method}: got shape {x.shape}, expected "
                             f"(T,) + {np.shape(self.scale_)} as in fit")

    def transform(self, x):
        self._check_fitted("transform")
        x = np.asarray(x, dtype=np.float64)
        self._check_shape("transform", x)
        return (x - self.offset_) / self.scale_

    def inverse_transform(self, x):
        self._check_fitted("inverse_transform")
        x = np.asarray(x, dtype=np.float64)
        self._check_shape("inverse_transform", x)
        return x * self.scale_ + self.offset_

    def fit_transform(self, x):
        return self.fit(x).transform(x)


class StandardScaler(_Scaler):
    """Zero mean, unit variance per feature: (x - mean) / std.

    Fit on (T,) or (T, F); transform any (T', same F) array.
    """

    def _statistics(self, x):
        return x.mean(axis=0), x.std(axis=0)


class MinMaxScaler(_Scaler):
    """Map the training range [min, max] of each feature onto `feature_range`.

    Values outside the training range map outside `feature_range`; they are
    not clipped (clipping would hide that the test data left the train range).
    """

    def __init__(self, feature_range=(0.0, 1.0)):
        lo, hi = feature_range
        if not lo < hi:
            raise ValueError(f"MinMaxScaler: feature_range={feature_range}, expected (low, high) "
                             "with low < high")
        self.feature_range = (float(lo), float(hi))

    def _statistics(self, x):
        lo, hi = self.feature_range
        xmin, xmax = x.min(axis=0), x.max(axis=0)
        span = (xmax - xmin) / (hi - lo)
        return xmin - lo * np.where(span == 0, 1.0, span), span
