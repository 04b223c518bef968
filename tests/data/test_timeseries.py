import numpy as np
import pytest

from minigrad.data import (MinMaxScaler, StandardScaler, chronological_split, difference,
                           rolling_origin_splits, seasonal_decompose, sliding_windows,
                           undifference)


def test_windows_by_hand():
    series = np.array([10, 11, 12, 13, 14, 15, 16])
    X, y = sliding_windows(series, input_len=3, horizon=2, stride=2)
    # starts 0 and 2; a start at 4 would need index 8.
    np.testing.assert_array_equal(X, [[10, 11, 12], [12, 13, 14]])
    np.testing.assert_array_equal(y, [[13, 14], [15, 16]])


def test_windows_use_the_last_value_exactly():
    X, y = sliding_windows(np.arange(5), input_len=4, horizon=1)
    np.testing.assert_array_equal(X, [[0, 1, 2, 3]])
    np.testing.assert_array_equal(y, [[4]])


def test_windows_multivariate_and_target_column():
    series = np.arange(12).reshape(6, 2)  # row t = [2t, 2t + 1]
    X, y = sliding_windows(series, input_len=2, horizon=1)
    assert X.shape == (4, 2, 2) and y.shape == (4, 1, 2)
    np.testing.assert_array_equal(X[1], [[2, 3], [4, 5]])
    X, y = sliding_windows(series, input_len=2, horizon=1, target_index=1)
    np.testing.assert_array_equal(y[:, 0], [5, 7, 9, 11])


def test_windows_never_let_y_overlap_x():
    # Encode time in the values: every target time is after every input time.
    t = np.arange(50)
    X, y = sliding_windows(t, input_len=7, horizon=3, stride=3)
    assert (y.min(axis=1) > X.max(axis=1)).all()
    assert (y[:, 0] == X[:, -1] + 1).all()


def test_window_errors():
    with pytest.raises(ValueError, match=r"sliding_windows: input_len \+ horizon = 6 is longer "
                                         r"than the series \(T=5\)"):
        sliding_windows(np.arange(5), input_len=5, horizon=1)
    with pytest.raises(ValueError, match="sliding_windows: stride=0"):
        sliding_windows(np.arange(5), 2, stride=0)
    with pytest.raises(ValueError, match=r"sliding_windows: series has shape \(2, 2, 2\)"):
        sliding_windows(np.zeros((2, 2, 2)), 1)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_difference_round_trip_is_exact(order):
    rng = np.random.default_rng(order)
    series = rng.integers(-50, 50, size=(20, 3))
    diffs, initial = difference(series, order)
    assert diffs.shape == (20 - order, 3) and initial.shape == (order, 3)
    np.testing.assert_array_equal(diffs, np.diff(series, n=order, axis=0))
    np.testing.assert_array_equal(undifference(diffs, initial), series)


def test_difference_of_quadratic():
    diffs, initial = difference(np.arange(6) ** 2, order=2)
    np.testing.assert_array_equal(diffs, [2, 2, 2, 2])
    np.testing.assert_array_equal(initial, [0, 1])


def test_difference_errors():
    with pytest.raises(ValueError, match="difference: series of length 2 is too short for order=2"):
        difference([1, 2], order=2)
    with pytest.raises(ValueError, match="difference: order=0"):
        difference([1, 2, 3], order=0)
    with pytest.raises(ValueError, match="undifference: mismatched shapes"):
        undifference(np.zeros((4, 2)), np.zeros((1, 3)))


def test_standard_scaler_fitted_on_train_never_sees_test():
    series = np.r_[np.zeros(70), np.ones(15), np.full(15, 1000.0)]
    train, val, test = chronological_split(series, train=0.7, val=0.15)
    scaler = StandardScaler().fit(train)
    # The huge test values must not move the statistics.
    assert scaler.offset_ == 0.0 and scaler.scale_ == 1.0
    np.testing.assert_allclose(scaler.transform(test), 1000.0)
    fitted_on_all = StandardScaler().fit(series)
    assert fitted_on_all.offset_ > 100  # what leakage would look like


def test_standard_scaler_round_trip_per_feature():
    rng = np.random.default_rng(0)
    x = rng.normal([5.0, -3.0], [2.0, 0.5], size=(200, 2))
    scaler = StandardScaler()
    z = scaler.fit_transform(x)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(0), 1)
    np.testing.assert_allclose(scaler.inverse_transform(z), x)


def test_minmax_scaler_range_and_out_of_range_values():
    train = np.array([[2.0, 10.0], [4.0, 10.0], [6.0, 10.0]])
    scaler = MinMaxScaler(feature_range=(-1, 1)).fit(train)
    np.testing.assert_allclose(scaler.transform(train)[:, 0], [-1, 0, 1])
    np.testing.assert_allclose(scaler.transform(train)[:, 1], [-1, -1, -1])  # constant feature
    np.testing.assert_allclose(scaler.transform([[8.0, 10.0]]), [[2.0, -1.0]])  # not clipped
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(train)), train)


