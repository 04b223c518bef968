"""Metrics for `fit`/`evaluate`: functions (output, targets) -> float.

Targets may be Tensors or numpy arrays. Shapes:
    N batch, T time steps, C classes.
"""
import numpy as np

from ..tensor import Tensor

LOG2 = np.log(2.0)


def _array(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def accuracy(output, targets):
    """Fraction of correct class predictions.

    output (N, C) logits with targets (N,) class ids; or output (N,) logits of a
    binary classifier (positive when > 0) with targets (N,) in {0, 1}.
    """
    out, y = _array(output), _array(targets)
    predicted = out.argmax(axis=-1) if out.ndim == y.ndim + 1 else (out > 0).astype(np.int64)
    if predicted.shape != y.shape:
        raise ValueError(f"accuracy: predictions of shape {predicted.shape} do not match "
                         f"targets of shape {y.shape}")
    return float((predicted == y).mean())


def masked_accuracy(ignore_index=-100):
    """Per-step accuracy over (N, T, C) logits, skipping targets equal to `ignore_index`."""
    def metric(output, targets):
        out, y = _array(output), _array(targets)
        keep = y != ignore_index
        return float((out.argmax(axis=-1)[keep] == y[keep]).mean()) if keep.any() else 0.0
    metric.__name__ = "masked_accuracy"
    return metric


def exact_match(output, targets):
    """Fraction of sequences whose every step is right: (N, T, C) logits, (N, T) ids."""
    out, y = _array(output), _array(targets)
    return float((out.argmax(axis=-1) == y).all(axis=-1).mean())


def mse(output, targets):
    out, y = _array(output), _array(targets)
    return float(np.mean((out.reshape(y.shape) - y) ** 2))


def mae(output, targets):
    out, y = _array(output), _array(targets)
    return float(np.mean(np.abs(out.reshape(y.shape) - y)))


def bits_per_character(output, targets):
    """Mean -log2 p(target) of (N, T, V) next-character logits against (N, T) ids."""
    out, y = _array(output).astype(np.float64), _array(targets)
    peak = out.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(out - peak).sum(axis=-1)) + peak[..., 0]
    picked = np.take_along_axis(out, y[..., None], axis=-1)[..., 0]
    return float(np.mean(log_z - picked) / LOG2)
