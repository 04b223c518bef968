"""Multi-layer recurrent layers: RNN, LSTM, GRU, with torch.nn's API and parameter names.

Each layer keeps one cell per (layer, direction), bound to the parameters that are
registered on the layer itself under PyTorch's names (`weight_ih_l0`, ...,
`bias_hh_l1_reverse`), so `state_dict()` keys equal PyTorch's. Each layer and
direction is one op over the whole sequence (models/fused.py): fused numpy kernels by
default, and the one time loop, `models.unroll.unroll`, wherever the graph is looked
at or under `mg.unrolled()`.
"""
import weakref
from numbers import Integral

import minigrad as mg
from minigrad import Tensor
from minigrad.nn import Module
from minigrad.nn.functional import dropout as dropout_fn

from .cells import GRUCell, LSTMCell, RNNCell
from .checks import (check_dtype, check_probability, check_proj_size, check_sizes,
                     check_state, state_tuple)
from .fused import run_direction
from .unroll import recurrent_dropout_mask, valid_masks

# layer -> weak references to the output and final states of its last forward, kept
# outside the layer so that a copy of it (copy.deepcopy) has no forward of its own yet
_LAST_FORWARD = weakref.WeakKeyDictionary()

SHAPES = r"""
    Shape letters:
        N = batch size
        L = sequence length
        D = 2 if bidirectional else 1
        H_in = input_size
        H_out = hidden_size

    Inputs: input, hx, lengths
        input: (L, N, H_in), or (N, L, H_in) with ``batch_first=True``, or (L, H_in)
            for an unbatched sequence (``batch_first`` does not apply to it).
        hx: initial state(s), each (D * num_layers, N, H_out), or (D * num_layers, H_out)
            unbatched, indexed ``layer * D + direction``. Zeros if omitted.
        lengths: optional (N,) ints in [1, L]: PyTorch's packed-sequence semantics.
            Outputs at t >= length are zero, the final state of each sequence is the
            one after its own last step, and the reverse direction starts at step
            length - 1 of each sequence.
        first_step: optional int >= 0 (keyword, default 0): the time step that
            input[0] is in the graph's scopes (``t{first_step + t}``), for a decoder
            that calls the layer once per step. Changes no value.

    Outputs: output, final state(s)
        output: (L, N, D * H_out), or (N, L, D * H_out) with ``batch_first=True``, or
            (L, D * H_out) unbatched: the top layer's h_t (both directions concatenated).
        h_n (and c_n): (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched.

    Parameters (k = layer index; ``_reverse`` suffix for the backward direction):
        weight_ih_l{k}: (G * H_out, H_in) for k = 0, (G * H_out, D * H_out) above
        weight_hh_l{k}: (G * H_out, H_out)
        bias_ih_l{k}, bias_hh_l{k}: (G * H_out,)
        all drawn from U(-1/sqrt(H_out), 1/sqrt(H_out)).
"""


