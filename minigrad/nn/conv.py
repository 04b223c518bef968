"""`Conv1d`: 1-d cross-correlation over (N, C, L) inputs, as torch.nn.Conv1d (groups=1)."""
import math

from . import functional as F
from . import init
from .functional.conv import check_sizes
from .module import Module
from .parameter import Parameter
from ..creation import zeros


class Conv1d(Module):
    r"""out[n, o, l] = bias[o] + sum_{c, k} weight[o, c, k] * x_pad[n, c, l*stride + k*dilation]

    Shapes:
        input (N, C_in, L_in) or (C_in, L_in); output (N, C_out, L_out), with
        L_out = floor((L_in + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1.

    Parameters:
        weight: (out_channels, in_channels, kernel_size), and bias: (out_channels,), both
        initialised U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels * kernel_size.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, bias=True, dtype=None):
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride)
        self.padding = padding if isinstance(padding, str) else _single(padding)
        self.dilation = _single(dilation)
        check_sizes("Conv1d", kernel_size=self.kernel_size[0], stride=self.stride[0],
                    dilation=self.dilation[0])
        self.weight = Parameter(zeros(out_channels, in_channels, self.kernel_size[0], dtype=dtype))
        if bias:
            self.bias = Parameter(zeros(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size[0])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return F.conv1d(input, self.weight, self.bias, stride=self.stride[0], padding=padding,
                        dilation=self.dilation[0])

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,):
            text += f", padding={self.padding}"  # a string unquoted, as torch
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        return text


def _single(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (int(value),)
