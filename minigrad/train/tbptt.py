"""Truncated backpropagation through time, one optimizer step per chunk of k steps.

    hx = None
    for x_k, y_k in zip(chunks(x, k), chunks(y, k)):      # along time (axis 1)
        output, hx = model(x_k, hx)
        loss_fn(output, y_k).backward()                   # gradients stop at the chunk start
        optimizer.step()
        hx = detach_state(hx)                             # keep the value, cut the graph

The state carries information across the whole sequence; gradients flow back at
most k steps. Targets must have a time axis (N, T, ...) aligned with x.
"""
from ..functions import concat
from ..tensor import Tensor


def detach_state(hx):
    """Detach a hidden state: a Tensor, or a (nested) tuple/list of them, or None."""
    if hx is None:
        return None
    if isinstance(hx, Tensor):
        return hx.detach()
    if isinstance(hx, (tuple, list)):
        return type(hx)(detach_state(h) for h in hx)
    raise TypeError(f"detach_state: expected a Tensor or a tuple of Tensors, got "
                    f"{type(hx).__name__}")


def time_chunks(x, k):
    """Slices of `x` (N, T, ...) along axis 1, each k steps long (the last may be shorter)."""
    length = x.shape[1]
    return [x[:, s:s + k] for s in range(0, length, k)]


def tbptt_step(model, loss_fn, optimizer, inputs, targets, k, clip=None):
    """Train on one batch with truncated BPTT; return (output (detached), mean loss, mean norm)."""
    from .loop import _clip
    if isinstance(inputs, (tuple, list, dict)):
        raise TypeError("fit(tbptt=k): inputs must be one (N, T, ...) tensor per batch")
    if inputs.ndim < 2 or targets.ndim < 2 or inputs.shape[:2] != targets.shape[:2]:
        raise ValueError(f"fit(tbptt=k): inputs {inputs.shape} and targets {targets.shape} must "
                         "share the (N, T) leading axes")
    hx, outputs, total, norms = None, [], 0.0, []
    for x_k, y_k in zip(time_chunks(inputs, k), time_chunks(targets, k)):
        optimizer.zero_grad()
        result = model(x_k, hx)
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
        hx = detach_state(hx)
        outputs.append(output.detach())
        total += loss.item() * x_k.shape[1]
    mean_norm = sum(norms) / len(norms) if norms else None
    return concat(outputs, axis=1), total / inputs.shape[1], mean_norm