class RecurrentLayer(Module):
    """What RNN, LSTM and GRU share: parameters, argument checks, layers and directions."""

    cell_type = RNNCell

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, recurrent_dropout=0.0, **cell_options):
        super().__init__()
        name = type(self).__name__
        check_sizes(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        check_probability(name, "dropout", dropout)
        check_probability(name, "recurrent_dropout", recurrent_dropout)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.bidirectional = bias, batch_first, bidirectional
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.cell_options = cell_options
        D = 2 if bidirectional else 1
        cells = []
        for k in range(num_layers):
            row = []
            for d in range(D):
                layer_input = input_size if k == 0 else D * cells[-1][0].output_size
                cell = self.cell_type(layer_input, hidden_size, bias, **cell_options)
                suffix = f"_l{k}" + ("_reverse" if d else "")
                # torch's named_parameters() order; weight_hr only on a projected LSTM
                for short in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"):
                    param = getattr(cell, short, None)
                    if param is not None:
                        setattr(self, short + suffix, param)  # the same Parameter object
                row.append(cell)
            cells.append(row)
        self.cells = cells  # a plain list: the parameters are registered above, by name

    # -------------------------------------------------------------- checks
    def _error(self, message):
        return ValueError(f"{type(self).__name__}: {message}")

    def _time_major(self, x):
        """(L, *batch, H_in) view of the input, and the batch shape ((N,) or ())."""
        if not isinstance(x, Tensor):
            raise TypeError(f"{type(self).__name__}: input must be a Tensor, "
                            f"got {type(x).__name__}")
        if x.ndim not in (2, 3):
            raise self._error(f"input must be 3-D (L, N, H_in) or 2-D unbatched (L, H_in); "
                              f"got shape {tuple(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise self._error(f"input has feature size {x.shape[-1]} (shape {tuple(x.shape)}) "
                              f"but input_size={self.input_size}")
        check_dtype(type(self).__name__, "input", x, self.weight_ih_l0.dtype)
        if x.shape[0 if x.ndim == 2 or not self.batch_first else 1] == 0:
            raise self._error(f"input has no time steps (shape {tuple(x.shape)})")
        if x.ndim == 2:
            return x, ()
        if self.batch_first:
            return x.permute(1, 0, 2), (x.shape[0],)
        return x, (x.shape[1],)

    def _valid(self, lengths, T, batch_shape):
        if lengths is None:
            return None
        if not batch_shape:
            raise self._error("lengths needs batched (3-D) input")
        return valid_masks(lengths, T, batch_shape[0], type(self).__name__)

    def _initial_states(self, hx, batch_shape):
        """hx -> list over layer * D + direction of state tuples."""
        names = self.cell_type.state_names
        D = 2 if self.bidirectional else 1
        count = D * self.num_layers
        if hx is None:   # zeros of its own for each (layer, direction): each row starts apart
            return [row[d].initial_state(batch_shape) for row in self.cells for d in range(D)]
        owner = type(self).__name__
        parts = state_tuple(owner, hx, [name + "_0" for name in names])
        sizes = self.cells[0][0].state_sizes()
        for name, part, size in zip(names, parts, sizes):
            expected = (count,) + tuple(batch_shape) + (size,)
            letter = "H_out" if size == sizes[0] else "H_cell"
            letters = f" (D * num_layers, {'N, ' if batch_shape else ''}{letter})"
            check_state(owner, f"hx ({name}_0)", part, expected, self.weight_hh_l0.dtype,
                        letters)
        return [tuple(part[i] for part in parts) for i in range(count)]

    # -------------------------------------------------------------- running
    def forward(self, x, hx=None, lengths=None, *, first_step=0):
        return self.run(x, hx, lengths, first_step=first_step)

    def run(self, x, hx=None, lengths=None, reverse=False, *, first_step=0):
        """The forward pass; `reverse=True` runs every direction over reversed time
        (what a Bidirectional wrapper asks of its backward copy); `first_step` is the
        time step of the first input in the graph's scopes (see `unroll`)."""
        if isinstance(first_step, bool) or not isinstance(first_step, Integral) \
                or first_step < 0:
            raise self._error(f"first_step must be an int >= 0, got {first_step!r}")
        first_step = int(first_step)
        seq, batch_shape = self._time_major(x)
        T = seq.shape[0]
        valid = self._valid(lengths, T, batch_shape)
        states = self._initial_states(hx, batch_shape)
        D = 2 if self.bidirectional else 1
        # every layer's input is one (T, *batch, F) tensor; each layer and direction is
        # one op over the whole sequence (models/fused.py: fused, unrolled on demand)
        layer_input, finals = seq, []
        for k, row in enumerate(self.cells):
            outputs = []
            for d, cell in enumerate(row):
                state = states[k * D + d]
                mask = None
                if self.training and self.recurrent_dropout > 0:
                    mask = recurrent_dropout_mask(state[0], self.recurrent_dropout)
                backwards = bool(d) != reverse
                sequence = run_direction(cell, layer_input, state, reverse=backwards,
                                         valid=valid, recurrent_mask=mask, layer=k,
                                         first_step=first_step)
                output, final = self._outputs_and_final(sequence, cell, k, backwards, valid)
                outputs.append(output)
                finals.append(final)
            if k + 1 < self.num_layers:
                layer_input = self._between_layers(outputs, k)
        output = self._output(outputs, batch_shape)
        final = tuple(mg.stack([f[i] for f in finals]) for i in range(len(finals[0])))
        _LAST_FORWARD[self] = tuple(weakref.ref(t) for t in (output,) + final)
        return output, (final[0] if len(final) == 1 else final)

    def last_forward_tensors(self):
        """The output and final states of the last forward, those still alive (the graph
        of a loss keeps them): what `mg.bptt.hidden_grad_norms(loss, layer)` reads."""
        return tuple(t for t in (ref() for ref in _LAST_FORWARD.get(self, ())) if t is not None)

    @staticmethod
    def _outputs_and_final(sequence, cell, k, backwards, valid):
        """From the states after each step, (T, *batch, S): the outputs (T, *batch, H_out),
        zero at padding, and the final state tuple (the state after the last step
        processed: step T-1, or 0 for a reverse direction)."""
        with mg.name_scope(f"layer{k}"), mg.name_scope("reverse" if backwards else "forward"):
            last = sequence[0] if backwards else sequence[-1]
            if len(cell.state_names) == 1:
                output, final = sequence, (last,)
            else:
                H_out = cell.output_size
                output = sequence[..., :H_out]
                final = (last[..., :H_out], last[..., H_out:])
            if valid is not None:
                output = mg.where(valid, output, 0.0)
        return output, final

    def _between_layers(self, outputs, k):
        """Input of layer k+1, (T, *batch, D*H): directions concatenated, then PyTorch's
        dropout (training only)."""
        with mg.name_scope(f"layer{k}"):
            x = outputs[0] if len(outputs) == 1 else mg.concat(outputs, axis=-1)
            if self.dropout > 0:
                x = dropout_fn(x, self.dropout, self.training)
        return x

    def _output(self, outputs, batch_shape):
        """The top layer's outputs, directions concatenated, batch first if asked."""
        output = outputs[0] if len(outputs) == 1 else mg.concat(outputs, axis=-1)
        return output.permute(1, 0, 2) if self.batch_first and batch_shape else output

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.cell_options.get("proj_size"):  # where torch shows it
            text += f", proj_size={self.cell_options['proj_size']}"
        defaults = dict(num_layers=1, bias=True, batch_first=False, dropout=0.0,
                        bidirectional=False, recurrent_dropout=0.0)
        for key, default in defaults.items():
            value = getattr(self, key)
            if value != default:
                text += f", {key}={value}"
        return text  # torch's RNN never shows its nonlinearity


class RNN(RecurrentLayer):
    __doc__ = r"""A multi-layer Elman RNN with tanh or ReLU nonlinearity.

    For each layer and each time step t:

    .. math::
        h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})      (or ReLU)

    where x_t is the input (for layers above the first, the previous layer's h_t,
    with both directions concatenated, times a dropout mask when ``dropout > 0``
    in training) and h_{-1} = h_0.

    Args:
        input_size, hidden_size, num_layers=1, nonlinearity="tanh" or "relu",
        bias=True, batch_first=False, dropout=0.0 (between layers, training only),
        bidirectional=False, recurrent_dropout=0.0 (one mask per sequence on h_{t-1}
        in the recurrent term, the same at every step, training only).
    """ + SHAPES.replace("final state(s)", "h_n").replace("hx: initial state(s), each", "hx: h_0,") + """
        G = 1.

    Example:
        >>> rnn = RNN(10, 20, num_layers=2)
        >>> out, h_n = rnn(mg.randn(5, 3, 10))        # out (5, 3, 20), h_n (2, 3, 20)
    """

    cell_type = RNNCell

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, recurrent_dropout=0.0):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, recurrent_dropout, nonlinearity=nonlinearity)

    @property
    def nonlinearity(self):
        return self.cell_options["nonlinearity"]


