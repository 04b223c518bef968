"""`Flatten`: merge a range of dimensions into one."""
from .module import Module


class Flatten(Module):
    """(*, S_start, ..., S_end, *) -> (*, S_start * ... * S_end, *); by default (N, *) -> (N, -1)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        ndim = max(input.ndim, 1)
        start, end = self.start_dim % ndim, self.end_dim % ndim
        if input.ndim == 0 or start >= end:
            return input.reshape(input.shape[:start] + (-1,) + input.shape[start + 1:]) \
                if input.ndim else input.reshape(1)
        shape = input.shape[:start] + (-1,) + input.shape[end + 1:]
        return input.reshape(shape)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
