"""Truncated backpropagation through time: a long sequence in chunks of k steps.

The state is carried from one chunk to the next (the model is "stateful"), but
DETACHED, so each chunk's backward pass stops at the chunk's first step: memory
and time per update are O(k) instead of O(L).

    state = None
    for i, (x_chunk, y_chunk) in enumerate(tbptt_chunks(x, y, k)):
        out, state = lstm(x_chunk, state, first_step=i * k)
        loss = loss_fn(out, y_chunk)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state = detach_state(state)     # keep the values, cut the graph

Without `detach_state`, the second chunk's backward would run into the first
chunk's graph (already freed by its backward: an error, or with retain_graph,
full BPTT at growing cost).

`first_step=i * k` scopes chunk i at its absolute time steps t{i*k} .. t{i*k + k-1}
(the outputs are the same without it). Left out, every chunk is labelled from t0,
so `mg.bptt.per_step_grads` and `mg.render` would put chunk i's steps at 0 .. k-1.
"""
from minigrad import Tensor


def detach_state(state):
    """The same nested structure of tensors (Tensor, tuple or list), each detached.

    `None` stays None, so the first chunk's initial state can be passed through.
    """
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    # states nest at most a few levels (e.g. Bidirectional LSTM: ((h, c), (h, c)))
    return type(state)(detach_state(part) for part in state)


def tbptt_chunks(x, y=None, k=1, time_axis=0):
    """Split a sequence (and its targets) into consecutive chunks of k time steps.

    Args:
        x: Tensor (or numpy array) with time along `time_axis` (0 for (L, N, H_in),
            1 for batch_first).
        y: optional targets, split the same way along the same axis; or None.
        k: chunk length; the last chunk holds the remaining L mod k steps.
    Yields:
        x_chunk, or (x_chunk, y_chunk) when y is given. Chunk i starts at step i * k:
        pass `first_step=i * k` to the recurrent layer (module docstring).
    """
    if k < 1:
        raise ValueError(f"tbptt_chunks: k must be >= 1, got {k}")
    L = x.shape[time_axis]
    if y is not None and y.shape[time_axis] != L:
        raise ValueError(f"tbptt_chunks: x has {L} steps along axis {time_axis} but y has "
                         f"{y.shape[time_axis]}")
    lead = (slice(None),) * time_axis
    for start in range(0, L, k):
        window = lead + (slice(start, min(start + k, L)),)
        yield x[window] if y is None else (x[window], y[window])
