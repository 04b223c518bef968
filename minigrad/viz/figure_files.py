"""The figures the charts return, and the files they write.

Every chart is a `Chart`: a matplotlib Figure made with the object API (no pyplot,
so the user's backend and pyplot's list of figures are left alone) that a notebook
shows inline even when pyplot was never imported (`_repr_png_`). `save` writes it
in the format named by the path's extension, and writes the same bytes for the same
figure: the SVG hash salt is fixed and no file carries a date.
"""
import io
import os

from matplotlib import rc_context
from matplotlib.figure import Figure

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
# what makes each format's bytes depend on the figure alone
_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": None}
_RC = {"svg.hashsalt": "minigrad", "svg.fonttype": "none"}
PNG_DPI = 200   # a 7-inch chart is 1,400 px wide: sharp on a slide (SVG and PDF are vectors)


class Chart(Figure):
    """A matplotlib Figure that a notebook displays as PNG without pyplot."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def chart_format(path, owner):
    """The format ("svg", "png" or "pdf") that `path`'s extension names.

    Raises:
        ValueError naming `owner` (the chart function) when the extension is another.
    """
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in FORMATS:
        raise ValueError(f"{owner}: cannot write {os.fspath(path)!r}: the format comes from "
                         f"the file's extension, which must be one of "
                         f"{', '.join(FORMATS)} (got {extension or 'none'!r})")
    return FORMATS[extension]


def save(figure, path, owner):
    """Write `figure` to `path` (format from the extension, see `chart_format`) unless
    path is None; returns the figure."""
    if path is None:
        return figure
    fmt = chart_format(path, owner)
    with rc_context(_RC):
        figure.savefig(path, format=fmt, metadata=_METADATA[fmt], dpi=PNG_DPI)
    return figure
