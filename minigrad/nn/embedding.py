"""`Embedding`: a lookup table of vectors indexed by integer ids."""
import numpy as np

from . import init
from .module import Module
from .parameter import Parameter
from .sizes import check_sizes
from ..creation import zeros
from ..functions import where
from ..tensor import Tensor


class Embedding(Module):
    r"""out[..., :] = weight[input[...], :].

    Shapes: input (*) integer ids in [0, num_embeddings); output (*, embedding_dim).

    Parameters:
        weight: (num_embeddings, embedding_dim), initialised N(0, 1).

    With `padding_idx`, that row starts at zero and never receives a gradient
    (its value is still returned, so a loaded non-zero row is used as is).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None):
        super().__init__()
        check_sizes("Embedding", 0, num_embeddings=num_embeddings,
                    embedding_dim=embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"padding_idx {padding_idx} must be within num_embeddings "
                                 f"{num_embeddings}")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(zeros(num_embeddings, embedding_dim, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input):
        ids = np.asarray(input.data if isinstance(input, Tensor) else input)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Embedding: expected integer ids, got dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_embeddings):
            raise IndexError(f"Embedding: ids must lie in [0, {self.num_embeddings}), got "
                             f"values in [{ids.min()}, {ids.max()}]")
        rows = self.weight[ids]
        if self.padding_idx is None:
            return rows
        # same values, but padding positions read a detached copy: no gradient flows there
        not_padding = Tensor._constant((ids != self.padding_idx)[..., None])
        return where(not_padding, rows, self.weight.detach()[ids])

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
