"""Build the gallery: render every picture into visuals/ and write visuals/README.md.

    python -m visuals.build_gallery          (or: python visuals/build_gallery.py)

Each entry below is (file name, one line on what it shows, a function making it).
Runs in a few seconds; needs the Graphviz `dot` program.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import minigrad as mg  # noqa: E402
from minigrad_apps.demos import build  # noqa: E402
from minigrad.graph.charts import gradient_norm_chart, per_step_contribution_chart  # noqa: E402
from minigrad_apps.vanishing import vanishing_gradient_comparison  # noqa: E402


def svg(dot, name):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(dot.pipe(format="svg"))


def model_graph(model, steps, title, **options):
    def make(name):
        holder, loss = build(model, steps, hidden=4)
        svg(mg.render(loss, modules=holder, title=title, **options), name)
    return make


def scalar_rnn():
    """The seeds' 3-step scalar RNN: o_t = tanh(x_t w_i + o_{t-1} w_h + b),
    y = sigmoid(o_3 w_o), L = -log y (target 1)."""
    mg.manual_seed(0)
    w_i, w_h, w_o, b = (mg.tensor(v, requires_grad=True, dtype=mg.float64)
                        for v in (0.5, 0.8, 1.2, 0.1))
    for tensor, name in ((w_i, "w_i"), (w_h, "w_h"), (w_o, "w_o"), (b, "b")):
        tensor.name = name
    o = mg.tensor(0.0, dtype=mg.float64)
    for t, x in enumerate((1.0, -0.5, 0.25)):
        with mg.name_scope(f"t{t}"):
            o = (mg.tensor(x, dtype=mg.float64) * w_i + o * w_h + b).tanh()
    loss = -((o * w_o).sigmoid().log())
    return loss, w_i


def scalar_forward(name):
    loss, _ = scalar_rnn()
    svg(mg.render(loss, show_values=True, title="seeds' 3-step scalar RNN, forward, with values"),
        name)


def scalar_paths(name):
    loss, w_i = scalar_rnn()
    svg(mg.render(loss, highlight=w_i, title="dL/dw_i is a sum over 3 paths, one per time step "
                  "(edge labels: |gradient| on the edge)"), name)


def scalar_grad_graph(name):
    loss, w_i = scalar_rnn()
    (g,) = mg.grad(loss, w_i, create_graph=True)
    svg(mg.render(g, backward=True, title="backward graph built by create_graph=True "
                  "(the ops that compute dL/dw_i), right to left"), name)


def vanishing(name):
    series = {("LSTM (default init)" if k == "LSTM" else k): v
              for k, v in vanishing_gradient_comparison(T=40, hidden=16).items()}
    series.update(vanishing_gradient_comparison(T=40, hidden=16, forget_bias=1.0,
                                                models_to_run=("LSTM",)))
    gradient_norm_chart(series, os.path.join(HERE, name),
                        title="||dL/dh_t||, loss on the last of 40 steps\n"
                              "LSTM with default init and with forget-gate bias 1 "
                              "(Jozefowicz et al. 2015)")


def adding_problem_gradients(name):
    """The adding task's four models, untrained, on T=100 sequences."""
    from minigrad_apps.tasks import adding
    series = {}
    for kind in adding.KINDS:
        mg.manual_seed(0)
        model = adding.make_model(kind, 32)
        series[adding.NAMES[kind]] = adding.hidden_state_grad_norms(model, 100)
    gradient_norm_chart(series, os.path.join(HERE, name),
                        title="||dL/dh_t|| at initialisation, adding problem T=100\n"
                              f"(LSTM forget-gate bias {adding.FORGET_BIAS:g}, IRNN: W_hh = I)")


def contributions(kind):
    def make(name):
        holder, loss = build(kind, 30, hidden=8, loss_on="last")
        weight = getattr(holder, kind).weight_hh_l0
        terms = mg.bptt.per_step_grads(loss, weight)
        per_step_contribution_chart(terms, os.path.join(HERE, name),
                                    title=f"{kind.upper()}, 30 steps, loss on the last step: "
                                          f"each step's term of dL/dW_hh")
    return make


