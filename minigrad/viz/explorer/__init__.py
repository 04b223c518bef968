"""The explorer page: one self-contained HTML file to explore an unrolled graph
(`mg.explore`, `minigrad explore MODEL`): it works offline, without a server, and needs
nothing but a browser.

What it shows, all on the Graphviz SVG of the unrolled graph that `mg.render` draws:
- the scopes (layer, direction, time step) at three levels: one node per layer and
  direction; one cell per layer, direction and step; one step op by op, the steps
  before and after it folded. Clicking a layer opens the cells, a cell opens its step,
  a folded run of steps closes it again;
- a node's details on hover: kind, name, shape, value summary, gradient norm, step;
- a parameter's gradient paths on click: exactly the edges on its paths to the loss,
  in the colours, pen widths and legend of `mg.render(highlight=...)`;
- a window of steps a..b: the picture cropped to their boxes, and the charts to them;
- the connectivity heatmap (mg.bptt.connectivity) and the chart of the chosen weight's
  per-step terms (mg.bptt.per_step_grads), linked to the graph: a step chosen in one
  (a column, a bar, a step box) is chosen in all three.

How scopes open and close on a static SVG: the page holds one picture per level of
detail and per opened step, each laid out by dot on its own, and swaps them. Other ways
were weighed: collapsing clusters in place (hiding a step's ops) leaves the hole where
they were, since a static layout cannot close up; laying out in the browser would take
a vendored Graphviz of megabytes. Swapping whole pictures keeps each one as `mg.render`
draws it (what a user sees on the page is what they get from Python) and every picture
small; the price is the page's size, one picture per step (about 40 KB for an LSTM
step, so a page holds at most MAX_STEPS steps). Every view is one strip, so a
window of steps is a crop, not another layout.

The pieces: page.py (`explore`, the page, its JSON blob), views.py (the SVG of each
view and what its elements stand for), data.py (node details, lit paths, per-step
terms, connectivity, as plain data), assets/ (the template, the style sheet and the
script, plain JavaScript without a library).
"""

MAX_STEPS = 100   # steps a page holds: each is one more picture (an LSTM's: about 40 KB)
