"""The connectivity matrix ||d y_t / d x_s|| as a heatmap: output steps down, input
steps across (`mg.bptt.connectivity` computes it).

The colour scale is logarithmic (minigrad/viz/log_heatmap.py): a tanh RNN's
connectivity falls by decades within a few steps, which a linear scale would show as
one bright diagonal and nothing else. Exact zeros, the inputs an output cannot depend
on (every later input, for a unidirectional network), are light grey: the causal
structure is the grey triangle above the diagonal. Several matrices (one per model)
are drawn side by side on ONE colour scale, so that the same colour is the same
strength in every panel.
"""
import numpy as np
from matplotlib.ticker import MaxNLocator

from . import log_heatmap
from .character_labels import set_character_ticks
from .figure_files import Chart, save

MAX_LABELLED_STEPS = 20   # beyond this, steps are labelled every few (tokens: always each)
PER_ROW = 3               # panels per row, by default


def connectivity_heatmap(matrices, path=None, title="Connectivity ||d y_t / d x_s||", *,
                         input_labels=None, output_labels=None, relative=False,
                         decades=log_heatmap.DECADES, xlabel="input step s",
                         ylabel="output step t", colorbar_label=None, per_row=PER_ROW):
    """A heatmap of one connectivity matrix, or one panel per matrix on a shared scale.

    Args:
        matrices: (T_out, T_in) array of norms (`mg.bptt.connectivity`), or a dict
            name -> such array, one panel each, titled with the name.
        path: None, or a file to write (.svg, .png or .pdf, from its extension).
        title: the figure's title: say what y_t and x_s are and where the model is
            (at initialisation, trained).
        input_labels, output_labels: tick labels of the columns and rows, e.g. the
            characters of a passage (a space is drawn as ␣, a newline as ↵).
        relative: divide each row by its largest entry, so that each output step's
            row says where it looks, whatever its own scale (Distill's view); the
            colour bar then reads "relative to the row's largest".
        decades: how many decades below the largest value the colour scale spans;
            smaller values take the darkest colour (the colour bar points down).
        xlabel, ylabel, colorbar_label: the axis texts.
        per_row: panels per row (the next ones go below); 1 stacks them.
    Returns:
        the Figure. Panel k is `fig.axes[k]` (the colour bar's axes come last); its
        image `fig.axes[k].images[0].get_array()` holds the drawn values, exact zeros
        masked.
    """
    owner = "connectivity_heatmap"
    named = dict(matrices) if isinstance(matrices, dict) else {None: matrices}
    if not named:
        raise ValueError(f"{owner}: no matrix given")
    shown = {name: _checked(matrix, relative, owner, name) for name, matrix in named.items()}
    rows, columns = next(iter(shown.values())).shape
    for name, matrix in shown.items():
        if matrix.shape != (rows, columns):
            raise ValueError(f"{owner}: the matrices have different shapes ({rows}, {columns}) "
                             f"and {matrix.shape} (panel {name!r}); draw them apart")
    _check_labels(input_labels, columns, "input_labels", "columns (input steps)", owner)
    _check_labels(output_labels, rows, "output_labels", "rows (output steps)", owner)
    norm = log_heatmap.log_scale(shown.values(), decades, owner)
    labelled = input_labels is not None or output_labels is not None
    # inches per step: a panel about 5 inches wide, wider where each step has a label
    cell = float(np.clip(5.0 / max(rows, columns), 0.12 if labelled else 0.03, 0.4))
    if isinstance(per_row, bool) or not isinstance(per_row, int) or per_row < 1:
        raise ValueError(f"{owner}: per_row must be an int >= 1, got {per_row!r}")
    across = min(len(shown), per_row)
    down = -(-len(shown) // across)
    fig = Chart(figsize=(across * (columns * cell + 1.0) + 1.4, down * (rows * cell + 1.0) + 1.0),
                layout="constrained")
    grid = fig.subplots(down, across, squeeze=False)
    for ax in grid.ravel()[len(shown):]:
        ax.remove()                        # the empty places of the last row
    axes = list(grid.ravel()[:len(shown)])
    for k, (ax, (name, matrix)) in enumerate(zip(axes, shown.items())):
        image = log_heatmap.draw(ax, matrix, norm, aspect="equal")
        image.set_gid(f"connectivity-{k}")
        log_heatmap.say_if_below(ax, matrix, norm)
        if name is not None:
            ax.set_title(str(name))
        _ticks(ax, rows, columns, input_labels, output_labels, cell)
        ax.set_xlabel(xlabel)
        if k % across == 0:
            ax.set_ylabel(ylabel)
    label = colorbar_label or ("relative to the row's largest" if relative else
                               "||d y_t / d x_s||")
    log_heatmap.colorbar(fig, image, axes, label, shown.values())
    if any((m == 0).any() for m in shown.values()):
        log_heatmap.zero_legend(fig, "exactly 0: y_t does not depend on x_s",
                                loc="outside lower center")
    if title:
        fig.suptitle(title)
    return save(fig, path, owner)


def _checked(matrix, relative, owner, name):
    what = "the matrix" if name is None else f"matrix {name!r}"
    matrix = log_heatmap.check_values(matrix, owner, what)
    if matrix.ndim != 2:
        raise ValueError(f"{owner}: {what} has shape {matrix.shape}, expected (T_out, T_in) "
                         f"(reduce the batch: mg.bptt.connectivity(..., reduce='mean'))")
    return log_heatmap.relative_rows(matrix) if relative else matrix


def _check_labels(labels, count, name, what, owner):
    if labels is not None and len(labels) != count:
        raise ValueError(f"{owner}: {len(labels)} {name} for {count} {what}")


def _ticks(ax, rows, columns, input_labels, output_labels, cell):
    fontsize = float(np.clip(cell * 72 * 0.8, 6, 10))   # a label fits in its cell
    ax.tick_params(labelsize=min(fontsize, 9))
    for axis, labels, count in ((ax.xaxis, input_labels, columns),
                                (ax.yaxis, output_labels, rows)):
        if labels is not None:
            set_character_ticks(axis, labels, fontsize)
        elif count <= MAX_LABELLED_STEPS:
            axis.set_ticks(range(count))
        else:
            axis.set_major_locator(MaxNLocator(nbins=10, integer=True, steps=[1, 2, 5, 10]))
    ax.xaxis.set_ticks_position("bottom")