class LSTM(RecurrentLayer):
    __doc__ = r"""A multi-layer long short-term memory network (gate order i, f, g, o).

    For each layer and each time step t:

    .. math::
        i_t = \sigma(x_t W_{ii}^T + b_{ii} + h_{t-1} W_{hi}^T + b_{hi})
        f_t = \sigma(x_t W_{if}^T + b_{if} + h_{t-1} W_{hf}^T + b_{hf})
        g_t = \tanh(x_t W_{ig}^T + b_{ig} + h_{t-1} W_{hg}^T + b_{hg})
        o_t = \sigma(x_t W_{io}^T + b_{io} + h_{t-1} W_{ho}^T + b_{ho})
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * \tanh(c_t)

    If ``proj_size > 0`` is specified, LSTM with projections will be used. This
    changes the LSTM cell in the following way. First, the dimension of h_t will be
    changed from ``hidden_size`` to ``proj_size`` (dimensions of W_{hi} will be
    changed accordingly). Second, the output hidden state of each layer will be
    multiplied by a learnable projection matrix: h_t = W_{hr} h_t. Note that as a
    consequence of this, the output of the LSTM will be of different shape as well.
    See Inputs/Outputs below for the exact dimensions of all variables
    (arXiv:1402.1128).

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
        dropout=0.0 (between layers, training only), bidirectional=False,
        proj_size=0 (if > 0, use LSTM with projections of corresponding size; must be
        smaller than hidden_size), recurrent_dropout=0.0 (one mask per sequence on
        h_{t-1} in the recurrent term, the same at every step, training only).
    """ + SHAPES.replace("final state(s)", "(h_n, c_n)").replace(
        "hx: initial state(s), each", "hx: a tuple (h_0, c_0),").replace(
        "H_out = hidden_size", "H_cell = hidden_size\n"
        "        H_out = proj_size if proj_size > 0 else hidden_size").replace(
        "(h_0, c_0), (D * num_layers, N, H_out), or (D * num_layers, H_out)\n            unbatched",
        "(h_0, c_0): h_0 (D * num_layers, N, H_out), c_0 (D * num_layers, N,\n"
        "            H_cell), or without N unbatched").replace(
        "h_n (and c_n): (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched.",
        "h_n: (D * num_layers, N, H_out); c_n: (D * num_layers, N, H_cell); without N\n"
        "            unbatched.").replace(
        "(G * H_out, H_in) for k = 0, (G * H_out, D * H_out) above",
        "(G * H_cell, H_in) for k = 0, (G * H_cell, D * H_out) above").replace(
        "weight_hh_l{k}: (G * H_out, H_out)", "weight_hh_l{k}: (G * H_cell, H_out)").replace(
        "bias_ih_l{k}, bias_hh_l{k}: (G * H_out,)",
        "bias_ih_l{k}, bias_hh_l{k}: (G * H_cell,)\n"
        "        weight_hr_l{k}: (proj_size, H_cell), only if proj_size > 0 (no bias)").replace(
        "U(-1/sqrt(H_out), 1/sqrt(H_out))", "U(-1/sqrt(H_cell), 1/sqrt(H_cell))") + """
        G = 4: weight_ih_l{k} = [W_ii; W_if; W_ig; W_io].

    Example:
        >>> lstm = LSTM(10, 20, batch_first=True)
        >>> out, (h_n, c_n) = lstm(mg.randn(3, 5, 10))   # out (3, 5, 20), h_n (1, 3, 20)
        >>> lstm = LSTM(10, 20, num_layers=2, proj_size=5)
        >>> out, (h_n, c_n) = lstm(mg.randn(7, 3, 10))   # out (7, 3, 5), h_n (2, 3, 5)
        >>> c_n.shape                                      # c_n keeps hidden_size
        (2, 3, 20)
    """

    cell_type = LSTMCell

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, recurrent_dropout=0.0):
        check_proj_size("LSTM", proj_size, hidden_size)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, recurrent_dropout, proj_size=proj_size)

    @property
    def proj_size(self):
        return self.cell_options["proj_size"]