def test_scaler_errors():
    with pytest.raises(ValueError, match="StandardScaler.transform: not fitted"):
        StandardScaler().transform([1.0])
    with pytest.raises(ValueError, match="MinMaxScaler.fit: got an empty array"):
        MinMaxScaler().fit([])
    with pytest.raises(ValueError, match=r"StandardScaler.transform: got shape \(3, 3\), "
                                         r"expected \(T,\) \+ \(2,\)"):
        StandardScaler().fit(np.ones((4, 2))).transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"MinMaxScaler: feature_range=\(1, 0\)"):
        MinMaxScaler((1, 0))


def test_chronological_split_sizes_and_order():
    train, val, test = chronological_split(np.arange(10), train=0.6, val=0.2)
    assert train.tolist() == [0, 1, 2, 3, 4, 5]
    assert val.tolist() == [6, 7] and test.tolist() == [8, 9]
    assert train.max() < val.min() and val.max() < test.min()


def test_chronological_split_errors():
    with pytest.raises(ValueError, match=r"chronological_split: train \+ val = 1.0"):
        chronological_split(np.arange(10), train=0.5, val=0.5)
    with pytest.raises(ValueError, match="chronological_split: train=1.5"):
        chronological_split(np.arange(10), train=1.5)
    with pytest.raises(ValueError, match="chronological_split: a series of length 3 leaves an "
                                         "empty part"):
        chronological_split(np.arange(3))


@pytest.mark.parametrize("window", ["expanding", "sliding"])
def test_rolling_origin_folds_are_ordered(window):
    folds = rolling_origin_splits(100, n_splits=4, window=window, gap=3)
    assert len(folds) == 4
    for train_idx, val_idx in folds:
        assert train_idx.max() < val_idx.min()
        assert val_idx.min() - train_idx.max() == 4  # gap of 3 left out
        assert len(val_idx) == 20
    val_starts = [v[0] for _, v in folds]
    assert val_starts == [20, 40, 60, 80]
    sizes = [len(t) for t, _ in folds]
    if window == "expanding":
        assert sizes == [17, 37, 57, 77] and all(t[0] == 0 for t, _ in folds)
    else:
        assert sizes == [17, 17, 17, 17]


def test_rolling_origin_errors():
    with pytest.raises(ValueError, match="rolling_origin_splits: window='growing'"):
        rolling_origin_splits(10, 2, window="growing")
    with pytest.raises(ValueError, match="rolling_origin_splits: n=10 is too short"):
        rolling_origin_splits(10, 2, val_size=5)
    with pytest.raises(ValueError, match="rolling_origin_splits: train_size=50"):
        rolling_origin_splits(100, 4, window="sliding", train_size=50)


@pytest.mark.parametrize("period", [4, 7])
def test_decomposition_recovers_trend_and_season(period):
    t = np.arange(10 * period, dtype=float)
    season = np.sin(2 * np.pi * t / period) + 0.5 * np.cos(4 * np.pi * t / period)
    season -= season[:period].mean()
    trend = 3.0 + 0.25 * t
    parts = seasonal_decompose(trend + season, period)
    half = period // 2
    assert np.isnan(parts.trend[:half]).all() and np.isnan(parts.trend[-half:]).all()
    assert not np.isnan(parts.trend[half:-half]).any()
    np.testing.assert_allclose(parts.trend[half:-half], trend[half:-half], atol=1e-10)
    np.testing.assert_allclose(parts.seasonal, season, atol=1e-10)
    np.testing.assert_allclose(parts.resid[half:-half], 0, atol=1e-10)
    assert abs(parts.seasonal[:period].sum()) < 1e-10


def test_decomposition_matches_a_plain_loop_on_noisy_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    period = 6
    parts = seasonal_decompose(x, period)
    trend = np.full(30, np.nan)
    for t in range(3, 27):  # 2 x 6 moving average, written out
        trend[t] = (0.5 * x[t - 3] + x[t - 2:t + 3].sum() + 0.5 * x[t + 3]) / 6
    np.testing.assert_allclose(parts.trend, trend)
    means = [np.mean([x[t] - trend[t] for t in range(p, 30, 6) if 3 <= t < 27]) for p in range(6)]
    means = np.array(means) - np.mean(means)
    np.testing.assert_allclose(parts.seasonal, np.tile(means, 5))
    np.testing.assert_allclose((parts.trend + parts.seasonal + parts.resid)[3:27], x[3:27])
    assert np.isnan(parts.resid[:3]).all() and np.isnan(parts.resid[27:]).all()


def test_decomposition_errors():
    with pytest.raises(ValueError, match="seasonal_decompose: series of length 7 is too short "
                                         "for period=4, expected at least 2 \\* period = 8"):
        seasonal_decompose(np.arange(7.0), 4)
    with pytest.raises(ValueError, match="seasonal_decompose: period=1"):
        seasonal_decompose(np.arange(7.0), 1)
