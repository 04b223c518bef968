"""Heatmaps of gradient magnitudes on a log colour scale, with exact zeros said apart.

Gradient norms through time span many decades (a tanh RNN's connectivity falls by
1e-10 within 30 steps), so a linear colour scale would show the last few steps and
nothing else. The scale here is logarithmic over at most `decades` decades below the
largest value: smaller values take the darkest colour (the colour bar's pointed end
says so), and an entry that is exactly 0 (no path from that input to that output: the
causal structure) is drawn in light grey, never as "very small".
"""
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.patches import Patch

CMAP = "viridis"
ZERO_COLOUR = "#d9d9d9"     # light grey: exactly 0
DECADES = 6


def log_scale(arrays, decades=DECADES, owner="heatmap"):
    """The LogNorm for the positive finite values of `arrays`: from the largest down
    `decades` decades (or to the smallest, if nearer). (1e-1, 1) when none is positive."""
    if not decades > 0:
        raise ValueError(f"{owner}: decades must be > 0, got {decades!r}")
    positive = [a[np.isfinite(a) & (a > 0)] for a in arrays]
    positive = np.concatenate([p.ravel() for p in positive]) if positive else np.zeros(0)
    if positive.size == 0:
        return LogNorm(vmin=0.1, vmax=1.0)
    top = float(positive.max())
    bottom = max(float(positive.min()), top * 10.0 ** -decades)
    if bottom == top:
        bottom = top / 10.0
    return LogNorm(vmin=bottom, vmax=top)


def colour_map():
    """viridis, with exact zeros (masked) in light grey and values below the scale in
    its darkest colour."""
    cmap = colormaps[CMAP]
    return cmap.with_extremes(bad=ZERO_COLOUR, under=cmap(0.0))


def draw(ax, values, norm, **options):
    """imshow `values` (2-D, finite and >= 0) on `ax` with the log scale `norm`; zeros
    masked (grey). Returns the image; `image.get_array()` is `values`, zeros masked."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"heatmap values have shape {values.shape}, expected 2-D")
    shown = np.ma.masked_equal(values, 0.0)
    return ax.imshow(shown, cmap=colour_map(), norm=norm, interpolation="nearest",
                     **options)


def check_values(values, owner, what):
    """`values` as float64, refused with a clear error when negative or not finite (a
    norm is neither; an exploded gradient has to be looked at before it is drawn)."""
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{owner}: {what} holds {int(bad.sum())} value(s) that are not "
                         f"finite norms >= 0 (first at index {first}: {values[first]}); a "
                         f"log colour scale cannot draw them")
    return values


def say_if_below(ax, values, norm):
    """Write on a panel whose every non-zero value lies below the colour scale (all of
    it in the darkest colour) how large its values are, which the colours cannot say."""
    positive = values[values > 0]
    if positive.size and positive.max() < norm.vmin:
        note = ax.text(0.5, 0.5, f"every value below the colour scale\n(largest "
                                 f"{positive.max():.1e})", transform=ax.transAxes,
                       ha="center", va="center", fontsize=9, color="white")
        note.set_gid("below-scale")


def relative_rows(values):
    """Each row divided by its largest entry (a row of zeros stays zero)."""
    largest = values.max(axis=1, keepdims=True)
    return np.divide(values, largest, out=np.zeros_like(values), where=largest > 0)


def zero_legend(ax, text="exactly 0", **options):
    """A legend entry for the grey of exact zeros, in `ax`."""
    return ax.legend(handles=[Patch(facecolor=ZERO_COLOUR, edgecolor="0.5", label=text)],
                     fontsize=8, framealpha=0.9, **options)


def colorbar(fig, image, axes, label, arrays):
    """The colour bar of `axes` (one or several), with a pointed lower end when some
    positive value of `arrays` lies below the scale (drawn in its darkest colour)."""
    below = any(bool(((a > 0) & (a < image.norm.vmin)).any()) for a in arrays)
    return fig.colorbar(image, ax=axes, label=label, extend="min" if below else "neither",
                        fraction=0.046, pad=0.03)
