"""Many-to-many, synchronized: one label per input step."""
from minigrad.nn import Module

from ..checks import check_sizes
from .recurrent import check_lengths, make_recurrent


class SequenceTagger(Module):
    r"""A label for every step: embedding -> recurrent layer -> linear at each step.

        x_1    x_2    x_3 ... x_L
         |      |      |       |
       [emb]  [emb]  [emb]   [emb]
         |      |      |       |
        h_1 -> h_2 -> h_3 ...-> h_L      (bidirectional: also h_1 <- h_2 <- ... <- h_L)
         |      |      |       |
       [lin]  [lin]  [lin]   [lin]
         |      |      |       |
        y_1    y_2    y_3     y_L

    Shapes:
        x: (N, L) int ids (or (N, L, H_in) floats when vocab_size is None).
        lengths: (N,) or None; steps past a row's length are padding, and a
            bidirectional layer must not read them, so pass lengths.
        output: (N, L, num_tags) logits. Train with
            minigrad.train.sequence_cross_entropy(output, targets) where padded
            targets are -100.
    """

    def __init__(self, vocab_size, input_size, hidden_size, num_tags, rnn="lstm",
                 num_layers=1, bidirectional=True, padding_idx=0):
        super().__init__()
        from minigrad.nn import Embedding, Linear
        check_sizes("SequenceTagger", input_size=input_size, hidden_size=hidden_size,
                    num_tags=num_tags, num_layers=num_layers)
        if vocab_size is not None:  # None: the inputs are feature vectors, not token ids
            check_sizes("SequenceTagger", vocab_size=vocab_size)
        self.embedding = None if vocab_size is None else Embedding(
            vocab_size, input_size, padding_idx=padding_idx)
        self.rnn = make_recurrent(rnn, input_size, hidden_size, num_layers, bidirectional)
        self.fc = Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, x, lengths=None):
        if self.embedding is not None:
            if x.ndim != 2:
                raise ValueError(f"SequenceTagger: token ids have shape {x.shape}, expected (N, L)")
            x = self.embedding(x)
        if lengths is not None:
            lengths = check_lengths(lengths, x.shape[0], x.shape[1], "SequenceTagger")
        out, _ = self.rnn(x, lengths=lengths)
        return self.fc(out)
