"""Many-to-one: read a whole sequence, emit one prediction."""
import numpy as np

from minigrad.nn import Module
from minigrad.creation import tensor
from minigrad.functions import where

from ..checks import check_sizes
from .recurrent import check_lengths, last_layer_state, make_recurrent, step_mask

POOLINGS = ("last", "mean", "max")


class SequenceClassifier(Module):
    r"""Many-to-one sequence model: embedding -> recurrent layer -> summary -> linear.

        x_1    x_2    x_3 ... x_L   (pad pad)
         |      |      |       |
       [emb]  [emb]  [emb]   [emb]          (skipped when vocab_size is None)
         |      |      |       |
        h_1 -> h_2 -> h_3 ...-> h_L         recurrent layer (rnn / irnn / lstm / gru)
                                 |
                   summary: h_L ("last", respecting lengths), or the mean / max
                   of h_1..h_L over the valid steps ("mean", "max")
                                 |
                             [linear] -> y   (N, num_classes)

    Shapes:
        x: (N, L) int token ids, or (N, L, H_in) floats when vocab_size is None.
        lengths: (N,) valid steps per row (padding at the end); None = all L.
        output: (N, num_classes) logits (or regression outputs).

    Args:
        vocab_size: size of the token vocabulary, or None for float inputs.
        input_size: embedding dimension (or H_in of float inputs).
        hidden_size: H of the recurrent layer.
        num_classes: output size.
        rnn: "rnn", "irnn", "lstm" or "gru".
        pooling: "last", "mean" or "max".
        padding_idx: embedding row kept at zero for the pad token.
    """

    def __init__(self, vocab_size, input_size, hidden_size, num_classes, rnn="lstm",
                 pooling="last", num_layers=1, bidirectional=False, padding_idx=0,
                 dropout=0.0):
        super().__init__()
        from minigrad.nn import Dropout, Embedding, Linear
        check_sizes("SequenceClassifier", input_size=input_size, hidden_size=hidden_size,
                    num_classes=num_classes, num_layers=num_layers)
        if vocab_size is not None:  # None: the inputs are feature vectors, not token ids
            check_sizes("SequenceClassifier", vocab_size=vocab_size)
        if pooling not in POOLINGS:
            raise ValueError(f"SequenceClassifier: pooling={pooling!r}, expected one of {POOLINGS}")
        self.pooling = pooling
        self.bidirectional = bidirectional
        self.embedding = None if vocab_size is None else Embedding(
            vocab_size, input_size, padding_idx=padding_idx)
        self.rnn = make_recurrent(rnn, input_size, hidden_size, num_layers, bidirectional)
        self.dropout = Dropout(dropout)
        self.fc = Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x, lengths=None):
        if self.embedding is not None:
            if x.ndim != 2:
                raise ValueError(f"SequenceClassifier: token ids have shape {x.shape}, "
                                 "expected (N, L)")
            x = self.embedding(x)
        elif x.ndim != 3:
            raise ValueError(f"SequenceClassifier: inputs have shape {x.shape}, expected "
                             "(N, L, H_in)")
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1], "SequenceClassifier")
        out, h_n = self.rnn(x, lengths=lengths)
        summary = self.summarize(out, h_n, lengths)
        return self.fc(self.dropout(summary))

    def summarize(self, out, h_n, lengths):
        """(N, H * directions) summary of the valid steps of `out` (N, L, H * directions)."""
        if self.pooling == "last":
            return last_layer_state(h_n, self.bidirectional)
        n, steps = out.shape[:2]
        if lengths is None:
            lengths = np.full(n, steps)
        mask = step_mask(lengths, steps, out.dtype)
        if self.pooling == "mean":
            return (out * tensor(mask)).sum(axis=1) / tensor(lengths[:, None].astype(out.dtype))
        # padded steps get a value no real step can beat, so they never win the max
        return where(tensor(mask.astype(bool)), out, -1e30).amax(dim=1)

    def extra_repr(self):
        return f"pooling={self.pooling!r}"
