"""Attention weights as a heatmap: output steps down, source steps across."""
import numpy as np


def attention_heatmap(weights, source_tokens=None, target_tokens=None, path=None, title=None):
    """A matplotlib Figure of one sequence's attention weights; also written to `path`.

    Args:
        weights: (T_tgt, T_src) array (or anything numpy reads, a Tensor too); row t
            is the distribution the decoder used at output step t (AttentionSeq2Seq
            returns (N, T_tgt, T_src): pass one row of the batch).
        source_tokens, target_tokens: labels of the columns and rows.
        path: None, or a file to write (.svg, .png or .pdf, from its extension).
        title: figure title.
    Returns:
        the Figure; its image (`fig.axes[0].images[0]`) holds the weights.
    """
    # matplotlib loads on the first heatmap, not with `minigrad.train`, which re-exports it
    from .figure_files import Chart, save

    w = np.asarray(weights)
    if w.ndim != 2:
        raise ValueError(f"attention_heatmap: weights have shape {w.shape}, expected "
                         "(T_tgt, T_src); select one sequence of the batch")
    for name, labels, n in (("source_tokens", source_tokens, w.shape[1]),
                            ("target_tokens", target_tokens, w.shape[0])):
        if labels is not None and len(labels) != n:
            raise ValueError(f"attention_heatmap: {len(labels)} {name} for {n} steps")
    fig = Chart(figsize=(1.0 + 0.45 * w.shape[1], 1.0 + 0.45 * w.shape[0]))
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
    fig.colorbar(image, ax=ax, fraction=0.05, label="attention weight")
    fig.tight_layout()
    return save(fig, path, "attention_heatmap")
