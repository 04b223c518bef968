"""Many-to-many, delayed: an encoder reads the source, a decoder writes the target."""
import numpy as np

from minigrad.creation import generator, tensor
from minigrad.functions import concat
from minigrad.grad_mode import no_grad
from minigrad.nn import Module

from ..checks import check_sizes
from .recurrent import check_lengths, make_recurrent


class Encoder(Module):
    """Embedding -> recurrent layer over the source; returns (outputs (N, S, H), h_n)."""

    def __init__(self, vocab_size, embedding_dim, hidden_size, rnn="gru", num_layers=1,
                 padding_idx=None):
        super().__init__()
        from minigrad.nn import Embedding
        check_sizes("Encoder", vocab_size=vocab_size, embedding_dim=embedding_dim,
                    hidden_size=hidden_size, num_layers=num_layers)
        self.embedding = Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.rnn = make_recurrent(rnn, embedding_dim, hidden_size, num_layers)

    def forward(self, src, lengths=None):
        if src.ndim != 2:
            raise ValueError(f"Encoder: source ids have shape {src.shape}, expected (N, S)")
        if lengths is not None:
            lengths = check_lengths(lengths, src.shape[0], src.shape[1], "Encoder")
        return self.rnn(self.embedding(src), lengths=lengths)


def source_mask(src, lengths):
    """(N, S) bool, True at real source steps."""
    n, steps = src.shape
    if lengths is None:
        return np.ones((n, steps), dtype=bool)
    lengths = np.asarray(lengths.data if hasattr(lengths, "data") else lengths)
    return np.arange(steps)[None, :] < lengths[:, None]


def decoder_inputs(tgt, bos_index):
    """Teacher forcing input: [BOS, y_1, ..., y_{T-1}] from the target (N, T)."""
    y = np.asarray(tgt.data if hasattr(tgt, "data") else tgt, dtype=np.int64)
    if y.ndim != 2:
        raise ValueError(f"Seq2Seq: target ids have shape {y.shape}, expected (N, T)")
    return np.concatenate([np.full((len(y), 1), bos_index, dtype=np.int64), y[:, :-1]], axis=1)


class Seq2Seq(Module):
    r"""Encoder-decoder without attention: the encoder's final state is the only bridge.

        x_1 -> x_2 -> ... -> x_S           encoder
                              |
                             h_S  (the whole source squeezed into one vector)
                              |
        <bos> -> y_1 -> ... -> y_{T-1}     decoder inputs (teacher forcing: the true
          |       |              |          previous token; greedy: its own guess)
         s_1  -> s_2  -> ... -> s_T
          |       |              |
        p(y_1)  p(y_2)   ...   p(y_T)      (N, T, V_tgt) logits

    Shapes:
        src: (N, S) ids, src_lengths: (N,) or None; tgt: (N, T) ids (no BOS).
        forward -> logits (N, T, V_tgt); greedy_decode -> (N, max_len) ids.

    Args:
        teacher_forcing_ratio (in forward): probability of feeding the true previous
            token at each step; 1.0 runs the decoder over the whole target at once.
    """

    def __init__(self, src_vocab, tgt_vocab, embedding_dim, hidden_size, rnn="gru",
                 num_layers=1, bos_index=0, padding_idx=None):
        super().__init__()
        from minigrad.nn import Embedding, Linear
        check_sizes("Seq2Seq", src_vocab=src_vocab, tgt_vocab=tgt_vocab,
                    embedding_dim=embedding_dim, hidden_size=hidden_size, num_layers=num_layers)
        self.bos_index = bos_index
        self.encoder = Encoder(src_vocab, embedding_dim, hidden_size, rnn, num_layers,
                               padding_idx)
        self.tgt_embedding = Embedding(tgt_vocab, embedding_dim)
        self.decoder = make_recurrent(rnn, embedding_dim, hidden_size, num_layers)
        self.fc = Linear(hidden_size, tgt_vocab)

    def forward(self, src, tgt, src_lengths=None, teacher_forcing_ratio=1.0):
        _, state = self.encoder(src, src_lengths)
        inputs = decoder_inputs(tgt, self.bos_index)
        if teacher_forcing_ratio >= 1.0:
            out, _ = self.decoder(self.tgt_embedding(tensor(inputs)), state)
            return self.fc(out)
        truth = np.asarray(tgt.data if hasattr(tgt, "data") else tgt)
        steps, token = [], inputs[:, 0]
        for t in range(inputs.shape[1]):
            logits, state = self.step(token, state, t)
            steps.append(logits)
            if t + 1 < inputs.shape[1]:
                guess = logits.data.argmax(axis=-1)
                forced = generator().random(len(guess)) < teacher_forcing_ratio
                token = np.where(forced, truth[:, t], guess)
        return concat([s.unsqueeze(1) for s in steps], axis=1)

    def step(self, token, state, t=0):
        """Decoder step t from (N,) ids: (logits (N, V_tgt), new state). `t` only names
        the step in the graph (time step t, as in the teacher-forced decoder)."""
        out, state = self.decoder(self.tgt_embedding(tensor(token[:, None])), state,
                                  first_step=t)
        return self.fc(out[:, 0]), state

    def greedy_decode(self, src, max_len, src_lengths=None):
        """(N, max_len) ids, each step fed the decoder's own most likely previous token."""
        with no_grad():
            _, state = self.encoder(src, src_lengths)
            token = np.full(src.shape[0], self.bos_index, dtype=np.int64)
            produced = []
            for t in range(max_len):
                logits, state = self.step(token, state, t)
                token = logits.data.argmax(axis=-1)
                produced.append(token)
        return np.stack(produced, axis=1)
