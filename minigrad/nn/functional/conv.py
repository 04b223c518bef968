"""1-d convolution built from engine ops: pad, unfold (an integer-array gather), matmul.

Shape letters: N batch, C_in / C_out channels, L length, K kernel size.
"""
import numpy as np

from ...functions import concat
from ...tensor import Tensor


def check_sizes(op, **sizes):
    """Raise a ValueError naming `op` and the argument when a size is below 1."""
    for name, size in sizes.items():
        if size < 1:
            raise ValueError(f"{op}: {name} must be at least 1, got {size}")


def output_length(op, length, kernel_size, stride, dilation, ceil_mode=False):
    """Windows of `kernel_size` (spread by `dilation`) that fit in `length` at `stride`."""
    check_sizes(op, kernel_size=kernel_size, stride=stride, dilation=dilation)
    span = dilation * (kernel_size - 1) + 1
    # ceil_mode also counts a last, partial window (one even when length < span, as torch)
    steps = -(-(length - span) // stride) if ceil_mode else (length - span) // stride
    if steps < 0:
        raise ValueError(f"{op}: the input (length {length} after padding) is shorter than "
                         f"the kernel's span {span}")
    return steps + 1


def pad1d(input, left, right, value=0.0):
    """Pad the last axis of `input` with `left` and `right` constant entries."""
    if left == 0 and right == 0:
        return input
    parts = []
    if left:
        parts.append(Tensor._constant(np.full(input.shape[:-1] + (left,), value, input.dtype)))
    parts.append(input)
    if right:
        parts.append(Tensor._constant(np.full(input.shape[:-1] + (right,), value, input.dtype)))
    return concat(parts, axis=-1)


def unfold1d(input, kernel_size, stride=1, dilation=1, length_out=None):
    """(*, L) -> (*, L_out, K): window l holds input[..., l*stride + k*dilation] for k < K.

    The gather's VJP scatter-adds, so overlapping windows sum their gradients.
    """
    if length_out is None:
        length_out = output_length("unfold1d", input.shape[-1], kernel_size, stride, dilation)
    index = np.arange(length_out)[:, None] * stride + np.arange(kernel_size)[None, :] * dilation
    return input[(Ellipsis, index)]


def _same_padding(kernel_size, stride, dilation):
    if stride != 1:
        raise ValueError("padding='same' is only supported with stride 1 (as in PyTorch)")
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1):
    """Cross-correlation over the last axis, as torch.nn.functional.conv1d (groups=1).

    out[n, o, l] = b[o] + sum_c sum_k w[o, c, k] * x_pad[n, c, l*stride + k*dilation]
    L_out = floor((L + 2*padding - dilation*(K - 1) - 1) / stride) + 1

    Args:
        input: (N, C_in, L) or (C_in, L).
        weight: (C_out, C_in, K).
        bias: (C_out,) or None.
        padding: int (zeros on both sides), "valid" (0) or "same" (stride 1 only).
    Returns:
        (N, C_out, L_out), or (C_out, L_out) for an unbatched input.
    """
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    if input.ndim != 3:
        raise ValueError(f"conv1d: expected a 2-d or 3-d input, got shape {input.shape}")
    out_channels, in_channels, kernel_size = weight.shape
    if input.shape[1] != in_channels:
        raise ValueError(f"conv1d: the weight {weight.shape} expects {in_channels} input "
                         f"channels, the input {input.shape} has {input.shape[1]}")
    if padding == "valid":
        left = right = 0
    elif padding == "same":
        left, right = _same_padding(kernel_size, stride, dilation)
    else:
        left = right = int(padding)
    padded = pad1d(input, left, right)
    length_out = output_length("conv1d", padded.shape[-1], kernel_size, stride, dilation)
    cols = unfold1d(padded, kernel_size, stride, dilation, length_out)  # (N, C, L_out, K)
    n, _, length_out, _ = cols.shape
    rows = cols.permute(0, 2, 1, 3).reshape(n, length_out, in_channels * kernel_size)
    out = rows @ weight.reshape(out_channels, in_channels * kernel_size).mT  # (N, L_out, C_out)
    out = out.permute(0, 2, 1)
    if bias is not None:
        out = out + bias.reshape(out_channels, 1)
    return out.squeeze(0) if unbatched else out
