"""`minigrad.graph.charts`, kept for existing code (visuals/build_gallery.py imports it):
the charts live in `minigrad.viz.charts`."""
from ..viz.charts import gradient_norm_chart, per_step_contribution_chart  # noqa: F401