class GRU(RecurrentLayer):
    __doc__ = r"""A multi-layer gated recurrent unit network (gate order r, z, n).

    For each layer and each time step t:

    .. math::
        r_t = \sigma(x_t W_{ir}^T + b_{ir} + h_{t-1} W_{hr}^T + b_{hr})
        z_t = \sigma(x_t W_{iz}^T + b_{iz} + h_{t-1} W_{hz}^T + b_{hz})
        n_t = \tanh(x_t W_{in}^T + b_{in} + r_t * (h_{t-1} W_{hn}^T + b_{hn}))
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Args:
        input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
        dropout=0.0 (between layers, training only), bidirectional=False,
        recurrent_dropout=0.0 (one mask per sequence on h_{t-1} in the recurrent
        term, the same at every step, training only).
    """ + SHAPES.replace("final state(s)", "h_n").replace("hx: initial state(s), each", "hx: h_0,") + """
        G = 3: weight_ih_l{k} = [W_ir; W_iz; W_in].

    Example:
        >>> gru = GRU(10, 20, bidirectional=True)
        >>> out, h_n = gru(mg.randn(5, 3, 10))         # out (5, 3, 40), h_n (2, 3, 20)
    """

    cell_type = GRUCell

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, recurrent_dropout=0.0):
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, recurrent_dropout)
