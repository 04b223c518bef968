"""Single-step recurrent cells: RNNCell, LSTMCell, GRUCell, as in torch.nn.

Every cell splits its step in two, so that the unroll loop (models/unroll.py) can
hoist the part that does not depend on the state out of the time loop:

    projected = cell.input_projection(x)      # x W_ih^T + bias, any leading shape
    step = cell.recurrence(recurrent_mask)    # binds W_hh^T once per run
    output, state = step(projected[t], state)

`state` is a tuple of tensors (`(h,)`, or `(h, c)` for the LSTM); its first entry
is the one fed back through the recurrent weights (and masked by recurrent dropout).
`output` is what the loop collects at each step (h for these three cells); it has
`cell.output_size` features (H, or the LSTM's proj_size), and so has state[0].

Shape letters: N batch size (absent for unbatched input), H_in input size,
H hidden size, G gates (1 for RNN, 4 for LSTM, 3 for GRU).
"""
import copy
import math

import minigrad as mg
from minigrad.nn import Module, Parameter
from minigrad.roles import mark

from .checks import check_dtype, check_proj_size, check_sizes, check_state, state_tuple


def uniform_parameter(shape, bound):
    """A Parameter drawn from U(-bound, bound) with mg.generator(), in the default dtype."""
    values = mg.generator().uniform(-bound, bound, size=shape)
    return Parameter(values.astype(mg.get_default_dtype()))


class RecurrentCell(Module):
    """Parameters and plumbing shared by the three cells.

    Subclasses set `gates` (G) and `state_names`, and write `recurrence`.
    """

    gates = 1
    state_names = ("h",)
    # True where b_hh simply adds to the pre-activation (RNN, LSTM), so it can join
    # the input projection; the GRU's b_hn sits inside the reset gate
    hidden_bias_adds = True

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        check_sizes(type(self).__name__, input_size=input_size, hidden_size=hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows, bound = self.gates * hidden_size, 1.0 / math.sqrt(hidden_size)
        self.weight_ih = uniform_parameter((rows, input_size), bound)
        self.weight_hh = uniform_parameter((rows, hidden_size), bound)
        if bias:
            self.bias_ih = uniform_parameter((rows,), bound)
            self.bias_hh = uniform_parameter((rows,), bound)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    # ------------------------------------------------------- the split step
    def input_projection(self, x):
        """x W_ih^T + b_ih (+ b_hh where it simply adds): (..., H_in) -> (..., G*H)."""
        projected = x @ self.weight_ih.T
        if self.bias_ih is None:
            return projected
        if self.hidden_bias_adds:
            return projected + (self.bias_ih + self.bias_hh)
        return projected + self.bias_ih

    def recurrence(self, recurrent_mask=None):
        """A function `step(projected_t, state) -> (output, new_state)` for one run.

        `recurrent_mask` (broadcastable to h) multiplies h on its way into W_hh only.
        """
        raise NotImplementedError

    def step(self, projected, state):
        """One time step from an already projected input (see `input_projection`)."""
        return self.recurrence()(projected, state)

    WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")

    def with_weights(self, **tensors):
        """A copy of this cell that computes with `tensors` (by the names in WEIGHTS) in
        place of its own parameters: the same step on other values, e.g. the saved
        inputs of a fused layer op replayed as the unrolled graph (models/fused.py)."""
        bound = copy.copy(self)
        for name, tensor in tensors.items():
            if name not in self.WEIGHTS:
                raise ValueError(f"with_weights: {name!r} is not one of {self.WEIGHTS}")
            object.__setattr__(bound, name, tensor)   # a plain attribute: nothing registered
        return bound

    @property
    def output_size(self):
        """Features of the output h, which is also state[0] (H unless projected)."""
        return self.hidden_size

    def state_sizes(self):
        """Features of each state tensor: h has output_size, the others (c) H."""
        return (self.output_size,) + (self.hidden_size,) * (len(self.state_names) - 1)

    def initial_state(self, batch_shape):
        """Zeros for every state tensor: a tuple of (*batch_shape, size) tensors."""
        return tuple(mg.zeros(tuple(batch_shape) + (size,), dtype=self.weight_hh.dtype)
                     for size in self.state_sizes())

    # ------------------------------------------------------ PyTorch calling
    def forward(self, x, hx=None):
        name, dtype = type(self).__name__, self.weight_hh.dtype
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input x has shape {tuple(x.shape)}, "
                             f"expected (N, {self.input_size}) or ({self.input_size},)")
        check_dtype(name, "input x", x, dtype)
        batch_shape = x.shape[:-1]
        if hx is None:
            state = self.initial_state(batch_shape)
        else:
            state = state_tuple(name, hx, self.state_names)
            for part_name, part, size in zip(self.state_names, state, self.state_sizes()):
                letter = "H" if size == self.hidden_size else "proj_size"
                letters = f" (N, {letter})" if batch_shape else f" ({letter},)"
                check_state(name, part_name, part, batch_shape + (size,), dtype, letters)
        _, new_state = self.step(self.input_projection(x), state)
        return new_state[0] if len(new_state) == 1 else new_state

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        return text if self.bias else text + ", bias=False"


