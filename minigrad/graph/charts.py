"""Charts of gradients through time (SVG, matplotlib).

Uses matplotlib's object API (Figure, no pyplot), so importing this module does
not touch the global backend, and works headless. Artists carry SVG ids
("series-<k>", "bar-<t>") so that the output can be inspected, and the SVG hash
salt is fixed so the same data gives the same file.
"""
import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

_SVG_RC = {"svg.hashsalt": "minigrad", "svg.fonttype": "none"}


def _save(fig, path):
    with rc_context(_SVG_RC):
        fig.savefig(path, format="svg", metadata={"Date": None})
    return path


def gradient_norm_chart(series, path, title="Gradient norm through time"):
    """One line per series of per-step gradient norms, log-scale y.

    Args:
        series: dict name -> array (T,) of norms (e.g. ||dL/dh_t||); zeros are not
            drawn (a log scale has no place for them).
        path: where to write the SVG.
    Returns:
        path. Line k (in dict order) has SVG id "series-k".
    """
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    for k, (name, norms) in enumerate(series.items()):
        norms = np.asarray(norms, dtype=np.float64)
        shown = np.where(norms > 0, norms, np.nan)
        (line,) = ax.plot(np.arange(len(norms)), shown, marker=".", label=str(name))
        line.set_gid(f"series-{k}")
    ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("gradient norm")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    if series:
        ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def per_step_contribution_chart(contributions, path,
                                title="Contribution of each time step to dL/dW_hh"):
    """Bar chart of ||term_t|| for the per-step terms of a BPTT gradient.

    Args:
        contributions: array (T, ...) as returned by `bptt.per_step_grads`.
        path: where to write the SVG.
    Returns:
        path. The bar of step t has SVG id "bar-t".
    """
    contributions = np.asarray(contributions, dtype=np.float64)
    steps = contributions.shape[0]
    norms = np.linalg.norm(contributions.reshape(steps, -1), axis=1)
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    bars = ax.bar(np.arange(steps), norms, color="#4c72b0")
    for t, bar in enumerate(bars):
        bar.set_gid(f"bar-{t}")
    ax.set_xlabel("time step t")
    ax.set_ylabel("norm of the step's term")
    ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def vanishing_gradient_comparison(T=50, hidden=16, seed=0, input_size=4, forget_bias=None,
                                  models_to_run=("RNN", "LSTM", "GRU")):
    """||dL/dh_t|| for t = 0..T-1 in an RNN, an LSTM and a GRU fed the same input.

    Each model (`models.RNN/LSTM/GRU`, float64, initialised after
    `mg.manual_seed(seed)`) is run one step at a time, passing its state on, so
    that h_t (the layer's h_n after step t) is a tensor of its own; the loss is
    L = v . h_{T-1} for a fixed random v. The norms come from
    `bptt.hidden_grad_norms`.

    Args:
        forget_bias: if given, the LSTM's forget-gate bias starts at this value
            (bias_ih_l0[H:2H] = forget_bias, bias_hh_l0[H:2H] = 0; PyTorch's gate
            order i, f, g, o), as Jozefowicz et al. 2015 recommend (1.0): the cell
            state is then kept by default and its gradient decays much more slowly.
            The series is named "LSTM (forget bias 1)".
        models_to_run: which of "RNN", "LSTM", "GRU" to run.
    Returns:
        dict name -> numpy array (T,).
    """
    import models  # the recurrent layers live outside the minigrad package
    from .. import creation
    from ..tensor import Tensor
    from .bptt import hidden_grad_norms

    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, 1, input_size))
    v = Tensor(rng.normal(size=(1, 1, hidden)), dtype=np.float64)
    result = {}
    for name in models_to_run:
        creation.manual_seed(seed)
        model = getattr(models, name)(input_size, hidden).double()
        if name == "LSTM" and forget_bias is not None:
            model.bias_ih_l0.data[hidden:2 * hidden] = forget_bias
            model.bias_hh_l0.data[hidden:2 * hidden] = 0.0
            name = f"LSTM (forget bias {forget_bias:g})"
        state, states = None, []
        for t in range(T):
            x_t = Tensor(xs[t:t + 1], dtype=np.float64)       # (1, N=1, input_size)
            _, state = model(x_t, state, first_step=t)   # scoped t{t}, not t0
            states.append(state[0] if isinstance(state, tuple) else state)
        loss = (states[-1] * v).sum()
        result[name] = hidden_grad_norms(loss, states)
    return result
