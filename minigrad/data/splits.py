"""Chronological splits: no future value ever lands in a training part."""
import numpy as np


def chronological_split(data, train=0.7, val=0.15):
    """Cut a series into train / validation / test parts, in time order.

    Args:
        data: (T, ...) array.
        train, val: fractions of T; the test part gets the rest.
    Returns:
        (train_part, val_part, test_part), consecutive slices of `data`;
        sizes floor(train*T), floor(val*T), and the remainder.
    """
    data = np.asarray(data)
    for name, frac in (("train", train), ("val", val)):
        if not 0 < frac < 1:
            raise ValueError(f"chronological_split: {name}={frac}, expected a fraction in (0, 1)")
    if train + val >= 1:
        raise ValueError(f"chronological_split: train + val = {train + val}, expected < 1 "
                         "to leave a test part")
    t = len(data) if data.ndim else 0
    n_train, n_val = int(train * t), int(val * t)
    if n_train == 0 or n_val == 0 or t - n_train - n_val == 0:
        raise ValueError(f"chronological_split: a series of length {t} leaves an empty part "
                         f"(sizes {n_train}, {n_val}, {t - n_train - n_val}), expected a longer "
                         "series or larger fractions")
    return data[:n_train], data[n_train:n_train + n_val], data[n_train + n_val:]


def rolling_origin_splits(n, n_splits, val_size=None, window="expanding", train_size=None,
                          gap=0):
    """Rolling-origin (time-series) cross-validation folds.

    The last n_splits * val_size steps are cut into consecutive validation
    blocks. Fold k trains on the steps before its block (all of them with
    "expanding"; the last `train_size` with "sliding"), minus a `gap` of steps
    left out right before the block (e.g. the input length of a window model).
    Every validation index is strictly greater than every training index.

    Args:
        n: length of the series.
        n_splits: number of folds.
        val_size: steps per validation block; default n // (n_splits + 1).
        window: "expanding" or "sliding".
        train_size: training length for "sliding"; default that of the first fold.
        gap: steps dropped between training and validation.
    Returns:
        list of (train_idx, val_idx) int64 arrays.
    """
    fn = "rolling_origin_splits"
    if window not in ("expanding", "sliding"):
        raise ValueError(f"{fn}: window={window!r}, expected 'expanding' or 'sliding'")
    if int(n_splits) != n_splits or n_splits < 1:
        raise ValueError(f"{fn}: n_splits={n_splits}, expected a positive int")
    if gap < 0:
        raise ValueError(f"{fn}: gap={gap}, expected >= 0")
    if val_size is None:
        val_size = n // (n_splits + 1)
    if val_size < 1:
        raise ValueError(f"{fn}: val_size={val_size}, expected >= 1 (is n={n} too small for "
                         f"n_splits={n_splits}?)")
    first_val_start = n - n_splits * val_size
    first_train_end = first_val_start - gap
    if first_train_end < 1:
        raise ValueError(f"{fn}: n={n} is too short for n_splits={n_splits}, val_size={val_size}, "
                         f"gap={gap}, expected n > n_splits * val_size + gap")
    if train_size is None:
        train_size = first_train_end
    if window == "sliding" and not 1 <= train_size <= first_train_end:
        raise ValueError(f"{fn}: train_size={train_size}, expected 1 <= train_size <= "
                         f"{first_train_end}")
    folds = []
    for k in range(n_splits):
        val_start = first_val_start + k * val_size
        train_end = val_start - gap
        train_start = 0 if window == "expanding" else train_end - train_size
        folds.append((np.arange(train_start, train_end), np.arange(val_start, val_start + val_size)))
    return folds
