"""Pick a recurrent layer by name, and read the last layer's final state out of h_n."""
import numpy as np

from minigrad.functions import concat

RNN_KINDS = ("rnn", "irnn", "lstm", "gru")


def make_recurrent(kind, input_size, hidden_size, num_layers=1, bidirectional=False,
                   dropout=0.0):
    """A batch_first RNN / LSTM / GRU layer from models.

    Args:
        kind: "rnn" (tanh), "irnn" (ReLU RNN with W_hh = I, zero biases and
            small W_ih, Le et al. 2015), "lstm" or "gru".
    """
    import models
    if kind not in RNN_KINDS:
        raise ValueError(f"make_recurrent: kind={kind!r}, expected one of {RNN_KINDS}")
    options = dict(num_layers=num_layers, batch_first=True, bidirectional=bidirectional,
                   dropout=dropout)
    if kind == "lstm":
        return models.LSTM(input_size, hidden_size, **options)
    if kind == "gru":
        return models.GRU(input_size, hidden_size, **options)
    if kind == "rnn":
        return models.RNN(input_size, hidden_size, nonlinearity="tanh", **options)
    layer = models.RNN(input_size, hidden_size, nonlinearity="relu", **options)
    init_identity_recurrence(layer)
    return layer


def init_identity_recurrence(layer, input_scale=0.001):
    """IRNN initialisation: every W_hh = I, biases 0, W_ih ~ N(0, input_scale^2)."""
    from minigrad.creation import generator
    for name, p in layer.named_parameters():
        if name.startswith("weight_hh"):
            p.data = np.eye(p.shape[0], p.shape[1], dtype=p.data.dtype)
        elif name.startswith("bias"):
            p.data = np.zeros_like(p.data)
        elif name.startswith("weight_ih"):
            p.data = (input_scale * generator().standard_normal(p.shape)).astype(p.data.dtype)


def last_layer_state(h_n, bidirectional):
    """(N, H * directions): the top layer's final hidden state, both directions joined.

    h_n is (num_layers * directions, N, H), or an LSTM's (h_n, c_n) pair.
    """
    if isinstance(h_n, tuple):
        h_n = h_n[0]
    if bidirectional:
        return concat([h_n[-2], h_n[-1]], axis=-1)
    return h_n[-1]


def step_mask(lengths, steps, dtype):
    """(N, T, 1) array of 1.0 at valid steps (t < lengths[n]) and 0.0 at padding."""
    lengths = np.asarray(lengths.data if hasattr(lengths, "data") else lengths)
    return (np.arange(steps)[None, :] < lengths[:, None]).astype(dtype)[..., None]


def check_lengths(lengths, batch, steps, where):
    """Raise a clear error unless lengths is (N,) with 1 <= lengths <= T."""
    lengths = np.asarray(lengths.data if hasattr(lengths, "data") else lengths)
    if lengths.shape != (batch,):
        raise ValueError(f"{where}: lengths has shape {lengths.shape}, expected ({batch},), "
                         "one length per sequence of the batch")
    if lengths.size and (lengths.min() < 1 or lengths.max() > steps):
        raise ValueError(f"{where}: lengths must lie in [1, {steps}] (the padded length), got "
                         f"min {lengths.min()} max {lengths.max()}")
    return lengths
