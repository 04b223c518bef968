"""Elementwise activations as modules: ReLU, Tanh, Sigmoid."""
from .module import Module


class ReLU(Module):
    """y = max(x, 0). Any shape."""

    def forward(self, input):
        return input.relu()


class Tanh(Module):
    """y = tanh(x). Any shape."""

    def forward(self, input):
        return input.tanh()


class Sigmoid(Module):
    """y = 1 / (1 + exp(-x)). Any shape."""

    def forward(self, input):
        return input.sigmoid()
