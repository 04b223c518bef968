"""THE unroll loop: one recurrent cell over the time steps of a sequence.

Every recurrent model in this package (RNN, LSTM, GRU at every layer and in both
directions, the Bidirectional wrapper, the Jordan RNN) runs through `unroll`.
It knows nothing about gates; it needs three things from a cell:

    cell.input_projection(x)            the state-free part of a step, for any
                                        leading shape (so it can run on all steps
                                        at once, outside the loop)
    cell.recurrence(recurrent_mask)     -> step(projected_t, state) -> (output, state)
    state                               a tuple of tensors; state[0] is what feeds
                                        back through the recurrent weights

The state is whatever the cell says it is: (h,) for an Elman RNN, (h, c) for an
LSTM, and (y,) -- the previous *output* -- for the Jordan RNN.

Per step the loop does, with every op recorded under the name scopes
`layer{k}` / `forward` or `reverse` / `t{first_step + t}` (t = index in the input
sequence; `first_step` is 0 unless a caller runs a longer sequence piece by piece,
e.g. a decoder that runs one step per call and passes that step's index):

    output_t, new_state = step(projected[t], state)
    if lengths:  state    = where(valid_t, new_state, state)   # carried through padding
                 output_t = where(valid_t, output_t, 0)        # padding outputs are 0

Each step's state tensors are marked as states, by the cell's `state_names`
("h", "c", "y"), and an initial state that no op computed (zeros, a given leaf, a
detached carry) as "h0", "c0" (minigrad/roles.py), for graph capture and analysis.

That is PyTorch's packed-sequence semantics: the final state of a sequence is the
one after its own last step, and the reverse direction, which meets the padding
first, still holds its initial state when it reaches that sequence's last step.
"""
import numpy as np

import minigrad as mg
from minigrad import Tensor
from minigrad.roles import mark


def valid_masks(lengths, T, N, owner="unroll"):
    """Check `lengths` and return the per-step masks, or None when no step is padding.

    Args:
        lengths: None, or N integers in [1, T] (list, numpy array or Tensor).
        owner: the layer's name, for error messages.
    Returns:
        None, or a constant boolean (T, N, 1) tensor, True where t < length: row t is
        step t's mask.
    """
    if lengths is None:
        return None
    lengths = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if lengths.shape != (N,) or lengths.dtype.kind not in "iu":
        raise ValueError(f"{owner}: lengths must be {N} integers, one per sequence "
                         f"(shape ({N},)); got shape {lengths.shape} of dtype {lengths.dtype}")
    bad = [(i, int(n)) for i, n in enumerate(lengths) if not 1 <= n <= T]
    if bad:
        raise ValueError(f"{owner}: lengths must be in [1, L={T}]; got "
                         + ", ".join(f"{n} for sequence {i}" for i, n in bad))
    if (lengths == T).all():
        return None  # nothing to mask
    steps = np.arange(T)[:, None] < lengths[None, :]
    return mg.tensor(steps[:, :, None])


def recurrent_dropout_mask(like, p):
    """One inverted-dropout mask (shape of `like`), kept for every step of a sequence."""
    keep = mg.generator().random(like.shape) >= p
    return mg.tensor((keep / (1.0 - p)).astype(like.dtype))


def unroll(cell, inputs, state, *, reverse=False, valid=None, recurrent_mask=None, layer=0,
           first_step=0):
    """Run `cell` over a sequence; the one time loop of the package.

    Args:
        cell: an object with `input_projection` and `recurrence` (module docstring).
        inputs: a (T, *batch, F) Tensor, projected for all steps with ONE call of
            `cell.input_projection` before the loop; or a list of T (*batch, F)
            tensors, projected step by step (e.g. the outputs of a lower layer).
        state: tuple of initial state tensors, each (*batch, S).
        reverse: visit t = T-1, ..., 0 instead of 0, ..., T-1 (scope "reverse").
        valid: None, or boolean (T, *batch, 1) masks, row t for step t (see
            `valid_masks`).
        recurrent_mask: None, or a tensor multiplying state[0] on its way into the
            recurrent weights, the same at every step (recurrent dropout).
        layer: the layer index k, for the scope name `layer{k}`.
        first_step: the time step of inputs[0], for the scope names: input step t is
            recorded under `t{first_step + t}` (a step-by-step decoder passes its step
            index, so its steps are not all time step 0).

    Returns:
        (outputs, states): two lists of T entries in input order (entry t belongs to
        input step t, whatever the direction): the outputs, and the state tuples after
        each step. The final state is states[-1], or states[0] with `reverse`.
    """
    per_step = isinstance(inputs, (list, tuple))
    T = len(inputs)
    names = getattr(cell, "state_names", ("h",) * len(state))
    for name, part in zip(names, state):
        if part.role is None and part.is_leaf:   # a given start, not a state computed here
            mark(part, "initial_state", f"{name}0")
    with mg.name_scope(f"layer{layer}"), mg.name_scope("reverse" if reverse else "forward"):
        projected = inputs if per_step else cell.input_projection(inputs)
        step = cell.recurrence(recurrent_mask)
        outputs, states = [None] * T, [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            with mg.name_scope(f"t{first_step + t}"):
                x_t = cell.input_projection(projected[t]) if per_step else projected[t]
                output, new_state = step(x_t, state)
                if valid is None:
                    state = new_state
                else:
                    keep = valid[t]
                    state = tuple(mg.where(keep, new, old)
                                  for new, old in zip(new_state, state))
                    output = mg.where(keep, output, 0.0)
                for name, part in zip(names, state):
                    mark(part, "state", name)
                outputs[t], states[t] = output, state
    return outputs, states