class RNNCell(RecurrentCell):
    r"""An Elman RNN cell with tanh or ReLU nonlinearity.

    .. math::
        h' = \tanh(W_{ih} x + b_{ih} + W_{hh} h + b_{hh})     (or ReLU)

    Args:
        input_size (H_in), hidden_size (H), bias (default True),
        nonlinearity: "tanh" (default) or "relu".

    Inputs: x, h
        x: (N, H_in) or (H_in,);  h: (N, H) or (H,), zeros if omitted.
    Outputs: h'
        h': (N, H) or (H,).

    Parameters: weight_ih (H, H_in), weight_hh (H, H), bias_ih (H,), bias_hh (H,),
    all drawn from U(-1/sqrt(H), 1/sqrt(H)).
    """

    gates = 1

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', "
                             f"got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def recurrence(self, recurrent_mask=None):
        w_hh_t = self.weight_hh.T
        relu = self.nonlinearity == "relu"

        def step(projected, state):
            h = state[0] if recurrent_mask is None else state[0] * recurrent_mask
            pre = projected + h @ w_hh_t
            h_new = pre.relu() if relu else pre.tanh()
            return h_new, (h_new,)
        return step

    def extra_repr(self):
        text = super().extra_repr()  # torch shows relu only, unquoted
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity=relu"


