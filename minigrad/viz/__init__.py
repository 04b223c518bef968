"""Drawing: the pictures minigrad makes of a network and of its gradients.

The graph-rendering pipeline and the charts (gradients through time in
`minigrad.viz.charts`, `minigrad.viz.attention_heatmap`, and the files they write in
`minigrad.viz.figure_files`) live here. They read plain data (numpy arrays, captured
graphs) and never reach back into ops, models or live tensors. Nothing is imported
here, so that importing one module of the package loads only what it needs.
"""
