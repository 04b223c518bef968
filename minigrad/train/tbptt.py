"""Truncated backpropagation through time, one optimizer step per chunk of k steps.

    hx = None
    for i, (x_k, y_k) in enumerate(tbptt_chunks(x, y, k, time_axis=1)):
        output, hx = model(x_k, hx, first_step=i * k)     # steps scoped t{i*k} .. t{i*k+k-1}
        loss_fn(output, y_k).backward()                   # gradients stop at the chunk start
        optimizer.step()
        if after_chunk is not None:
            after_chunk()
        hx = detach_state(hx)                             # keep the value, cut the graph

The state carries information across the whole sequence; gradients flow back at
most k steps. Targets must have a time axis (N, T, ...) aligned with x.

`first_step` is passed only to a model whose `forward` names a `first_step`
parameter (models.RNN / LSTM / GRU do): each chunk's graph is then scoped at its
absolute time steps, so `mg.bptt.per_step_grads` and `mg.render` of chunk i show
steps i*k .. i*k + k-1 rather than 0 .. k-1. Any other model is called as
`model(x_k, hx)`; to get absolute steps from it, give its forward a keyword
`first_step=0` and pass it on to its recurrent layer. The numbers computed are the
same either way: the step labels only name the graph's scopes.
"""
import inspect

from ..functions import concat
from ..nn.sizes import check_sizes
from ..tensor import Tensor


def takes_first_step(model):
    """True when `model.forward` has a parameter named `first_step` (not just **kwargs)."""
    try:
        return "first_step" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError, AttributeError):  # no forward, or no signature to read
        return False


def tbptt_step(model, loss_fn, optimizer, inputs, targets, k, clip=None, after_chunk=None):
    """Train on one batch with truncated BPTT; return (output (detached), mean loss, mean norm).

    Each chunk is labelled with its absolute time steps when the model accepts
    `first_step` (see the module docstring). `after_chunk()`, if given, is called
    after each chunk's optimizer step (fit's progress bar counts chunks with it).
    """
    from .loop import _clip
    if isinstance(inputs, (tuple, list, dict)):
        raise TypeError("fit(tbptt=k): inputs must be one (N, T, ...) tensor per batch")
    if inputs.ndim < 2 or targets.ndim < 2 or inputs.shape[:2] != targets.shape[:2]:
        raise ValueError(f"fit(tbptt=k): inputs {inputs.shape} and targets {targets.shape} must "
                         "share the (N, T) leading axes")
    if getattr(model, "batch_first", True) is False:
        raise ValueError(f"fit(tbptt=k): the chunks are cut along dim 1 of (N, T, ...) "
                         f"inputs, but this {type(model).__name__} is time-major "
                         f"(batch_first=False): build it with batch_first=True")
    labelled = takes_first_step(model)
    hx, outputs, total, norms, start = None, [], 0.0, [], 0
    for x_k, y_k in tbptt_chunks(inputs, targets, k, time_axis=1):
        optimizer.zero_grad()
        result = model(x_k, hx, first_step=start) if labelled else model(x_k, hx)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError("fit(tbptt=k): the model must return (output, hx) when called as "
                            "model(x_chunk, hx)")
        output, hx = result
        loss = loss_fn(output, y_k)
        loss.backward()
        norm = _clip(model, clip)
        if norm is not None:
            norms.append(norm)
        optimizer.step()
        if after_chunk is not None:
            after_chunk()
        hx = detach_state(hx)
        outputs.append(output.detach())
        total += loss.item() * x_k.shape[1]
        start += x_k.shape[1]
    mean_norm = sum(norms) / len(norms) if norms else None
    return concat(outputs, axis=1), total / inputs.shape[1], mean_norm


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
    check_sizes("tbptt_chunks", k=k)
    L = x.shape[time_axis]
    if y is not None and y.shape[time_axis] != L:
        raise ValueError(f"tbptt_chunks: x has {L} steps along axis {time_axis} but y has "
                         f"{y.shape[time_axis]}")
    lead = (slice(None),) * time_axis
    for start in range(0, L, k):
        window = lead + (slice(start, min(start + k, L)),)
        yield x[window] if y is None else (x[window], y[window])
