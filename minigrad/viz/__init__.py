"""Drawing: the pictures minigrad makes of a network and of its gradients.

They read plain data (captured graphs, numpy arrays) and never reach back into ops,
models or live tensors. Nothing is imported here, so that importing one module of the
package loads only what it needs.

The graph pictures, a pipeline in which each stage reads only the one before it:
    render.py             `mg.render`, the entry point: capture, gradients, then
    view.py, fit.py       what is drawn: detail level, collapsed steps, windows
    plan.py               where it goes, as plain data (plan_data.py): rows, columns,
                          references, connectors; with placement.py (homes of the nodes
                          outside the steps), wrap.py (widths, bands), stacking.py,
                          connectors.py and ranks.py (what dot must keep)
    dot_bugs.py           dot's layout bugs, worked around in the plan, one function each
    emitter.py            the one writer of dot; style.py, labels.py, legend.py its looks
                          and words; drawing.py the Digraph it returns, RenderError
The charts: gradients through time in `charts`, `attention_heatmap`, and the files
they write in `figure_files`.
"""
