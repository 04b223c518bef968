"""One-to-many: from a start token (and optionally a context vector) to a sequence."""
import numpy as np

from minigrad.creation import generator as default_generator, tensor, zeros
from minigrad.grad_mode import no_grad
from minigrad.nn import Module

from ..checks import check_sizes
from .recurrent import make_recurrent


class SequenceGenerator(Module):
    r"""A next-token model that samples sequences; also a character language model.

    One-to-many (generate):
                 context (optional)
                     |
                  [init] -> h_0
                     |
        <start> -> [emb] -> h_1 -> [lin] -> p(y_1) -> sample y_1
                             |
                   y_1 ---> [emb] -> h_2 -> [lin] -> p(y_2) -> sample y_2 ...

    Language model (forward, teacher forcing): logits for the token after each
    input token:
        x_1 ... x_L  ->  h_1 ... h_L  ->  logits (N, L, V) for x_2 ... x_{L+1}

    Shapes:
        x: (N, L) int ids; hx: the layer's state (None = zeros, or from `context`);
        context: (N, context_size) floats, mapped to h_0 = tanh(W context + b).
        forward returns (logits (N, L, V), hx) so it can be called chunk after
        chunk (truncated BPTT).
    """

    def __init__(self, vocab_size, embedding_dim, hidden_size, rnn="lstm", num_layers=1,
                 context_size=None):
        super().__init__()
        from minigrad.nn import Embedding, Linear
        check_sizes("SequenceGenerator", vocab_size=vocab_size, embedding_dim=embedding_dim,
                    hidden_size=hidden_size, num_layers=num_layers)
        if context_size is not None:
            check_sizes("SequenceGenerator", context_size=context_size)
        self.rnn_kind = rnn
        self.num_layers = num_layers
        self.hidden_size = hidden_size
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.rnn = make_recurrent(rnn, embedding_dim, hidden_size, num_layers)
        self.fc = Linear(hidden_size, vocab_size)
        self.init = None if context_size is None else Linear(context_size, hidden_size)

    def initial_state(self, context):
        """hx from a context vector (N, context_size): tanh(init(context)) in every layer."""
        if self.init is None:
            raise ValueError("SequenceGenerator: built without context_size, so it cannot "
                             "start from a context vector")
        h = self.init(context).tanh()
        from minigrad.functions import stack
        h0 = stack([h] * self.num_layers, axis=0)
        if self.rnn_kind == "lstm":
            return h0, zeros(*h0.shape, dtype=h0.dtype)
        return h0

    def forward(self, x, hx=None, context=None, *, first_step=0):
        """(logits (N, L, vocab), hx). `first_step`: the time step of x[:, 0] (a chunk of
        truncated BPTT, a step of generation), which the graph labels its steps from."""
        if x.ndim != 2:
            raise ValueError(f"SequenceGenerator: token ids have shape {x.shape}, expected (N, L)")
        if hx is None and context is not None:
            hx = self.initial_state(context)
        out, hx = self.rnn(self.embedding(x), hx, first_step=first_step)
        return self.fc(out), hx

    def generate(self, start, steps, context=None, temperature=1.0, greedy=False, rng=None):
        """Sample `steps` tokens after `start`.

        Args:
            start: (N,) int ids of the first input token(s), or an (N, L) prompt
                that is read first.
            steps: number of tokens to produce.
            context: optional (N, context_size) vector for h_0.
            temperature: softmax temperature (> 0); lower is more conservative.
            greedy: take the most likely token instead of sampling.
            rng: numpy Generator (default minigrad's).
        Returns:
            (N, steps) int64 array of generated ids.
        """
        if not greedy and temperature <= 0:
            raise ValueError(f"generate: temperature={temperature}, expected > 0 (or greedy=True)")
        rng = default_generator() if rng is None else rng
        prompt = np.asarray(start.data if hasattr(start, "data") else start, dtype=np.int64)
        if prompt.ndim == 1:
            prompt = prompt[:, None]
        was_training = self.training
        self.eval()
        produced = []
        try:
            with no_grad():
                logits, hx = self(tensor(prompt), None, context)
                for _ in range(steps):
                    last = logits.data[:, -1].astype(np.float64)
                    token = last.argmax(axis=-1) if greedy else _sample(last / temperature, rng)
                    produced.append(token)
                    logits, hx = self(tensor(token[:, None]), hx)
        finally:
            self.train(was_training)
        return np.stack(produced, axis=1) if produced else np.zeros((len(prompt), 0), np.int64)


def _sample(logits, rng):
    """One id per row from softmax(logits) (N, V)."""
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = rng.random((len(p), 1))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1).astype(np.int64)
