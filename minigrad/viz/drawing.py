"""The `graphviz.Digraph` that `mg.render` returns, and what it says when `dot` fails.

`render(path, format=...)` writes the picture only: graphviz's `render` also leaves
the DOT source next to it, which `Drawing` deletes (`cleanup=True`). A failure of
`dot` surfaces as a RenderError naming the picture and what to change, not as
graphviz's CalledProcessError with dot's internal node names.
"""
import graphviz

from ..errors import MinigradError


class RenderError(MinigradError, RuntimeError):
    """Graphviz's `dot` could not lay out a graph drawn by `mg.render`, or the graph is
    too large for it to lay out quickly."""


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose `pipe` and `render` (and so Jupyter's display)
    raise RenderError when `dot` fails; `render` writes only the picture."""

    what = "the graph"                 # set by the emitter, see `failure`
    instead = "another detail level"

    def pipe(self, *args, **kwargs):
        kwargs.setdefault("quiet", True)  # dot's stderr: what matters is in a RenderError
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.CalledProcessError as exc:
            raise self.failure(exc) from exc

    def render(self, *args, **kwargs):
        """graphviz's `render`, without leaving the DOT source file behind (pass
        cleanup=False to keep it). Returns the picture's path."""
        kwargs.setdefault("quiet", True)
        kwargs.setdefault("cleanup", True)
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
