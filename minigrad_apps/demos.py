"""The small demonstration models the `render` and `bptt` subcommands draw.

A model name is one of rnn, lstm, gru, jordan, or birnn, bilstm, bigru (the
bidirectional forms; `--bidirectional` does the same). The input is a fixed
random sequence (L, N=1, input 3) and the loss the mean square of the outputs
(of every step, or of the last step only).
"""
from dataclasses import dataclass

MODEL_NAMES = ("rnn", "lstm", "gru", "jordan", "birnn", "bilstm", "bigru")
INPUT_SIZE = 3


def resolve(name, bidirectional):
    """(base kind, bidirectional) from a model name like "bilstm"."""
    if name.startswith("bi"):
        return name[2:], True
    if name == "jordan" and bidirectional:
        raise ValueError("the Jordan RNN has no bidirectional form")
    return name, bool(bidirectional)


def build(name, steps, hidden=4, layers=1, bidirectional=False, seed=0, loss_on="all"):
    """Make the model, run it on a random sequence of `steps` steps.

    `loss_on="last"` puts the loss on the last step's output only, the setting in
    which the BPTT terms of early steps vanish.

    Returns:
        (model, loss): `loss` is a scalar Tensor whose graph is alive.
    """
    run = demo(name, steps, hidden, layers, bidirectional, seed, loss_on)
    return run.holder, run.loss


@dataclass
class Demo:
    """One run of a demonstration model: the module holding it, the loss, the input
    sequence x (L, N=1, 3) and the output sequence out (L, N=1, H or 2H)."""
    holder: object
    loss: object
    x: object
    out: object


def demo(name, steps, hidden=4, layers=1, bidirectional=False, seed=0, loss_on="all",
         input_grad=False):
    """`build`, keeping the input and the output sequence: a Demo. With `input_grad`,
    x requires grad (it stays marked as the input), so that gradients reach it."""
    import minigrad as mg
    import models

    kind, bidirectional = resolve(name, bidirectional)
    mg.manual_seed(seed)
    if kind == "jordan":
        model = models.JordanRNN(INPUT_SIZE, hidden, hidden)
    else:
        layer = {"rnn": models.RNN, "lstm": models.LSTM, "gru": models.GRU}[kind]
        model = layer(INPUT_SIZE, hidden, num_layers=layers, bidirectional=bidirectional)
    holder = mg.nn.Module()
    setattr(holder, kind if kind != "jordan" else "jordan", model)
    x = mg.randn(steps, 1, INPUT_SIZE, requires_grad=input_grad)
    x.name = "x"
    if input_grad:
        mg.mark(x, "input", "x")
    out = getattr(holder, kind)(x)
    out = sequence = out[0] if isinstance(out, tuple) else out
    if loss_on == "last":
        out = out[-1]
    elif loss_on != "all":
        raise ValueError(f"build: loss_on must be 'all' or 'last', got {loss_on!r}")
    loss = mg.mark((out * out).mean(), "loss", "loss")
    list(holder.named_parameters())  # names every parameter ("lstm.weight_hh_l0", ...)
    return Demo(holder, loss, x, sequence)
