"""`Identity`: forward returns its input (a placeholder layer, as torch.nn.Identity)."""
from .module import Module


class Identity(Module):
    """forward(x) = x. Any constructor arguments are accepted and ignored, as in torch."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input
