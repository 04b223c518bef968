"""One-hot encoding of integer ids."""
import numpy as np


def one_hot(ids, num_classes, dtype=np.float32):
    """One-hot encode an integer array.

    Args:
        ids: int array of any shape S, values in [0, num_classes).
        num_classes: C, the vocabulary size.
    Returns:
        array of shape S + (C,) with a single 1 along the last axis.
    """
    ids = np.asarray(ids)
    if ids.size and not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"one_hot: expected integer ids, got dtype {ids.dtype}")
    if num_classes < 1:
        raise ValueError(f"one_hot: num_classes={num_classes}, expected >= 1")
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise ValueError(f"one_hot: id {int(bad)} out of range, expected 0 <= id < {num_classes}")
    return np.eye(num_classes, dtype=dtype)[ids.astype(np.int64)]
