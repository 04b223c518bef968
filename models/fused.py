"""One layer and direction of an RNN, LSTM or GRU as ONE recorded op, fused or unrolled.

`run_direction` is how the recurrent layers (models/recurrent.py) run each layer and
direction: a composite op (minigrad/composite.py) whose

- fused forward and VJP are the whole-sequence numpy kernels (models/fused_kernels.py):
  the input projection and the weight gradients as single GEMMs over all steps, the
  time loop in numpy, and one node in the graph; and whose
- decomposition is THE unroll loop over the cell (models/unroll.py), with every step's
  gates and states, scoped layer{k} / forward|reverse / t{k} as always.

Both compute the sequence of states after each step, (T, *batch, S) with the state
parts side by side (h; or h and c for the LSTM: S = H_out + H), from which the layer
takes its outputs and final states. A plain forward and backward run fused; anything
that looks at the graph (mg.trace, mg.render, mg.bptt, create_graph, detect_anomaly,
hooks on per-step states) gets the unrolled graph, node for node what `mg.unrolled()`
builds, with the same numbers up to rounding.
"""
import minigrad as mg
from minigrad.composite import composite

from . import fused_kernels
from .cells import GRUCell, LSTMCell, RNNCell
from .unroll import unroll

# the op's inputs, in this order, those present (biases, c0, masks may be absent)
INPUTS = ("x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr",
          "valid", "recurrent_mask")
_KERNEL_NAMES = {"x": "x", "h0": "h0", "c0": "c0", "weight_ih": "w_ih",
                 "weight_hh": "w_hh", "bias_ih": "b_ih", "bias_hh": "b_hh", "weight_hr": "w_hr"}
_PER_SEQUENCE = ("h0", "c0", "recurrent_mask")   # (N, ...) in a batch, (...) unbatched


def run_direction(cell, x, state, *, reverse=False, valid=None, recurrent_mask=None,
                  layer=0, first_step=0):
    """Run `cell` over the whole sequence `x` as one op; arguments as `unroll`'s.

    Args:
        cell: an RNNCell, LSTMCell or GRUCell.
        x: (T, *batch, F) Tensor, time-major (batch: (N,) or () unbatched).
        state: the initial state tuple, (h0,) or (h0, c0).
    Returns:
        (T, *batch, S) Tensor: the state after each step, parts concatenated.
    """
    given = dict(zip(INPUTS, (x,) + tuple(state) + (None,) * (2 - len(state))))
    given.update((name, getattr(cell, name, None)) for name in cell.WEIGHTS)
    given.update(valid=valid, recurrent_mask=recurrent_mask)
    names = tuple(name for name in INPUTS if given[name] is not None)
    inputs = tuple(given[name] for name in names)
    options = dict(names=names, cell=cell, reverse=bool(reverse), layer=layer,
                   first_step=first_step)
    if kernel_kind(cell) is None:   # a cell of the user's own making: its own step, unrolled
        return layer_states_unrolled(*inputs, **options)
    return layer_states(*inputs, **options)


def kernel_kind(cell):
    """"rnn", "lstm" or "gru" when `cell` computes exactly what that kernel does (one of
    the three cells, or a subclass that overrides neither half of the step); else None."""
    for base, kind in ((RNNCell, "rnn"), (LSTMCell, "lstm"), (GRUCell, "gru")):
        if isinstance(cell, base):
            same = (type(cell).recurrence is base.recurrence and
                    type(cell).input_projection is base.input_projection)
            return kind if same else None
    return None


@composite("recurrent_layer")
def layer_states(*arrays, save, names, cell, reverse, layer, first_step):
    """The fused forward: (states, saved) from the kernels."""
    given = dict(zip(names, arrays))
    unbatched = given["x"].ndim == 2
    if unbatched:   # the kernels take (T, N, F): N = 1
        given = {name: a[:, None] if name == "x" else a[None] if name in _PER_SEQUENCE else a
                 for name, a in given.items()}
    state0 = tuple(given[name] for name in ("h0", "c0") if name in given)
    params = {_KERNEL_NAMES[name]: given.get(name) for name in cell.WEIGHTS}
    states, saved = fused_kernels.forward(
        kernel_kind(cell), given["x"], state0, params, reverse=reverse,
        valid=given.get("valid"), recurrent_mask=given.get("recurrent_mask"),
        nonlinearity=getattr(cell, "nonlinearity", "tanh"), save=save)
    return (states[:, 0] if unbatched else states), saved


@layer_states.defvjp
def layer_states_vjp(g, out, wanted, *arrays, saved, names, cell, reverse, layer,
                     first_step):
    """The fused backward: full BPTT in numpy, one gradient per input wanted."""
    unbatched = arrays[0].ndim == 2
    needs = {_KERNEL_NAMES[name] for name, wants_it in zip(names, wanted)
             if name in _KERNEL_NAMES and wants_it}
    grads = fused_kernels.backward(kernel_kind(cell),
                                   g[:, None] if unbatched else g, saved, needs=needs)
    result = []
    for name in names:
        grad = grads.get(_KERNEL_NAMES.get(name))
        if grad is not None and unbatched:
            grad = grad[:, 0] if name == "x" else grad[0] if name in _PER_SEQUENCE else grad
        result.append(grad)
    return tuple(result)


@layer_states.defdecomposition
def layer_states_unrolled(*tensors, names, cell, reverse, layer, first_step):
    """The same states, op by op: the unroll loop over the cell bound to the op's inputs."""
    given = dict(zip(names, tensors))
    bound = cell.with_weights(**{name: given.get(name) for name in cell.WEIGHTS})
    state = tuple(given[name] for name in ("h0", "c0") if name in given)
    _, states = unroll(bound, given["x"], state, reverse=reverse, valid=given.get("valid"),
                       recurrent_mask=given.get("recurrent_mask"), layer=layer,
                       first_step=first_step)
    with mg.name_scope(f"layer{layer}"):
        parts = [mg.stack([step[i] for step in states]) for i in range(len(state))]
        return parts[0] if len(parts) == 1 else mg.concat(parts, axis=-1)
