"""`Linear`: the affine layer y = x W^T + b."""
import math


from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .sizes import check_sizes
from ..creation import zeros


class Linear(Module):
    r"""y = x W^T + b.

    Shapes: input (*, H_in), output (*, H_out), with H_in = in_features, H_out = out_features.

    Parameters:
        weight: (out_features, in_features), initialised U(-1/sqrt(in_features), 1/sqrt(in_features)).
        bias: (out_features,), same initialisation; absent when `bias=False`.
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        check_sizes("Linear", 0, in_features=in_features, out_features=out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(zeros(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(zeros(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
