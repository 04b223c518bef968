"""`Bidirectional`: a Keras-style wrapper running a copy of a layer over reversed time."""
import minigrad as mg
from minigrad.nn import Module

from .checks import describe
from .recurrent import RecurrentLayer

MERGE_MODES = ("concat", "sum", "mul", "ave")


class Bidirectional(Module):
    r"""Run a unidirectional recurrent layer forwards and a fresh copy of it backwards.

    .. math::
        \overrightarrow{y}_t = \text{forward\_layer}(x_1 \dots x_t), \quad
        \overleftarrow{y}_t = \text{backward\_layer}(x_T \dots x_t)

        y_t = [\overrightarrow{y}_t ; \overleftarrow{y}_t]   (concat),
              \overrightarrow{y}_t + \overleftarrow{y}_t     (sum),
              \overrightarrow{y}_t * \overleftarrow{y}_t     (mul),
              (\overrightarrow{y}_t + \overleftarrow{y}_t) / 2 (ave)

    `backward_layer` is a new layer of the same type and configuration (its own,
    freshly initialised parameters); it runs through the same unroll loop with
    reversed time indices, so with `lengths` it starts at each sequence's own end.

    Args:
        layer: an RNN, LSTM or GRU with ``bidirectional=False``.
        merge_mode: "concat" (default), "sum", "mul" or "ave".

    Shape letters: N batch, L sequence length, H_out the layer's hidden size.

    Inputs: x, hx, lengths
        as the wrapped layer's; ``hx`` is a pair (forward hx, backward hx) or None.
    Outputs: output, (state_forward, state_backward)
        output: the layer's output layout with feature size 2 * H_out (concat) or
        H_out (other modes); each state is what the wrapped layer returns (h_n, or
        (h_n, c_n) for an LSTM).
    """

    def __init__(self, layer, merge_mode="concat"):
        super().__init__()
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}, "
                             f"got {merge_mode!r}")
        if not isinstance(layer, RecurrentLayer):
            raise TypeError(f"Bidirectional: layer must be a recurrent layer (models.RNN, "
                            f"LSTM or GRU), got {type(layer).__name__}")
        if layer.bidirectional:
            raise ValueError("Bidirectional: the wrapped layer must be unidirectional "
                             "(bidirectional=False)")
        self.merge_mode = merge_mode
        self.forward_layer = layer
        self.backward_layer = fresh_copy(layer)

    def forward(self, x, hx=None, lengths=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise ValueError(f"Bidirectional: hx must be a pair (forward hx, backward hx), "
                             f"each what the wrapped {type(self.forward_layer).__name__} "
                             f"takes, or None; got {describe(hx)}")
        hx_forward, hx_backward = (None, None) if hx is None else hx
        out_f, state_f = self.forward_layer(x, hx_forward, lengths)
        with mg.name_scope("backward_layer"):  # the copy keeps its own attribute scope
            out_b, state_b = self.backward_layer.run(x, hx_backward, lengths, reverse=True)
        return merge(out_f, out_b, self.merge_mode), (state_f, state_b)

    def extra_repr(self):
        return f"merge_mode={self.merge_mode!r}"


def fresh_copy(layer):
    """A new layer of `layer`'s type and configuration, with its own parameters."""
    return type(layer)(layer.input_size, layer.hidden_size, num_layers=layer.num_layers,
                       bias=layer.bias, batch_first=layer.batch_first, dropout=layer.dropout,
                       recurrent_dropout=layer.recurrent_dropout, **layer.cell_options)


def merge(forward, backward, mode):
    if mode == "concat":
        return mg.concat([forward, backward], axis=-1)
    if mode == "sum":
        return forward + backward
    if mode == "mul":
        return forward * backward
    return (forward + backward) * 0.5
