"""Small data sets to train on: shipped text, generated reviews, synthetic sequences."""
from pathlib import Path

import numpy as np

from .reviews import seed_reviews, sentiment_reviews  # noqa: F401  (public here too)

CORPORA_DIR = Path(__file__).parent / "corpora"


def available_texts():
    """Names accepted by `load_text`."""
    return sorted(p.stem for p in CORPORA_DIR.glob("*.txt"))


def load_text(name="tinyshakespeare"):
    """A public-domain text shipped with minigrad (see corpora/README.md).

    Returns:
        str, the whole text.
    """
    path = CORPORA_DIR / f"{name}.txt"
    if name not in available_texts():
        raise ValueError(f"load_text: unknown text {name!r}, expected one of {available_texts()}")
    return path.read_text(encoding="utf-8")


def _check_positive_int(fn, name, value, minimum=1):
    if int(value) != value or value < minimum:
        raise ValueError(f"{fn}: {name}={value}, expected an int >= {minimum}")


def seasonal_series(n=500, period=12, trend=0.01, noise=0.1, seed=0, amplitude=1.0):
    """A synthetic series: linear trend + sine season + Gaussian noise.

        x[t] = trend * t + amplitude * sin(2 pi t / period) + noise * e[t],  e ~ N(0, 1)

    Returns:
        (n,) float64.
    """
    _check_positive_int("seasonal_series", "n", n)
    _check_positive_int("seasonal_series", "period", period, minimum=2)
    if noise < 0:
        raise ValueError(f"seasonal_series: noise={noise}, expected >= 0")
    t = np.arange(n)
    rng = np.random.default_rng(seed)
    return trend * t + amplitude * np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(n)


def adding_problem(n=1000, T=50, seed=0):
    """The adding problem (Hochreiter & Schmidhuber 1997; marker placement of Le et al. 2015).

    Channel 0 holds values drawn from U[0, 1); channel 1 is 0 except for two 1s,
    one in the first half (t < T // 2) and one in the second. The target is the
    sum of the two marked values. Always predicting 1 gives MSE = 2/12 ~ 0.167.

    Args:
        n: number of sequences.
        T: sequence length, >= 2.
    Returns:
        X: (n, T, 2) float64.
        y: (n,) float64.
    """
    _check_positive_int("adding_problem", "n", n)
    _check_positive_int("adding_problem", "T", T, minimum=2)
    rng = np.random.default_rng(seed)
    values = rng.random((n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1)
    y = values[rows, first] + values[rows, second]
    return X, y


def digit_sequences(n=1000, length=8, task="reverse", seed=0, num_digits=10):
    """Random digit strings and their reversal or sorting, for seq2seq models.

    Args:
        n: number of pairs.
        length: L, digits per sequence.
        task: "reverse" or "sort" (ascending).
        num_digits: digits are drawn from range(num_digits).
    Returns:
        X: (n, L) int64 source; y: (n, L) int64 target. Add BOS/EOS ids
        (e.g. num_digits, num_digits + 1) yourself if the model needs them.
    """
    _check_positive_int("digit_sequences", "n", n)
    _check_positive_int("digit_sequences", "length", length)
    _check_positive_int("digit_sequences", "num_digits", num_digits)
    if task not in ("reverse", "sort"):
        raise ValueError(f"digit_sequences: task={task!r}, expected 'reverse' or 'sort'")
    X = np.random.default_rng(seed).integers(0, num_digits, size=(n, length))
    y = X[:, ::-1].copy() if task == "reverse" else np.sort(X, axis=1)
    return X, y
