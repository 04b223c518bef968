"""Pad and truncate a list of variable-length sequences into one (N, T) array."""
from collections import namedtuple

import numpy as np

PaddedBatch = namedtuple("PaddedBatch", ["values", "lengths", "mask"])
PaddedBatch.__doc__ = """Result of `pad_sequences`.

values: (N, T, *F) array; lengths: (N,) int64, the kept length of each
sequence; mask: (N, T) bool, True at real (non-pad) steps."""

_SIDES = ("pre", "post")


def pad_sequences(sequences, max_len=None, padding="post", truncating="post", value=0,
                  dtype=None):
    """Stack sequences of different lengths into one padded array.

    Options follow Keras `pad_sequences`; the defaults differ: here both are
    "post" (pad and cut at the end), which keeps step t of every row at time t
    and suits a `lengths`/`mask`-aware RNN. Pass "pre" for the Keras behaviour.

    Args:
        sequences: list of N sequences; each of shape (L_i,) or (L_i, *F) with
            the same F.
        max_len: T; default the longest length.
        padding: "post" pads at the end, "pre" at the start.
        truncating: "post" drops steps past max_len at the end, "pre" at the start.
        value: the pad value.
        dtype: default the dtype numpy infers from the data (int64 for ints).
    Returns:
        PaddedBatch(values (N, T, *F), lengths (N,), mask (N, T) bool).
    """
    if padding not in _SIDES:
        raise ValueError(f"pad_sequences: padding={padding!r}, expected 'pre' or 'post'")
    if truncating not in _SIDES:
        raise ValueError(f"pad_sequences: truncating={truncating!r}, expected 'pre' or 'post'")
    if isinstance(sequences, np.ndarray) and sequences.dtype != object:
        sequences = list(sequences)
    sequences = [np.asarray(s) for s in sequences]
    if not sequences:
        raise ValueError("pad_sequences: got no sequences, expected a non-empty list")
    for i, s in enumerate(sequences):
        if s.ndim == 0:
            raise ValueError(f"pad_sequences: sequence {i} is a scalar, expected a sequence")
    # Empty sequences carry no feature shape; take it from the non-empty ones.
    feature_shapes = {s.shape[1:] for s in sequences if len(s)}
    if len(feature_shapes) > 1:
        raise ValueError(f"pad_sequences: mismatched step shapes {sorted(feature_shapes)}, "
                         "expected every step to have the same shape")
    feature_shape = feature_shapes.pop() if feature_shapes else ()
    if max_len is None:
        max_len = max(len(s) for s in sequences)
    elif int(max_len) != max_len or max_len < 1:
        raise ValueError(f"pad_sequences: max_len={max_len}, expected a positive int")
    max_len = int(max_len)
    if dtype is None:
        non_empty = [s for s in sequences if len(s)]
        dtype = np.result_type(*non_empty) if non_empty else np.int64

    n = len(sequences)
    values = np.full((n, max_len) + feature_shape, value, dtype=dtype)
    lengths = np.zeros(n, dtype=np.int64)
    for i, s in enumerate(sequences):
        kept = s[:max_len] if truncating == "post" else s[max(len(s) - max_len, 0):]
        length = len(kept)
        lengths[i] = length
        if length == 0:
            continue
        if padding == "post":
            values[i, :length] = kept
        else:
            values[i, max_len - length:] = kept
    steps = np.arange(max_len)
    if padding == "post":
        mask = steps[None, :] < lengths[:, None]
    else:
        mask = steps[None, :] >= (max_len - lengths)[:, None]
    return PaddedBatch(values, lengths, mask)
