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
