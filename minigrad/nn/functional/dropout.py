"""Inverted dropout."""
from ...creation import generator
from ...tensor import Tensor


def dropout(x, p=0.5, training=True):
    """Zero each element with probability `p` and scale the survivors by 1/(1-p).

    y = x * m / (1 - p),  m ~ Bernoulli(1 - p) elementwise, drawn from `mg.generator()`,
    so that E[y] = x. The identity when not `training` or `p == 0`.

    Args:
        x: Tensor of any shape.
        p: drop probability in [0, 1].
        training: apply dropout only when True.
    Returns:
        Tensor of x's shape.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = generator().random(x.shape) >= p
    scale = (keep / (1.0 - p)).astype(x.dtype)
    return x * Tensor._constant(scale)
