"""What a tensor stands for in a model: an input, an initial state, a state, a gate, a loss.

Models say it where they compute the tensor, so that nothing downstream has to guess:

    i = mark(sig[..., :H], "gate", "i")         # the LSTM's input gate
    mark(h_new, "state", "h")                   # the hidden state of this step

`tensor.role` is then ("gate", "i"). Graph capture reads it (a node's `kind` and
`name`, `mg.trace(...).to_networkx()`); the renderer and the BPTT analysis
(`hidden_grad_norms` on a layer's output) find states and gates by it. A role names
what the tensor is, not how to draw it; it changes no value and costs one attribute.
"""
KINDS = ("input", "initial_state", "state", "gate", "loss")


def mark(tensor, kind, name):
    """Record that `tensor` is the `kind` called `name` (e.g. "state", "c"); returns it.

    Args:
        tensor: a Tensor.
        kind: one of KINDS.
        name: the symbol: "x", "h0", "c0", "h", "c", "y", "i", "f", "g", "o", "r",
            "z", "n", "loss", ...
    """
    if kind not in KINDS:
        raise ValueError(f"mark: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    tensor.role = (kind, str(name))
    return tensor
