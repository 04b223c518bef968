"""1-d max and average pooling over the last axis, built on `unfold1d`.

Shape letters: N batch, C channels, L length, K kernel size.
"""
import numpy as np

from ...functions import where
from ...tensor import Tensor
from .conv import output_length, pad1d, unfold1d


def _geometry(op, length, kernel_size, stride, padding, dilation, ceil_mode):
    """Output length and the extra right padding that ceil_mode's last window needs."""
    stride = kernel_size if stride is None else stride
    if padding > kernel_size // 2:
        raise ValueError(f"{op}: pad should be at most half of the kernel size, got padding="
                         f"{padding} and kernel_size={kernel_size}")
    length_out = output_length(op, length + 2 * padding, kernel_size, stride, dilation,
                               ceil_mode)
    if ceil_mode and (length_out - 1) * stride >= length + padding:
        length_out -= 1  # the last window must start inside the input or the left padding
    needed = (length_out - 1) * stride + dilation * (kernel_size - 1) + 1
    return stride, length_out, max(0, needed - (length + 2 * padding))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """out[..., l] = max_k x_pad[..., l*stride + k*dilation], padding never chosen.

    As in torch, each window's gradient goes to its first maximum among the input's
    elements, -inf inputs included (or to its last NaN, which it then passes on); a
    window with all its taps in the padding gives -inf. The window maxima are found in numpy, and the
    graph holds one gather of the chosen elements.

    Args:
        input: (N, C, L) or (C, L).
        stride: defaults to kernel_size.
        padding: implicit -inf on both sides, at most kernel_size // 2.
    Returns:
        (N, C, L_out) with L_out = floor_or_ceil((L + 2p - dilation*(K-1) - 1) / stride) + 1.
    """
    length = input.shape[-1]
    stride, length_out, _ = _geometry("max_pool1d", length, kernel_size, stride, padding,
                                      dilation, ceil_mode)
    # window l's taps in input coordinates; those outside [0, length) are padding
    taps = (np.arange(length_out)[:, None] * stride
            + np.arange(kernel_size)[None, :] * dilation - padding)
    real = (taps >= 0) & (taps < length)
    scores = np.where(real, np.asarray(input.data)[..., np.clip(taps, 0, length - 1)], -np.inf)
    best = scores.max(axis=-1, keepdims=True)
    chosen = ((scores == best) & real).argmax(axis=-1)            # (..., L_out)
    nan = np.isnan(scores)  # (the padding is -inf, never NaN)
    if nan.any():  # as torch, a window holding NaN passes on its last NaN
        last_nan = kernel_size - 1 - nan[..., ::-1].argmax(axis=-1)
        chosen = np.where(nan.any(axis=-1), last_nan, chosen)
    position = np.clip(taps[np.arange(length_out), chosen], 0, length - 1)
    leading = [i[..., None] for i in np.indices(chosen.shape[:-1], sparse=True)]
    values = input[(*leading, position)]
    empty = ~real.any(axis=-1)
    if not empty.any():
        return values
    minus_inf = np.full(values.shape, -np.inf, dtype=values.dtype)
    return where(Tensor._constant(~empty), values, Tensor._constant(minus_inf))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """out[..., l] = sum_k x_pad[..., l*stride + k] / D_l  (zero padding).

    D_l counts the window's positions inside the padded input (count_include_pad=True)
    or inside the input itself (False); positions beyond it that ceil_mode adds never count.

    Args:
        input: (N, C, L) or (C, L). stride defaults to kernel_size.
    Returns:
        (N, C, L_out).
    """
    length = input.shape[-1]
    stride, length_out, extra = _geometry("avg_pool1d", length, kernel_size, stride, padding, 1,
                                          ceil_mode)
    padded = pad1d(input, padding, padding + extra, value=0.0)
    sums = unfold1d(padded, kernel_size, stride, 1, length_out).sum(axis=-1)
    starts = np.arange(length_out) * stride - padding  # in input coordinates
    positions = starts[:, None] + np.arange(kernel_size)[None, :]
    low, high = (-padding, length + padding) if count_include_pad else (0, length)
    divisor = ((positions >= low) & (positions < high)).sum(axis=1).astype(input.dtype)
    return sums / Tensor._constant(divisor)
