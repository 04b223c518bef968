"""Draw attention weights as a heatmap: target steps down, source steps across."""
import numpy as np

from ..tensor import Tensor


def attention_heatmap(weights, source_tokens=None, target_tokens=None, path=None, title=None):
    """A matplotlib Figure of one sequence's attention weights; saved as SVG if `path`.

    Args:
        weights: (T_tgt, T_src) array or Tensor; row t is the distribution the
            decoder used at output step t (AttentionSeq2Seq returns (N, T_tgt, T_src):
            pass one row of the batch).
        source_tokens, target_tokens: labels of the columns and rows.
        path: file to write (format from its suffix, e.g. ".svg").
        title: figure title.
    Returns:
        the matplotlib Figure.
    """
    # matplotlib's object API (a Figure, no pyplot): the user's backend and pyplot's
    # figures are left alone, and Jupyter still shows the returned Figure
    from matplotlib.figure import Figure

    w = weights.data if isinstance(weights, Tensor) else np.asarray(weights)
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap: weights have shape {w.shape}, expected "
                         "(T_tgt, T_src); select one sequence of the batch")
    for name, labels, n in (("source_tokens", source_tokens, w.shape[1]),
                            ("target_tokens", target_tokens, w.shape[0])):
        if labels is not None and len(labels) != n:
            raise ValueError(f"attention_heatmap: {len(labels)} {name} for {n} steps")
    fig = Figure(figsize=(1.0 + 0.45 * w.shape[1], 1.0 + 0.45 * w.shape[0]))
    ax = fig.add_subplot()
    image = ax.imshow(w, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(w.shape[1]))
    ax.set_yticks(range(w.shape[0]))
    if source_tokens is not None:
        ax.set_xticklabels([str(t) for t in source_tokens])
    if target_tokens is not None:
        ax.set_yticklabels([str(t) for t in target_tokens])
    ax.set_xlabel("source step")
    ax.set_ylabel("output step")
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    if title:
        ax.set_title(title, pad=24)
    fig.colorbar(image, ax=ax, fraction=0.05)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig
