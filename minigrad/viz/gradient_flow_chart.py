"""Gradient flow over training as heatmaps: time step across, training update down.

From a `mg.bptt.GradientFlow` (the records of `GradientFlowRecorder`): the per-step
terms of a weight's gradient and ||dL/dh_t||, one row per record, and the probe loss
beside them on the same rows. Vanishing is a row dark at the left (early steps get
nothing back from the loss at the end); its repair, rows that light up to the left as
the loss falls.

By default each row is divided by its largest entry: the loss, and with it every
gradient, shrinks as training succeeds, and the question is how far back the gradient
reaches, not how large it is. The colour scale is logarithmic (log_heatmap.py).
"""
import numpy as np
from matplotlib.ticker import MaxNLocator, NullFormatter

from . import log_heatmap
from .figure_files import Chart, save

MAX_ROW_LABELS = 12


def gradient_flow_chart(flow, path=None, title=None, *, relative=True,
                        decades=log_heatmap.DECADES):
    """The step x update heatmaps of a gradient flow record, and its probe loss.

    Args:
        flow: a `mg.bptt.GradientFlow` (or an object with its attributes: param,
            state, updates (U,), contributions (U, T), hidden (U, T), loss (U,)).
        path: None, or a file to write (.svg, .png or .pdf, from its extension).
        title: the figure's title; by default it names the weight and the state.
        relative: divide each row by its largest entry (default; see the module
            docstring); False draws the norms themselves.
        decades: how many decades below the largest value the colour scale spans.
    Returns:
        the Figure. `fig.axes[0]` is the heatmap of the weight's per-step terms,
        `fig.axes[1]` that of ||d loss / d state_t|| (each `.images[0].get_array()`:
        the drawn (U, T) values, exact zeros masked), `fig.axes[2]` the probe loss
        (`.lines[0]`: x = loss, y = row), then the colour bar.
    """
    owner = "gradient_flow_chart"
    updates = np.asarray(flow.updates)
    if updates.size == 0:
        raise ValueError(f"{owner}: the record is empty (no measurement was made)")
    panels = {f"||term_t of dL/d {flow.param}||":
              log_heatmap.check_values(flow.contributions, owner, "contributions"),
              f"||dL/d{flow.state}_t||": log_heatmap.check_values(flow.hidden, owner, "hidden")}
    if relative:
        panels = {name: log_heatmap.relative_rows(values) for name, values in panels.items()}
    norm = log_heatmap.log_scale(panels.values(), decades, owner)
    records, steps = next(iter(panels.values())).shape
    fig = Chart(figsize=(12, float(np.clip(2.2 + 0.12 * records, 4.0, 9.0))),
                layout="constrained")
    heat_a, heat_b, losses = fig.subplots(1, 3, sharey=True,
                                          gridspec_kw={"width_ratios": [4, 4, 1.4]})
    for k, (ax, (name, values)) in enumerate(zip((heat_a, heat_b), panels.items())):
        image = log_heatmap.draw(ax, values, norm, aspect="auto")
        image.set_gid(f"flow-{k}")
        ax.set_title(name)
        ax.set_xlabel("time step t of the probe sequence")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    heat_a.set_ylabel("updates made (row: one record)")
    _row_ticks(heat_a, updates)
    _loss_panel(losses, np.asarray(flow.loss, dtype=np.float64))
    label = "relative to the row's largest" if relative else "norm"
    log_heatmap.colorbar(fig, image, [heat_a, heat_b, losses], label, panels.values())
    if any((values == 0).any() for values in panels.values()):
        log_heatmap.zero_legend(fig, "exactly 0 (e.g. W_hh at t = 0, where h_0 = 0)",
                                loc="outside lower center")
    fig.suptitle(title or f"Gradient flow over training: {flow.param} and {flow.state}_t, "
                          f"on a fixed probe batch of {steps} steps")
    return save(fig, path, owner)


def _row_ticks(ax, updates):
    """Rows labelled with their update counts, at most MAX_ROW_LABELS of them."""
    every = max(1, -(-len(updates) // MAX_ROW_LABELS))
    rows = list(range(0, len(updates), every))
    if rows[-1] != len(updates) - 1:
        rows.append(len(updates) - 1)
    ax.set_yticks(rows)
    ax.set_yticklabels([str(int(updates[r])) for r in rows])


def _loss_panel(ax, loss):
    line, = ax.plot(loss, np.arange(len(loss)), marker=".", color="black")
    line.set_gid("probe-loss")
    positive = np.all(np.isfinite(loss) & (loss > 0))
    if positive and loss.max() > 10 * loss.min():      # a log axis with a decade to show
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.set_title("probe loss")
    ax.set_xlabel("loss")
    ax.grid(True, alpha=0.3)
    ax.tick_params(axis="y", labelleft=False)
