"""`Dropout`: the module form of `functional.dropout`, active only in training mode."""
from . import functional as F
from .module import Module


class Dropout(Module):
    r"""y = x * m / (1 - p), m ~ Bernoulli(1 - p) elementwise, in training; y = x in eval.

    Shapes: any; output has the input's shape.
    """

    def __init__(self, p=0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace=False"
