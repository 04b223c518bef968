"""Losses over sequences, with padded steps left out.

    sequence_cross_entropy(logits, targets) = - sum_{n,t valid} log softmax(logits[n, t])[targets[n, t]]
                                              / (number of valid steps)

Shapes: logits (N, T, C), targets (N, T) int; a step is valid when its target is
not `ignore_index` (pad targets with it, e.g. via `pad_sequences(..., value=-100)`).
"""
import numpy as np

from ..tensor import Tensor


def sequence_cross_entropy(logits, targets, ignore_index=-100):
    """Mean cross-entropy over the valid steps of (N, T, C) logits and (N, T) targets."""
    y = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if logits.ndim != 3 or y.shape != logits.shape[:2]:
        raise ValueError(f"sequence_cross_entropy: logits {logits.shape} and targets {y.shape} "
                         "do not match, expected (N, T, C) and (N, T)")
    keep = np.nonzero(y.reshape(-1) != ignore_index)[0]
    if keep.size == 0:
        raise ValueError("sequence_cross_entropy: every target equals ignore_index")
    flat = logits.reshape(-1, logits.shape[-1]).log_softmax(axis=-1)
    picked = flat[keep, y.reshape(-1)[keep]]
    return -picked.mean()
