"""The `graphviz.Digraph` that `mg.render` returns, and what it says when `dot` fails.

Graphviz's `dot` has layout bugs that a few graphs trigger ("trouble in init_rank",
"triangulation failed"; e.g. in 2.43 a labelled `constraint=false` edge that lands
on one rank between two clusters). The layout avoids the ones it knows of; for the
rest, a failure of `dot` surfaces as a RenderError naming the picture and what to
change, not as graphviz's CalledProcessError with dot's internal node names.
"""
import graphviz

from ..errors import MinigradError
from .render_collapse import DETAILS


class RenderError(MinigradError, RuntimeError):
    """Graphviz's `dot` could not lay out a graph drawn by `mg.render`."""


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose `pipe` and `render` (and so Jupyter's display)
    raise RenderError when `dot` fails."""

    what = "the graph"                 # set by `draw`, see `describe`
    instead = "another detail level"

    def pipe(self, *args, **kwargs):
        kwargs.setdefault("quiet", True)  # dot's stderr: what matters is in a RenderError
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.CalledProcessError as exc:
            raise self.failure(exc) from exc

    def render(self, *args, **kwargs):
        kwargs.setdefault("quiet", True)
        try:
            return super().render(*args, **kwargs)
        except graphviz.CalledProcessError as exc:
            raise self.failure(exc) from exc

    def copy(self):
        duplicate = super().copy()
        duplicate.what, duplicate.instead = self.what, self.instead
        return duplicate

    def failure(self, exc):
        """The RenderError for graphviz's CalledProcessError `exc`."""
        stderr = exc.stderr or b""
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        said = next((line for line in lines if line.startswith("Error")),
                    lines[0] if lines else f"exit status {exc.returncode}")
        return RenderError(
            f"render: Graphviz's dot failed to lay out {self.what}: {said}\n"
            f"  This is a dot layout bug that some graphs trigger; the same graph usually "
            f"renders at another detail level or number of steps: try {self.instead}, or "
            f"another steps= window (command line: --detail, --steps).")


def describe(title, view):
    """(what, instead) for the error message: the picture (title, detail level, size)
    and the other detail levels to try."""
    steps = len({n.time for n in view.nodes.values() if n.time is not None and n.kind != "gap"})
    size = f"{len(view.nodes)} nodes"
    if steps:
        size = f"{steps} time step{'s' if steps > 1 else ''}, {size}"
    what = f"{title!r} (detail={view.detail}, {size})"
    return what, " or ".join(f"detail={d!r}" for d in DETAILS if d != view.detail)
