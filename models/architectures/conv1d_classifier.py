"""A convolutional many-to-one baseline: n-gram detectors plus max pooling, no recurrence."""
import numpy as np

from minigrad.creation import tensor
from minigrad.functions import where
from minigrad.nn import Module

from ..checks import check_sizes


class Conv1dClassifier(Module):
    r"""Embedding -> Conv1d -> ReLU -> [MaxPool1d] -> global max over time -> linear.

        x_1 x_2 x_3 x_4 x_5 ... x_L           token ids (N, L)
        [e] [e] [e] [e] [e]     [e]           embedding, as channels: (N, E, L)
        \_____k_____/                          each filter looks at k neighbours
            \_____k_____/    ...               -> (N, C, L - k + 1) after ReLU
                 [max pool, size p]            optional local pooling
        global max over the valid windows     -> (N, C): "did this n-gram occur?"
                     [linear]                 -> (N, num_classes)

    Order inside a window is seen; order between windows is not, which is the
    difference from an RNN that the conv-vs-LSTM task measures.

    Shapes:
        x: (N, L) ids with L >= kernel_size; lengths: (N,) or None.
        output: (N, num_classes).
    """

    def __init__(self, vocab_size, embedding_dim, num_filters, num_classes, kernel_size=3,
                 pool_size=None, padding_idx=0):
        super().__init__()
        from minigrad.nn import Conv1d, Embedding, Linear, MaxPool1d
        check_sizes("Conv1dClassifier", vocab_size=vocab_size, embedding_dim=embedding_dim,
                    num_filters=num_filters, num_classes=num_classes, kernel_size=kernel_size)
        if pool_size is not None:
            check_sizes("Conv1dClassifier", pool_size=pool_size)
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.embedding = Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.conv = Conv1d(embedding_dim, num_filters, kernel_size)
        self.pool = None if pool_size is None else MaxPool1d(pool_size)
        self.fc = Linear(num_filters, num_classes)

    def forward(self, x, lengths=None):
        if x.ndim != 2:
            raise ValueError(f"Conv1dClassifier: token ids have shape {x.shape}, expected (N, L)")
        if x.shape[1] < self.kernel_size:
            raise ValueError(f"Conv1dClassifier: sequences of length {x.shape[1]} are shorter "
                             f"than the kernel ({self.kernel_size}); pad them to at least that")
        features = self.conv(self.embedding(x).transpose(1, 2)).relu()    # (N, C, W)
        windows = features.shape[-1]
        if self.pool is not None:
            features = self.pool(features)
        if lengths is not None:
            features = self._mask_padding(features, lengths, windows)
        return self.fc(features.amax(dim=-1))

    def _mask_padding(self, features, lengths, windows):
        """Zero the positions whose window lies wholly in padding (ReLU outputs are >= 0)."""
        lengths = np.asarray(lengths.data if hasattr(lengths, "data") else lengths)
        # a position of the (pooled) output is valid if its first window starts before the end
        stride = self.pool_size or 1
        starts = np.arange(features.shape[-1]) * stride
        valid = starts[None, :] < np.maximum(lengths - self.kernel_size + 1, 1)[:, None]
        return where(tensor(valid[:, None, :]), features, 0.0)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, pool_size={self.pool_size}"