class LSTMCell(RecurrentCell):
    r"""A long short-term memory cell (gate order i, f, g, o as in PyTorch).

    .. math::
        i = \sigma(W_{ii} x + b_{ii} + W_{hi} h + b_{hi})
        f = \sigma(W_{if} x + b_{if} + W_{hf} h + b_{hf})
        g = \tanh(W_{ig} x + b_{ig} + W_{hg} h + b_{hg})
        o = \sigma(W_{io} x + b_{io} + W_{ho} h + b_{ho})
        c' = f * c + i * g
        h' = o * \tanh(c')                 (h' = W_{hr} (o * \tanh(c')) if proj_size > 0)

    Args:
        input_size (H_in), hidden_size (H), bias (default True),
        proj_size (P, default 0): if > 0, h' is projected to P features by weight_hr,
            as in torch.nn.LSTM's LSTM with projections (torch's LSTMCell has no
            proj_size; minigrad's LSTM layer runs this cell).

    Inputs: x, (h, c)
        x: (N, H_in) or (H_in,);  h: (N, H_out) or (H_out,), c: (N, H) or (H,),
        zeros if omitted; H_out = P if P > 0 else H.
    Outputs: (h', c')
        h': (N, H_out) or (H_out,);  c': (N, H) or (H,).

    Parameters: weight_ih (4H, H_in) = [W_ii; W_if; W_ig; W_io], weight_hh (4H, H_out),
    bias_ih (4H,), bias_hh (4H,), and if P > 0 weight_hr (P, H) (no bias), all drawn
    from U(-1/sqrt(H), 1/sqrt(H)).
    """

    gates = 4
    state_names = ("h", "c")

    def __init__(self, input_size, hidden_size, bias=True, proj_size=0):
        check_proj_size(type(self).__name__, proj_size, hidden_size)
        super().__init__(input_size, hidden_size, bias)
        self.proj_size = proj_size
        if proj_size > 0:
            bound = 1.0 / math.sqrt(hidden_size)
            # h_{t-1} has P features: draw weight_hh again at (4H, P), in its place
            self.weight_hh = uniform_parameter((4 * hidden_size, proj_size), bound)
            self.weight_hr = uniform_parameter((proj_size, hidden_size), bound)
        else:
            self.weight_hr = None  # a plain attribute, not a parameter slot

    @property
    def output_size(self):
        return self.proj_size or self.hidden_size

    def recurrence(self, recurrent_mask=None):
        w_hh_t = self.weight_hh.T
        w_hr_t = None if self.weight_hr is None else self.weight_hr.T
        H = self.hidden_size

        def step(projected, state):
            h, c = state
            if recurrent_mask is not None:
                h = h * recurrent_mask
            gates = projected + h @ w_hh_t
            # one sigmoid over all four gates (g's share is unused): fewer ops per step
            sig = gates.sigmoid()
            i = mark(sig[..., :H], "gate", "i")
            f = mark(sig[..., H:2 * H], "gate", "f")
            o = mark(sig[..., 3 * H:], "gate", "o")
            g = mark(gates[..., 2 * H:3 * H].tanh(), "gate", "g")
            c_new = f * c + i * g
            h_new = o * c_new.tanh()
            if w_hr_t is not None:
                h_new = h_new @ w_hr_t
            return h_new, (h_new, c_new)
        return step

    def extra_repr(self):
        text = super().extra_repr()
        return text + f", proj_size={self.proj_size}" if self.proj_size else text


class GRUCell(RecurrentCell):
    r"""A gated recurrent unit cell (gate order r, z, n as in PyTorch).

    .. math::
        r = \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr})
        z = \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz})
        n = \tanh(W_{in} x + b_{in} + r * (W_{hn} h + b_{hn}))
        h' = (1 - z) * n + z * h

    The reset gate multiplies W_hn h + b_hn, after the matrix product, as in PyTorch.

    Args:
        input_size (H_in), hidden_size (H), bias (default True).

    Inputs: x, h
        x: (N, H_in) or (H_in,);  h: (N, H) or (H,), zeros if omitted.
    Outputs: h'
        (N, H) or (H,).

    Parameters: weight_ih (3H, H_in) = [W_ir; W_iz; W_in], weight_hh (3H, H),
    bias_ih (3H,), bias_hh (3H,), all drawn from U(-1/sqrt(H), 1/sqrt(H)).
    """

    gates = 3
    hidden_bias_adds = False

    def recurrence(self, recurrent_mask=None):
        w_hh_t = self.weight_hh.T
        b_hh = self.bias_hh
        H = self.hidden_size

        def step(projected, state):
            h = state[0]
            h_in = h if recurrent_mask is None else h * recurrent_mask
            hidden = h_in @ w_hh_t
            if b_hh is not None:
                hidden = hidden + b_hh
            rz = (projected[..., :2 * H] + hidden[..., :2 * H]).sigmoid()
            r, z = mark(rz[..., :H], "gate", "r"), mark(rz[..., H:], "gate", "z")
            n = mark((projected[..., 2 * H:] + r * hidden[..., 2 * H:]).tanh(), "gate", "n")
            h_new = n + z * (h - n)  # = (1 - z) * n + z * h, one op fewer
            return h_new, (h_new,)
        return step


CELL_TYPES = {"rnn": RNNCell, "lstm": LSTMCell, "gru": GRUCell}
