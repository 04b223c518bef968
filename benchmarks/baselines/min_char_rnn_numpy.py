"""Karpathy's min-char-rnn workload, written by hand in numpy.

A vanilla tanh RNN over one sequence (batch 1) of one-hot characters, with a
softmax cross-entropy loss at every time step::

    h_t = tanh(Wxh @ x_t + Whh @ h_{t-1} + bh)      x_t one-hot, shape (V, 1)
    y_t = Why @ h_t + by                              logits, shape (V, 1)
    p_t = softmax(y_t)
    loss = sum_t -log p_t[targets[t]]

followed by full backpropagation through time and elementwise clipping of
every gradient to [-clip, clip]. As in the original, the one-hot input enters
through a real matrix product ``Wxh @ x_t`` (not a column lookup), so the
baseline does the same arithmetic as a framework that is handed one-hot vectors.

Shapes: V vocabulary (65), H hidden (100), T sequence length (25).
Parameters are column-vector style: Wxh (H, V), Whh (H, H), Why (V, H),
bh (H, 1), by (V, 1).
"""
import numpy as np

VOCAB_SIZE = 65
HIDDEN_SIZE = 100
SEQ_LENGTH = 25
PARAM_NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def make_params(seed=0, dtype=np.float64, vocab_size=VOCAB_SIZE, hidden_size=HIDDEN_SIZE):
    """Weights drawn like the original (randn * 0.01), biases zero.

    Returns:
        dict name -> array of ``dtype`` with the names in ``PARAM_NAMES``.
    """
    rng = np.random.default_rng(seed)
    V, H = vocab_size, hidden_size
    return {
        "Wxh": (rng.standard_normal((H, V)) * 0.01).astype(dtype),
        "Whh": (rng.standard_normal((H, H)) * 0.01).astype(dtype),
        "Why": (rng.standard_normal((V, H)) * 0.01).astype(dtype),
        "bh": np.zeros((H, 1), dtype=dtype),
        "by": np.zeros((V, 1), dtype=dtype),
    }


def make_batch(seed=0, dtype=np.float64, vocab_size=VOCAB_SIZE,
               hidden_size=HIDDEN_SIZE, seq_length=SEQ_LENGTH):
    """One training sequence: targets are the inputs shifted by one character.

    Returns:
        (inputs, targets, h0): two int64 arrays of length ``seq_length`` and a
        zero initial hidden state of shape (H, 1) and ``dtype``.
    """
    rng = np.random.default_rng(seed)
    chars = rng.integers(0, vocab_size, size=seq_length + 1)
    return chars[:-1].copy(), chars[1:].copy(), np.zeros((hidden_size, 1), dtype=dtype)


def loss_and_grads(params, inputs, targets, hprev, clip=5.0):
    """Forward, full BPTT backward, and gradient clipping.

    Args:
        params: dict from :func:`make_params`; all arrays share one dtype.
        inputs, targets: int arrays of length T with character ids.
        hprev: hidden state before the first step, shape (H, 1).
        clip: clip every gradient elementwise to [-clip, clip]; None disables.

    Returns:
        (loss, grads, h_last): the summed cross-entropy as a Python float, a dict
        with one gradient per parameter name (same shapes and dtype), and the
        hidden state after the last step (to carry into the next sequence).
    """
    Wxh, Whh, Why, bh, by = (params[k] for k in PARAM_NAMES)
    dtype = Wxh.dtype
    V = Wxh.shape[1]
    T = len(inputs)

    xs, hs, ps = [], [hprev], []
    loss = 0.0
    for t in range(T):
        x = np.zeros((V, 1), dtype=dtype)
        x[inputs[t]] = 1
        h = np.tanh(Wxh @ x + Whh @ hs[-1] + bh)
        y = Why @ h + by
        e = np.exp(y - y.max())  # shift for stability; softmax is unchanged
        p = e / e.sum()
        loss -= float(np.log(p[targets[t], 0]))
        xs.append(x)
        hs.append(h)
        ps.append(p)

    grads = {k: np.zeros_like(params[k]) for k in PARAM_NAMES}
    dWxh, dWhh, dWhy, dbh, dby = (grads[k] for k in PARAM_NAMES)
    dh_next = np.zeros_like(hprev)
    for t in reversed(range(T)):
        dy = ps[t].copy()
        dy[targets[t]] -= 1  # d(-log softmax)/dlogits = p - onehot
        dWhy += dy @ hs[t + 1].T
        dby += dy
        dh = Why.T @ dy + dh_next
        dh_raw = (1 - hs[t + 1] * hs[t + 1]) * dh
        dbh += dh_raw
        dWxh += dh_raw @ xs[t].T
        dWhh += dh_raw @ hs[t].T
        dh_next = Whh.T @ dh_raw

    if clip is not None:
        for g in grads.values():
            np.clip(g, -clip, clip, out=g)
    return loss, grads, hs[-1]