GALLERY = [
    ("scalar_forward.svg", "The seeds' 3-step scalar RNN, forward graph, one cluster per time "
     "step, shared weights drawn once with dashed edges to every step, values in labels.",
     scalar_forward),
    ("scalar_paths.svg", "The same graph with `highlight=w_i`: the 3 paths from w_i to the loss "
     "(one per step), coloured and widened by log10 |gradient|; other edges greyed.",
     scalar_paths),
    ("scalar_grad_graph.svg", "The backward graph built by `mg.grad(..., create_graph=True)`: "
     "gradient ops placed at the step of the forward op they differentiate, running right to left.",
     scalar_grad_graph),
    ("rnn_ops.svg", "Elman RNN, 4 steps, every op (`detail=\"ops\"`); the input projection "
     "x W_ih^T + b of all steps is drawn once in the green \"whole sequence\" band, each step "
     "takes its slice (getitem).",
     model_graph("rnn", 4, "RNN, 4 steps, detail=ops", detail="ops")),
    ("lstm_ops.svg", "LSTM, 3 steps, every op: the gates, the cell state c and h per step.",
     model_graph("lstm", 3, "LSTM, 3 steps, detail=ops", detail="ops")),
    ("lstm_cells.svg", "LSTM, 20 steps, one node per cell (`detail=\"cells\"`) on one level "
     "row, the recurrent (h, c) edges running straight left to right; the whole-sequence input "
     "projection and the shared weights reach every step through tapped bus lines.",
     model_graph("lstm", 20, "LSTM, 20 steps, detail=cells", detail="cells")),
    ("gru_cells.svg", "GRU, 10 steps, one node per cell.",
     model_graph("gru", 10, "GRU, 10 steps, detail=cells", detail="cells")),
    ("birnn_cells.svg", "Bidirectional RNN, 6 steps: the forward direction runs along the top "
     "row, left to right; the reverse direction along the row below it, its recurrent arrows "
     "pointing right to left; one box per step and direction.",
     model_graph("birnn", 6, "bidirectional RNN, 6 steps, detail=cells", detail="cells")),
    ("bilstm_ops.svg", "Bidirectional LSTM, 3 steps, every op: forward row on top; in the "
     "reverse row each step's ops are mirrored (right to left), as the reverse LSTM reads "
     "the sequence from its end.",
     model_graph("bilstm", 3, "bidirectional LSTM, 3 steps, detail=ops", detail="ops",
                 max_nodes=400)),
    ("rnn_backward.svg", "RNN backward pass (`backward=True`): the forward graph with gradients "
     "flowing right to left, edges coloured by |gradient|, |grad| in every label.",
     model_graph("rnn", 5, "RNN, 5 steps, backward", detail="ops", backward=True)),
    ("lstm_backward_cells.svg", "LSTM backward pass over 15 steps, per cell: |dL/d(cell output)| "
     "in each cell and on each edge.",
     model_graph("lstm", 15, "LSTM, 15 steps, backward, detail=cells", detail="cells",
                 backward=True)),
    ("rnn_highlight_whh.svg", "RNN, every path from weight_hh_l0 to the loss, coloured by "
     "log10 |gradient| (legend); the paths fade towards early steps: vanishing gradient.",
     model_graph("rnn", 6, "RNN, 6 steps: paths from weight_hh_l0", detail="ops",
                 highlight="rnn.weight_hh_l0")),
    ("lstm_highlight_cells.svg", "LSTM, 12 steps, per cell, paths from weight_hh_l0 to the loss.",
     model_graph("lstm", 12, "LSTM, 12 steps: paths from weight_hh_l0", detail="cells",
                 highlight="lstm.weight_hh_l0")),
    ("lstm_collapsed.svg", "LSTM of 100 steps above max_nodes=30: ops grouped into cells, then "
     "84 middle steps folded into one dashed node, 8 steps kept at each end; the graph label "
     "says so.",
     model_graph("lstm", 100, "LSTM, 100 steps, detail=ops, max_nodes=30: auto-collapsed",
                 detail="ops", max_nodes=30)),
    ("birnn_layers.svg", "2-layer bidirectional RNN, one node per layer and direction "
     "(`detail=\"layers\"`).",
     lambda name: svg(mg.render(build("birnn", 8, hidden=4, layers=2)[1], detail="layers",
                                title="2-layer bidirectional RNN, detail=layers"), name)),
    ("vanishing_gradients.svg", "||dL/dh_t|| through 40 steps (log scale) for an RNN, a GRU "
     "and an LSTM twice: with the default init (forget-gate bias 0) the LSTM's gradient "
     "vanishes as fast as the RNN's (here even faster); with the forget-gate bias set to 1 "
     "(`forget_bias=1.0`: bias_ih[H:2H] = 1, bias_hh[H:2H] = 0, Jozefowicz et al. 2015) "
     "it reaches step 0 about 10^4 times larger.", vanishing),
    ("adding_gradients.svg", "Why the tanh RNN cannot learn the adding problem at T=100: at "
     "initialisation the gradient reaching step 0 is ~1e-25 of the last step's, while the "
     "LSTM (forget-gate bias 3) and the IRNN (identity W_hh) keep it. "
     "Trained results: `minigrad train adding` (minigrad_apps/tasks/RESULTS.md).",
     adding_problem_gradients),
    ("contributions_rnn.svg", "BPTT as a sum over time steps: the norm of each step's term of "
     "dL/dW_hh in an RNN of 30 steps with the loss on the last step (the terms sum to the "
     "gradient; far-back steps contribute little).", contributions("rnn")),
    ("contributions_lstm.svg", "The same sum for an LSTM of 30 steps (default init).",
     contributions("lstm")),
]


def write_readme():
    lines = ["# Gallery", "",
             "Generated by `python -m visuals.build_gallery` (do not edit by hand).", ""]
    for name, text, _ in GALLERY:
        title = os.path.splitext(name)[0].replace("_", " ")
        lines += [f"## {title}", "", text, "", f"![{title}]({name})", ""]
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write("\n".join(lines))


def main():
    start = time.perf_counter()
    for name, _, make in GALLERY:
        began = time.perf_counter()
        make(name)
        print(f"{name:28s} {time.perf_counter() - began:6.2f} s")
    write_readme()
    print(f"gallery written to {HERE} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
