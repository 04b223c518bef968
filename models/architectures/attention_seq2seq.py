"""Encoder-decoder with attention: every output step looks back at every source step."""
import numpy as np

from minigrad.creation import generator, tensor
from minigrad.functions import concat, stack
from minigrad.grad_mode import no_grad
from minigrad.nn import Module

from ..checks import check_sizes
from .attention import AdditiveAttention, DotProductAttention
from .recurrent import last_layer_state, make_recurrent
from .seq2seq import Encoder, decoder_inputs, source_mask

ATTENTIONS = ("additive", "dot")


class AttentionSeq2Seq(Module):
    r"""Seq2seq where the decoder reads a fresh context vector at every step.

        x_1 -> x_2 -> ... -> x_S        encoder states k_1 .. k_S (N, S, H)
         k_1    k_2          k_S
           \     |          /
            a_t1 a_t2 ... a_tS          attention weights of output step t (sum to 1
                   |                     over the valid source steps)
                  c_t = sum_j a_tj k_j
                   |
        y_{t-1} -> s_t -> p(y_t)

    additive (Bahdanau): a_t from the previous state s_{t-1}; the decoder input is
        [emb(y_{t-1}); c_t]; logits = W_o [s_t; c_t].
    dot (Luong): s_t from emb(y_{t-1}); a_t from s_t . k_j; logits =
        W_o tanh(W_c [s_t; c_t]).

    Shapes:
        src (N, S), src_lengths (N,) or None, tgt (N, T) ids without BOS.
        forward -> (logits (N, T, V_tgt), weights (N, T, S)).
        greedy_decode -> (ids (N, max_len), weights (N, max_len, S)).
    """

    def __init__(self, src_vocab, tgt_vocab, embedding_dim, hidden_size, attention="additive",
                 rnn="gru", num_layers=1, bos_index=0, padding_idx=None):
        super().__init__()
        from minigrad.nn import Embedding, Linear
        check_sizes("AttentionSeq2Seq", src_vocab=src_vocab, tgt_vocab=tgt_vocab,
                    embedding_dim=embedding_dim, hidden_size=hidden_size, num_layers=num_layers)
        if attention not in ATTENTIONS:
            raise ValueError(f"AttentionSeq2Seq: attention={attention!r}, expected one of "
                             f"{ATTENTIONS}")
        self.attention_kind = attention
        self.bos_index = bos_index
        self.encoder = Encoder(src_vocab, embedding_dim, hidden_size, rnn, num_layers,
                               padding_idx)
        self.tgt_embedding = Embedding(tgt_vocab, embedding_dim)
        if attention == "additive":
            self.attention = AdditiveAttention(hidden_size, hidden_size, hidden_size)
            self.decoder = make_recurrent(rnn, embedding_dim + hidden_size, hidden_size,
                                          num_layers)
            self.fc = Linear(2 * hidden_size, tgt_vocab)
        else:
            self.attention = DotProductAttention()
            self.decoder = make_recurrent(rnn, embedding_dim, hidden_size, num_layers)
            self.combine = Linear(2 * hidden_size, hidden_size)
            self.fc = Linear(hidden_size, tgt_vocab)

    def encode(self, src, src_lengths=None):
        """(keys (N, S, H), projected keys, mask (N, S), decoder initial state)."""
        keys, state = self.encoder(src, src_lengths)
        mask = source_mask(src, src_lengths)
        return keys, self.attention.project_keys(keys), mask, state

    def step(self, token, state, memory, t=0):
        """Decoder step t from (N,) ids: (logits (N, V), weights (N, S), new state).
        `t` only names the step in the graph (the decoder's time step t)."""
        keys, projected, mask = memory
        embedded = self.tgt_embedding(tensor(token[:, None]))        # (N, 1, E)
        if self.attention_kind == "additive":
            query = last_layer_state(state, False)
            context, weights = self.attention(query, keys, mask, projected)
            out, state = self.decoder(concat([embedded, context.unsqueeze(1)], axis=-1), state,
                                      first_step=t)
            logits = self.fc(concat([out[:, 0], context], axis=-1))
        else:
            out, state = self.decoder(embedded, state, first_step=t)
            context, weights = self.attention(out[:, 0], keys, mask)
            logits = self.fc(self.combine(concat([out[:, 0], context], axis=-1)).tanh())
        return logits, weights, state

    def forward(self, src, tgt, src_lengths=None, teacher_forcing_ratio=1.0):
        keys, projected, mask, state = self.encode(src, src_lengths)
        inputs = decoder_inputs(tgt, self.bos_index)
        truth = np.asarray(tgt.data if hasattr(tgt, "data") else tgt)
        all_logits, all_weights, token = [], [], inputs[:, 0]
        for t in range(inputs.shape[1]):
            logits, weights, state = self.step(token, state, (keys, projected, mask), t)
            all_logits.append(logits)
            all_weights.append(weights)
            if t + 1 < inputs.shape[1]:
                token = inputs[:, t + 1]
                if teacher_forcing_ratio < 1.0:
                    forced = generator().random(len(token)) < teacher_forcing_ratio
                    token = np.where(forced, truth[:, t], logits.data.argmax(axis=-1))
        return stack(all_logits, axis=1), stack(all_weights, axis=1)

    def greedy_decode(self, src, max_len, src_lengths=None):
        with no_grad():
            keys, projected, mask, state = self.encode(src, src_lengths)
            token = np.full(src.shape[0], self.bos_index, dtype=np.int64)
            produced, weights = [], []
            for t in range(max_len):
                logits, w, state = self.step(token, state, (keys, projected, mask), t)
                token = logits.data.argmax(axis=-1)
                produced.append(token)
                weights.append(w.data)
        return np.stack(produced, axis=1), np.stack(weights, axis=1)

    def extra_repr(self):
        return f"attention={self.attention_kind!r}"
