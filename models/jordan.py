"""Output recurrence (a Jordan network): the previous OUTPUT, not the hidden state, feeds back.

An Elman RNN (hidden recurrence) carries h_{t-1} into step t. A Jordan RNN carries
the previous output y_{t-1} instead, so everything the network remembers has to
pass through its output layer. Both run through the same unroll loop: for the
Jordan cell the recurrent state is simply the output, state = (y,).
"""
import math

import minigrad as mg
from minigrad.nn import Module

from .cells import uniform_parameter
from .checks import check_sizes, check_state
from .unroll import unroll, valid_masks


class JordanCell(Module):
    r"""One step of an output-recurrent network.

    .. math::
        h_t = \phi(W_{xh} x_t + W_{yh} y_{t-1} + b_h)        \phi = tanh or relu
        y_t = W_{hy} h_t + b_y

    Parameters: weight_xh (H, H_in), weight_yh (H, H_out), bias_h (H,),
    weight_hy (H_out, H), bias_y (H_out,); weights into the hidden layer from
    U(-1/sqrt(H), 1/sqrt(H)), the output layer from U(-1/sqrt(H), 1/sqrt(H)) too
    (its fan-in is H).

    Inputs: x (N, H_in), y (N, H_out) (zeros if omitted). Output: y' (N, H_out).
    """

    state_names = ("y",)

    def __init__(self, input_size, hidden_size, output_size, nonlinearity="tanh", bias=True):
        super().__init__()
        check_sizes("JordanCell", input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"JordanCell: nonlinearity must be 'tanh' or 'relu', "
                             f"got {nonlinearity!r}")
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.nonlinearity, self.bias = nonlinearity, bias
        bound = 1.0 / math.sqrt(hidden_size)
        self.weight_xh = uniform_parameter((hidden_size, input_size), bound)
        self.weight_yh = uniform_parameter((hidden_size, output_size), bound)
        self.weight_hy = uniform_parameter((output_size, hidden_size), bound)
        if bias:
            self.bias_h = uniform_parameter((hidden_size,), bound)
            self.bias_y = uniform_parameter((output_size,), bound)
        else:
            self.register_parameter("bias_h", None)
            self.register_parameter("bias_y", None)

    def input_projection(self, x):
        """W_xh x + b_h: (..., H_in) -> (..., H)."""
        projected = x @ self.weight_xh.T
        return projected if self.bias_h is None else projected + self.bias_h

    def recurrence(self, recurrent_mask=None):
        w_yh_t, w_hy_t, b_y = self.weight_yh.T, self.weight_hy.T, self.bias_y
        relu = self.nonlinearity == "relu"

        def step(projected, state):
            y = state[0] if recurrent_mask is None else state[0] * recurrent_mask
            pre = projected + y @ w_yh_t
            h = pre.relu() if relu else pre.tanh()
            y_new = h @ w_hy_t
            if b_y is not None:
                y_new = y_new + b_y
            return y_new, (y_new,)
        return step

    def initial_state(self, batch_shape):
        return (mg.zeros(tuple(batch_shape) + (self.output_size,), dtype=self.weight_hy.dtype),)

    def forward(self, x, y=None):
        if y is not None:
            self.check_previous_output("JordanCell", "y", y, x.shape[:-1])
        state = self.initial_state(x.shape[:-1]) if y is None else (y,)
        return self.recurrence()(self.input_projection(x), state)[0]

    def check_previous_output(self, owner, what, y, batch_shape):
        check_state(owner, what, y, tuple(batch_shape) + (self.output_size,),
                    self.weight_hy.dtype, " (N, output_size)")


class JordanRNN(Module):
    r"""A single-layer output-recurrent (Jordan) RNN over a sequence.

    .. math::
        h_t = \phi(W_{xh} x_t + W_{yh} y_{t-1} + b_h)
        y_t = W_{hy} h_t + b_y,        y_{-1} = y_0 (zeros by default)

    Compare the Elman RNN (models.RNN), where h_{t-1} feeds back:
    h_t = \phi(W_{ih} x_t + W_{hh} h_{t-1} + b).

    Shape letters: N batch, L sequence length, H_in input size, H hidden size,
    H_out output size.

    Args:
        input_size, hidden_size, output_size, nonlinearity="tanh" or "relu",
        bias=True, batch_first=False.

    Inputs: x, y0, lengths
        x: (L, N, H_in) ((N, L, H_in) with batch_first); y0: (N, H_out) or None;
        lengths: optional (N,) ints in [1, L] (padding outputs are zero and the
        final output is each sequence's own last one).
    Outputs: output, y_n
        output: (L, N, H_out) ((N, L, H_out) with batch_first): y_t for every t;
        y_n: (N, H_out), the last output of each sequence.

    Parameters: those of JordanCell, registered as ``cell.weight_xh`` etc.
    """

    def __init__(self, input_size, hidden_size, output_size, nonlinearity="tanh", bias=True,
                 batch_first=False):
        super().__init__()
        check_sizes("JordanRNN", input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size)
        self.batch_first = batch_first
        self.cell = JordanCell(input_size, hidden_size, output_size, nonlinearity, bias)

    def forward(self, x, y0=None, lengths=None):
        if x.ndim != 3 or x.shape[-1] != self.cell.input_size:
            raise ValueError(f"JordanRNN: input has shape {tuple(x.shape)}, expected "
                             f"(L, N, {self.cell.input_size})"
                             + (" with batch_first (N, L, H_in)" if self.batch_first else ""))
        seq = x.permute(1, 0, 2) if self.batch_first else x
        T, N = seq.shape[0], seq.shape[1]
        valid = valid_masks(lengths, T, N, "JordanRNN")
        if y0 is not None:
            self.cell.check_previous_output("JordanRNN", "y0", y0, (N,))
        state = self.cell.initial_state((N,)) if y0 is None else (y0,)
        steps, states = unroll(self.cell, [seq[t] for t in range(T)], state, valid=valid)
        return mg.stack(steps, axis=1 if self.batch_first else 0), states[-1][0]
