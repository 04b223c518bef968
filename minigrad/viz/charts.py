"""Charts of gradients through time: one line per series of per-step norms, and one
bar per time step of a BPTT gradient's terms.

Each function returns a matplotlib Figure (`figure_files.Chart`, shown inline by a
notebook) and, given a path, also writes it as .svg, .png or .pdf (from the
extension), byte for byte the same for the same data. Artists carry ids, kept in
the SVG: line k is "series-k", the bar of step t is "bar-t".

Both charts use a log axis, so that a step whose gradient is 1e-10 of the last
one's is still seen. A log axis has no place for 0 (nor for inf or nan): such
values are said in words on the chart, never dropped silently.
"""
import math

import numpy as np

from .figure_files import Chart, save

SIZE = (7, 4)   # inches: a slide's or a notebook cell's width
BAR_COLOUR = "#4c72b0"
MAX_BAR_LABELS = 12   # more zero terms than this are listed in a note, not bar by bar


def gradient_norm_chart(series, path=None, title="Gradient norm through time", *,
                        ylabel="gradient norm", xlabel="time step t"):
    """One line per series of per-step gradient norms (e.g. ||dL/dh_t||), log-scale y.

    Args:
        series: dict name -> array (T,) of norms, value t drawn at x = t. Zeros and
            values that are not finite are not drawn; a note under the axes lists
            their steps.
        path: None, or a file to write (.svg, .png or .pdf).
        title, ylabel, xlabel: the texts; say what the lines are (which norm, where
            the loss is), and nothing the chart does not show.
    Returns:
        the Figure. Line k (in dict order) is `fig.axes[0].lines[k]`, SVG id "series-k".
    """
    fig = Chart(figsize=SIZE)
    ax = fig.add_subplot()
    undrawn = []
    for k, (name, norms) in enumerate(series.items()):
        norms = np.asarray(norms, dtype=np.float64).reshape(-1)
        drawable = np.isfinite(norms) & (norms > 0)
        (line,) = ax.plot(np.arange(len(norms)), np.where(drawable, norms, np.nan), marker=".",
                          label=str(name))
        line.set_gid(f"series-{k}")
        undrawn += [f"{name}: {kind} at t = {_steps_text(steps)}"
                    for kind, steps in _undrawable(norms)]
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, wrap=True)   # a long title folds within the figure
    ax.grid(True, which="major", alpha=0.3)
    if series:
        ax.legend()
    _note(fig, "not drawn on the log axis", undrawn)
    return save(fig, path, "gradient_norm_chart")


def per_step_contribution_chart(contributions, path=None,
                                title="Norm of each time step's term of the gradient", *,
                                log=True, ylabel="norm of the step's term",
                                xlabel="time step t"):
    """One bar per time step t: ||term_t||, the norm of step t's term of a BPTT gradient.

    On the log axis (default) the bars rise from a floor one decade below the smallest
    non-zero norm, so that every non-zero term shows, however small; a term that is
    exactly 0 (W_hh at the first step, where h_0 = 0) gets a zero-height bar and the
    label "0" at the floor (with more than MAX_BAR_LABELS of them, a note under the axes
    lists their steps instead). `log=False` gives bars from 0 on a linear axis.

    Args:
        contributions: array (T, ...) as returned by `mg.bptt.per_step_grads`
            (row t: step t's term), or (T,) per-step norms or scalar terms.
        path: None, or a file to write (.svg, .png or .pdf).
        title: say which weight and where the loss is.
    Returns:
        the Figure. The bar of step t is `fig.axes[0].patches[t]` (top = ||term_t||),
        SVG id "bar-t"; the label of a zero or non-finite term has id "label-t".
    """
    contributions = np.asarray(contributions, dtype=np.float64)
    steps = contributions.shape[0] if contributions.ndim else 1
    norms = np.linalg.norm(contributions.reshape(steps, -1), axis=1)
    drawable = np.isfinite(norms) & (norms > 0)
    floor = _floor(norms[drawable]) if log else 0.0
    fig = Chart(figsize=SIZE)
    ax = fig.add_subplot()
    heights = np.where(drawable, norms - floor, 0.0)
    bars = ax.bar(np.arange(steps), heights, bottom=floor, color=BAR_COLOUR)
    for t, bar in enumerate(bars):
        bar.set_gid(f"bar-{t}")
    undrawable = np.flatnonzero(~drawable)
    if len(undrawable) <= MAX_BAR_LABELS:
        for t in undrawable:
            label = ax.annotate(_value_text(norms[t]), (t, floor if log else 0.0),
                                ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                                textcoords="offset points")
            label.set_gid(f"label-{t}")
    if log:
        ax.set_yscale("log")
        ax.set_ylim(bottom=floor)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, wrap=True)   # a long title folds within the figure
    ax.grid(True, axis="y", which="major", alpha=0.3)
    many = len(undrawable) > MAX_BAR_LABELS
    _note(fig, "no bar", [f"{kind} at t = {_steps_text(steps)}"
                          for kind, steps in _undrawable(norms)] if many else [])
    return save(fig, path, "per_step_contribution_chart")


def _floor(positive):
    """The bars' base on a log axis: one decade below the smallest positive norm."""
    if positive.size == 0:
        return 1.0
    return 10.0 ** (math.floor(math.log10(positive.min())) - 1)


def _undrawable(norms):
    """[(what, steps)] for the values a log axis cannot show: zeros, inf, nan."""
    groups = (("0", norms == 0), ("inf", np.isinf(norms)), ("nan", np.isnan(norms)),
              ("negative", norms < 0))
    return [(kind, np.flatnonzero(mask)) for kind, mask in groups if mask.any()]


def _value_text(value):
    return "0" if value == 0 else str(value)


def _steps_text(steps):
    """[0, 1, 2, 5] -> "0-2, 5"."""
    runs, start = [], None
    for i, t in enumerate(steps):
        if start is None:
            start = t
        if i + 1 == len(steps) or steps[i + 1] != t + 1:
            runs.append(f"{start}" if start == t else f"{start}-{t}")
            start = None
    return ", ".join(runs)


def _note(fig, heading, lines):
    """Small text under the axes, saying what the axis could not draw; then the layout."""
    if not lines:
        fig.tight_layout()
        return
    text = f"{heading}: " + "; ".join(lines)
    note = fig.text(0.01, 0.01, text, fontsize=8, ha="left", va="bottom", wrap=True)
    note.set_gid("undrawn-note")
    fig.tight_layout(rect=(0, 0.06, 1, 1))
