"""`minigrad.train.attention_heatmap`, kept for existing code: the chart lives in
`minigrad.viz.attention_heatmap`, beside the other charts."""
from ..viz.attention_heatmap import attention_heatmap  # noqa: F401
