"""Drawing: the pictures of minigrad's graphs and the charts of their gradients.

A pipeline that reads and never reaches back:
    view.py, fit.py       what is drawn: detail level, collapsed steps, windows
    placement.py, plan.py, wrap.py
                          where it goes: rows, columns, references, connectors (plain data)
    dot_bugs.py           dot's layout bugs, worked around in the plan, one function each
    emitter.py            the one writer of dot; style.py, labels.py, legend.py its words
    drawing.py            the Digraph returned, RenderError
    render.py             `mg.render`, the entry point: capture, gradients, then the above
"""
