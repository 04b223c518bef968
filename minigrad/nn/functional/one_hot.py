"""One-hot encoding of class indices."""
import numpy as np

from ...tensor import Tensor


def one_hot(tensor, num_classes=-1):
    """(*,) int64 indices -> (*, num_classes) int64 with a 1 at each index.

    `num_classes=-1` means max(index) + 1. Not differentiable (as in PyTorch).
    """
    indices = np.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {indices.dtype}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise ValueError(f"one_hot: indices must lie in [0, {num_classes}), got values in "
                         f"[{indices.min()}, {indices.max()}]")
    result = (indices[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._constant(result)
