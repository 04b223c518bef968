"""Argument checks shared by the cells, the layers and the Jordan RNN.

Each names its owner (the class the user called: "LSTMCell", "GRU", "JordanRNN")
and the argument, so a bad state never reaches the matmuls as a raw shape error.
"""
from numbers import Real

from minigrad import Tensor
from minigrad.nn.sizes import check_sizes, is_int  # noqa: F401  (re-exported for the layers)


def describe(value):
    """'a Tensor of shape (2, 4)', 'a tuple of 3 (Tensor, Tensor, Tensor)', 'a float'."""
    if isinstance(value, Tensor):
        return f"a Tensor of shape {tuple(value.shape)}"
    if isinstance(value, (tuple, list)):
        kinds = ", ".join(type(v).__name__ for v in value)
        return f"a {type(value).__name__} of {len(value)} ({kinds})"
    return f"a {type(value).__name__}"


def state_tuple(owner, hx, names):
    """`hx` as a tuple of state parts, one per name: hx itself for a one-part state
    (h), a tuple or list of exactly len(names) entries otherwise ((h, c) for an LSTM).
    Checked by type, not by unpacking: unpacking a tensor would split its rows."""
    if len(names) == 1:
        return (hx,)
    if not isinstance(hx, (tuple, list)) or len(hx) != len(names):
        raise ValueError(f"{owner}: hx must be a tuple ({', '.join(names)}), got {describe(hx)}")
    return tuple(hx)


def check_dtype(owner, what, tensor, dtype):
    """TypeError unless `tensor` has the parameters' dtype: numpy would promote the
    whole computation silently; PyTorch refuses."""
    if tensor.dtype != dtype:
        raise TypeError(f"{owner}: {what} has dtype {tensor.dtype} but the parameters are "
                        f"{dtype}; convert one of them (.float() / .double(), or "
                        f"model.float() / model.double())")


def check_state(owner, what, state, expected_shape, dtype, letters=""):
    """ValueError unless `state` is a Tensor of `expected_shape` (`letters` spells the
    shape out, e.g. " (N, H)"); TypeError unless it has the parameters' `dtype`."""
    if not isinstance(state, Tensor):
        raise ValueError(f"{owner}: {what} has shape {type(state).__name__}, expected "
                         f"{tuple(expected_shape)}{letters}; pass one Tensor, not "
                         f"{describe(state)}")
    if tuple(state.shape) != tuple(expected_shape):
        raise ValueError(f"{owner}: {what} has shape {tuple(state.shape)}, expected "
                         f"{tuple(expected_shape)}{letters}")
    check_dtype(owner, what, state, dtype)


def check_probability(owner, name, p):
    """ValueError unless `p` is a number in [0, 1) (a dropout rate)."""
    if not isinstance(p, Real) or isinstance(p, bool) or not 0.0 <= p < 1.0:
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {p!r}")


def check_proj_size(owner, proj_size, hidden_size):
    """PyTorch's checks of an LSTM's proj_size: an int in [0, hidden_size)."""
    if not is_int(proj_size):
        raise TypeError(f"{owner}: proj_size must be an int, got {describe(proj_size)}")
    if proj_size < 0:
        raise ValueError(f"{owner}: proj_size should be a positive integer or zero to "
                         f"disable projections, got {proj_size}")
    # 0 stays valid, and a bad hidden_size is left to check_sizes, which runs later
    if proj_size > 0 and is_int(hidden_size) and proj_size >= hidden_size:
        raise ValueError(f"{owner}: proj_size has to be smaller than hidden_size, got "
                         f"proj_size={proj_size} and hidden_size={hidden_size}")
