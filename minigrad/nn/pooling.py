"""`MaxPool1d` and `AvgPool1d` over the last axis of (N, C, L) inputs."""
from . import functional as F
from .module import Module


class MaxPool1d(Module):
    r"""out[n, c, l] = max_k x[n, c, l*stride - padding + k*dilation]  (padding is -inf).

    Shapes: input (N, C, L_in) or (C, L_in); output (N, C, L_out),
    L_out = floor_or_ceil((L_in + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1.
    `stride` defaults to `kernel_size`.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    r"""out[n, c, l] = (1/D) sum_{k<K} x_pad[n, c, l*stride + k]  (zero padding).

    D = kernel_size, or the count of non-padding positions when count_include_pad=False.
    Shapes: input (N, C, L_in) or (C, L_in); output (N, C, L_out),
    L_out = floor_or_ceil((L_in + 2*padding - kernel_size) / stride) + 1.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = (kernel_size,)
        self.stride = (kernel_size if stride is None else stride,)
        self.padding = (padding,)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size[0], self.stride[0], self.padding[0],
                            self.ceil_mode, self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
