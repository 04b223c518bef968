"""Charts return matplotlib Figures whose artists hold the data, write .svg/.png/.pdf by
extension, byte for byte the same each time, on log axes where small terms stay visible;
and the RNN/LSTM/GRU comparison agrees with the plain-numpy reference BPTT."""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.figure import Figure

from minigrad.viz.charts import gradient_norm_chart, per_step_contribution_chart
from minigrad.viz.attention_heatmap import attention_heatmap
from minigrad.viz.connectivity_heatmap import connectivity_heatmap
from minigrad.viz.gradient_flow_chart import gradient_flow_chart
from minigrad.viz.state_heatmap import gate_saturation_chart, hidden_state_heatmap
from minigrad_apps.vanishing import vanishing_gradient_comparison
from tests.reference.numpy_recurrent import recurrent_backward, recurrent_forward

SVG = "{http://www.w3.org/2000/svg}"


def groups(path, prefix):
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    found = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith(prefix)}
    return root, found


def points(group):
    """(x, y) vertices of the first <path> in an SVG group."""
    d = group.find(f"{SVG}path").get("d")
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
    return np.array(numbers).reshape(-1, 2)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


def test_gradient_norm_chart_one_line_per_series_on_a_log_scale(tmp_path):
    series = {"rnn": 10.0 ** -np.arange(6), "lstm": np.linspace(1, 2, 6),
              "gru": np.array([1.0, 0.5, 0.0, 0.25, 0.1, 0.05])}
    path = tmp_path / "norms.svg"
    fig = gradient_norm_chart(series, path, title="norms")     # the old call form
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    for line, (name, norms) in zip(ax.lines, series.items()):
        assert line.get_label() == name
        np.testing.assert_array_equal(line.get_xdata(), np.arange(6))
        np.testing.assert_array_equal(line.get_ydata(), np.where(norms > 0, norms, np.nan))
    root, lines = groups(path, "series-")
    assert sorted(lines) == ["series-0", "series-1", "series-2"]
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "norms" in texts and "rnn" in texts and "gru" in texts
    # a geometric series is a straight line with equal steps on a log axis
    xy = points(lines["series-0"])
    assert len(xy) == 6
    steps = np.diff(xy[:, 1])
    np.testing.assert_allclose(steps, steps[0], rtol=1e-4)
    assert steps[0] > 0                  # decreasing norms go down the page (SVG y grows)


def test_gradient_norm_chart_says_which_values_a_log_axis_cannot_draw():
    fig = gradient_norm_chart({"rnn": [1.0, 0.0, 0.0, 0.5, 0.0], "relu": [np.inf, 2.0, np.nan]})
    notes = [t.get_text() for t in fig.texts if t.get_gid() == "undrawn-note"]
    assert notes == ["not drawn on the log axis: rnn: 0 at t = 1-2, 4; relu: inf at t = 0; "
                     "relu: nan at t = 2"]
    assert not gradient_norm_chart({"rnn": [1.0, 0.5]}).texts


def bar_tops(fig):
    return np.array([bar.get_y() + bar.get_height() for bar in fig.axes[0].patches])


def test_per_step_contribution_chart_bars_are_the_term_norms_on_a_log_axis(tmp_path):
    rng = np.random.default_rng(0)
    contributions = rng.normal(size=(7, 2, 3)) * (10.0 ** -np.arange(7, 0, -1))[:, None, None]
    contributions[0] = 0.0                        # W_hh at the first step: h_0 = 0
    norms = np.sqrt((contributions ** 2).sum(axis=(1, 2)))
    path = tmp_path / "terms.svg"
    fig = per_step_contribution_chart(contributions, path)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    floor = 10.0 ** np.floor(np.log10(norms[1:].min()) - 1)     # a decade below the least
    assert ax.get_ylim()[0] == pytest.approx(floor)
    np.testing.assert_allclose([bar.get_y() for bar in ax.patches], floor)
    np.testing.assert_allclose(bar_tops(fig)[1:], norms[1:], rtol=1e-12)
    assert ax.patches[0].get_height() == 0.0
    labels = {t.get_gid(): t.get_text() for t in ax.texts}
    assert labels == {"label-0": "0"}             # the zero term is said, not left out
    # in the SVG every non-zero bar is seen, its height log10(norm / floor) to scale,
    # though the smallest term is 1e-6 of the largest
    _, bars = groups(path, "bar-")
    assert sorted(bars, key=lambda k: int(k[4:])) == [f"bar-{t}" for t in range(7)]
    heights = np.array([np.ptp(points(bars[f"bar-{t}"])[:, 1]) for t in range(1, 7)])
    decades = np.log10(norms[1:] / floor)
    np.testing.assert_allclose(heights / decades, heights[0] / decades[0], rtol=1e-3)
    assert heights.min() > 0.1 * heights.max()


def test_many_zero_terms_are_listed_in_one_note_not_bar_by_bar():
    terms = np.zeros((40, 2))
    terms[20:] = 1.0                              # a weight used from step 20 on
    fig = per_step_contribution_chart(terms)
    assert not fig.axes[0].texts
    notes = [t.get_text() for t in fig.texts if t.get_gid() == "undrawn-note"]
    assert notes == ["no bar: 0 at t = 0-19"]
    np.testing.assert_allclose(bar_tops(fig)[20:], np.sqrt(2.0))


def test_per_step_contribution_chart_linear_axis_on_request(tmp_path):
    rng = np.random.default_rng(0)
    contributions = rng.normal(size=(7, 2, 3))
    fig = per_step_contribution_chart(contributions, tmp_path / "terms.svg", log=False)
    assert fig.axes[0].get_yscale() == "linear"
    norms = np.sqrt((contributions ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose([bar.get_y() for bar in fig.axes[0].patches], 0.0)
    np.testing.assert_allclose(bar_tops(fig), norms, rtol=1e-12)
    _, bars = groups(tmp_path / "terms.svg", "bar-")
    heights = np.array([np.ptp(points(bars[f"bar-{t}"])[:, 1]) for t in range(7)])
    np.testing.assert_allclose(heights / norms, heights[0] / norms[0], rtol=1e-4)


def small_flow():
    import minigrad as mg
    flow = mg.bptt.GradientFlow("rnn.weight_hh_l0")
    for u in (0, 5, 9):
        flow.append(u, [0.0, 0.1 * (u + 1), 1.0], [1e-3, 0.1, 1.0], 1.0 / (u + 1))
    return flow


CHARTS = {
    "norms": lambda path: gradient_norm_chart({"rnn": [1.0, 0.1, 0.01]}, path, title="t"),
    "terms": lambda path: per_step_contribution_chart(np.ones((3, 2)), path, title="t"),
    "attention": lambda path: attention_heatmap(np.eye(3), path=path, title="t"),
    "connectivity": lambda path: connectivity_heatmap(np.tril(np.ones((3, 3))), path),
    "flow": lambda path: gradient_flow_chart(small_flow(), path),
    "states": lambda path: hidden_state_heatmap({"h": np.zeros((3, 2)), "f": np.ones((3, 2))},
                                                "ab\n", path),
    "saturation": lambda path: gate_saturation_chart({"f": ([0.1, 0.0], [0.5, 0.9])}, path),
}
NAMES = {"norms": "gradient_norm_chart", "terms": "per_step_contribution_chart",
         "attention": "attention_heatmap", "connectivity": "connectivity_heatmap",
         "flow": "gradient_flow_chart", "states": "hidden_state_heatmap",
         "saturation": "gate_saturation_chart"}


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("extension", [".svg", ".png", ".pdf", ".PNG"])
def test_charts_write_the_format_of_the_extension_the_same_bytes_each_time(tmp_path, chart,
                                                                           extension):
    a, b = tmp_path / f"a{extension}", tmp_path / f"b{extension}"
    figure = CHARTS[chart](a)
    CHARTS[chart](str(b))                         # a str path works as a Path does
    assert isinstance(figure, Figure)
    data = a.read_bytes()
    assert data == b.read_bytes()
    if extension == ".svg":
        root = ET.fromstring(data)
        assert root.tag == f"{SVG}svg"
        assert b"<dc:date>" not in data
    else:
        assert data.startswith(MAGIC[extension.lower()])
    if extension == ".pdf":
        assert b"CreationDate" not in data


@pytest.mark.parametrize("chart", CHARTS)
def test_charts_refuse_another_extension_and_write_nothing_without_a_path(tmp_path, chart):
    name = NAMES[chart]
    with pytest.raises(ValueError, match=rf"^{name}: cannot write '.*x.jpg': the format comes "
                                         r"from the file's extension, which must be one of "
                                         r"\.svg, \.png, \.pdf \(got '\.jpg'\)"):
        CHARTS[chart](tmp_path / "x.jpg")
    figure = CHARTS[chart](None)
    assert isinstance(figure, Figure) and list(tmp_path.iterdir()) == []
    assert figure._repr_png_().startswith(MAGIC[".png"])    # what a notebook shows


def test_charts_leave_matplotlibs_backend_and_pyplot_alone(tmp_path):
    program = (
        "import matplotlib\n"
        "matplotlib.use('svg')\n"
        "import matplotlib.pyplot as plt\n"
        "import numpy as np\n"
        "from minigrad.viz.charts import gradient_norm_chart, per_step_contribution_chart\n"
        f"gradient_norm_chart({{'a': [1.0, 0.5]}}, {str(tmp_path / 'a.png')!r})\n"
        "per_step_contribution_chart(np.ones((2, 2)))\n"
        "print(matplotlib.get_backend(), len(plt.get_fignums()))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["svg", "0"]


def reference_hidden_grad_norms(mode, params, xs, v):
    """||dL/dh_t|| with L = v . h_{T-1}: for each t, run the reference BPTT on the
    steps after t starting from the state after t, and read the gradient of h_t."""
    T = len(xs)
    norms = [np.linalg.norm(v)]           # t = T-1: dL/dh = v
    for t in range(T - 2, -1, -1):
        _, state = recurrent_forward(mode, xs[:t + 1], params)
        _, _, grad_hx = recurrent_backward(mode, xs[t + 1:], params, state,
                                           grad_out=None, grad_h_n=v)
        norms.append(np.linalg.norm(grad_hx[0] if mode == "lstm" else grad_hx))
    return np.array(norms[::-1])


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_vanishing_gradient_comparison_matches_reference(name):
    import models
    import minigrad as mg

    T, hidden, seed, input_size = 6, 3, 2, 4
    result = vanishing_gradient_comparison(T=T, hidden=hidden, seed=seed, input_size=input_size)
    assert set(result) == {"RNN", "LSTM", "GRU"}
    # rebuild what the function promises: same seed, same input, same projection v
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, 1, input_size))
    v = rng.normal(size=(1, 1, hidden))
    mg.manual_seed(seed)
    params = getattr(models, name)(input_size, hidden).double().state_dict()
    expected = reference_hidden_grad_norms(name.lower(), params, xs, v)
    assert result[name].shape == (T,)
    np.testing.assert_allclose(result[name], expected, rtol=1e-10)


def test_forget_bias_one_keeps_the_lstm_gradient_alive_longer():
    T, hidden = 30, 8
    default = vanishing_gradient_comparison(T=T, hidden=hidden, models_to_run=("LSTM",))
    biased = vanishing_gradient_comparison(T=T, hidden=hidden, forget_bias=1.0,
                                           models_to_run=("LSTM",))
    assert set(biased) == {"LSTM (forget bias 1)"}
    assert biased["LSTM (forget bias 1)"][0] > 10 * default["LSTM"][0]
    # the last step's gradient is v in both: only the path back through time changed
    assert biased["LSTM (forget bias 1)"][-1] == pytest.approx(default["LSTM"][-1])


def test_forget_bias_sets_only_the_f_slice_of_the_biases():
    import models
    import minigrad as mg
    T, hidden, seed, input_size = 5, 3, 1, 4
    result = vanishing_gradient_comparison(T=T, hidden=hidden, seed=seed, input_size=input_size,
                                           forget_bias=1.0, models_to_run=("LSTM",))
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, 1, input_size))
    v = rng.normal(size=(1, 1, hidden))
    mg.manual_seed(seed)
    params = models.LSTM(input_size, hidden).double().state_dict()
    params = {k: np.array(getattr(p, "data", p), dtype=np.float64) for k, p in params.items()}
    params["bias_ih_l0"][hidden:2 * hidden] = 1.0
    params["bias_hh_l0"][hidden:2 * hidden] = 0.0
    expected = reference_hidden_grad_norms("lstm", params, xs, v)
    np.testing.assert_allclose(result["LSTM (forget bias 1)"], expected, rtol=1e-10)


def test_the_readme_example_of_a_layers_gradients_runs(tmp_path):
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("## Gradients through time of a layer", 1)[1]
    (example,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)[:1]
    done = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "lstm_norms.png").read_bytes().startswith(MAGIC[".png"])
    assert ET.parse(tmp_path / "terms.svg").getroot().tag == f"{SVG}svg"


@pytest.mark.parametrize("chart", [gradient_norm_chart, per_step_contribution_chart])
def test_a_long_title_folds_within_the_figure(chart):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    title = "||dL/dh_t||, adding problem T=200, loss on the last step, after training (clip=1)"
    fig = chart({"rnn": [1.0, 0.5]} if chart is gradient_norm_chart else np.ones((2, 2)),
                title=title)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = fig.axes[0].title.get_window_extent(canvas.get_renderer())
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width
    assert box.height > 1.5 * fig.axes[0].xaxis.label.get_window_extent().height  # two lines


def tick_texts(axis):
    return [t.get_text() for t in axis.get_ticklabels()]


def test_connectivity_heatmap_draws_the_matrices_on_one_log_scale_with_zeros_apart(tmp_path):
    from matplotlib.colors import LogNorm
    rnn = np.tril(10.0 ** -np.subtract.outer(np.arange(5), np.arange(5)).astype(float))
    gru = np.tril(np.full((5, 5), 0.5)) + np.triu(np.full((5, 5), 1e-9), 1)
    path = tmp_path / "c.svg"
    fig = connectivity_heatmap({"RNN": rnn, "bidirectional GRU": gru}, path, title="memory")
    panels = fig.axes[:2]
    assert [ax.get_title() for ax in panels] == ["RNN", "bidirectional GRU"]
    for ax, matrix in zip(panels, (rnn, gru)):
        drawn = ax.images[0].get_array()
        np.testing.assert_array_equal(drawn.filled(0.0), matrix)
        np.testing.assert_array_equal(drawn.mask, matrix == 0)   # exact zeros: the grey
    norms = {id(ax.images[0].norm) for ax in panels}
    norm = panels[0].images[0].norm
    assert len(norms) == 1 and isinstance(norm, LogNorm)          # one shared log scale
    assert norm.vmax == 1.0 and norm.vmin == pytest.approx(1e-6)  # six decades, no more
    assert fig.axes[2].get_ylabel() == "||d y_t / d x_s||"         # the colour bar
    assert fig.legends and fig.legends[0].get_texts()[0].get_text().startswith("exactly 0")
    texts = "".join(t.text or "" for t in ET.parse(path).getroot().iter(f"{SVG}text"))
    assert "memory" in texts and "bidirectional GRU" in texts
    ids = sorted(e.get("id") for e in ET.parse(path).getroot().iter()
                 if (e.get("id") or "").startswith("connectivity-"))
    assert ids == ["connectivity-0", "connectivity-1"]        # one image per panel


def test_connectivity_heatmap_rows_relative_and_characters_as_labels():
    matrix = np.tril(np.arange(1.0, 17.0).reshape(4, 4))
    fig = connectivity_heatmap(matrix, relative=True, input_labels="a b\n"[:4],
                               output_labels=" b\nc")
    (ax, bar) = fig.axes
    np.testing.assert_allclose(ax.images[0].get_array().filled(0.0),
                               matrix / matrix.max(axis=1, keepdims=True))
    assert tick_texts(ax.xaxis) == ["a", "\u2423", "b", "\u21b5"]
    assert tick_texts(ax.yaxis) == ["\u2423", "b", "\u21b5", "c"]
    assert bar.get_ylabel() == "relative to the row's largest"
    assert fig.legends                         # the zero triangle is named
    assert not connectivity_heatmap(np.ones((2, 2))).legends   # no zeros, no legend


@pytest.mark.parametrize("matrices, message", [
    (np.array([[1.0, np.nan]]), r"connectivity_heatmap: the matrix holds 1 value\(s\) that "
                                r"are not finite norms >= 0 \(first at index \(0, 1\): nan\)"),
    (np.array([[1.0, -2.0]]), r"not finite norms >= 0 \(first at index \(0, 1\): -2.0\)"),
    ({"a": np.ones((2, 2)), "b": np.ones((3, 3))}, r"the matrices have different shapes"),
    (np.ones((2, 2, 3)), r"has shape \(2, 2, 3\), expected \(T_out, T_in\)")])
def test_connectivity_heatmap_refuses_what_it_cannot_draw(matrices, message):
    with pytest.raises(ValueError, match=message):
        connectivity_heatmap(matrices)


def test_a_panel_entirely_below_the_shared_scale_says_how_large_its_values_are():
    rnn = np.tril(np.full((3, 3), 1e-12))       # far below the GRU's six decades
    gru = np.tril(np.ones((3, 3)))
    fig = connectivity_heatmap({"RNN": rnn, "GRU": gru})
    notes = [[t.get_text() for t in ax.texts] for ax in fig.axes[:2]]
    assert notes[0] == ["every value below the colour scale\n(largest 1.0e-12)"]
    assert notes[1] == []                        # the GRU panel's colours say it


def test_a_legend_names_the_zeros_of_a_causal_matrix():
    fig = connectivity_heatmap(np.tril(np.ones((3, 3))))
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "exactly 0: y_t does not depend on x_s"]
    with pytest.raises(ValueError, match="3 input_labels for 2 columns"):
        connectivity_heatmap(np.ones((2, 2)), input_labels="abc")


def test_gradient_flow_chart_rows_are_the_records_relative_to_their_largest():
    flow = small_flow()
    fig = gradient_flow_chart(flow)
    terms, hidden, loss = fig.axes[:3]
    np.testing.assert_allclose(terms.images[0].get_array().filled(0.0),
                               flow.contributions / flow.contributions.max(axis=1)[:, None])
    assert terms.images[0].get_array().mask[:, 0].all()       # W_hh's term at t = 0 is 0
    np.testing.assert_allclose(hidden.images[0].get_array(), flow.hidden)   # max already 1
    np.testing.assert_allclose(loss.lines[0].get_xdata(), flow.loss)
    np.testing.assert_array_equal(loss.lines[0].get_ydata(), [0, 1, 2])
    assert tick_texts(terms.yaxis) == ["0", "5", "9"]
    assert terms.get_title() == "||term_t of dL/d rnn.weight_hh_l0||"
    assert hidden.get_title() == "||dL/dh_t||"
    absolute = gradient_flow_chart(flow, relative=False)
    np.testing.assert_allclose(absolute.axes[0].images[0].get_array().filled(0.0),
                               flow.contributions)
    with pytest.raises(ValueError, match="the record is empty"):
        import minigrad as mg
        gradient_flow_chart(mg.bptt.GradientFlow("w"))


def test_hidden_state_heatmap_rows_are_the_chosen_units_columns_the_characters():
    rng = np.random.default_rng(0)
    values = {"h": np.tanh(rng.normal(size=(5, 2, 6))), "c": rng.normal(size=(5, 2, 6)) * 3,
              "f": rng.random((5, 2, 6))}
    fig = hidden_state_heatmap(values, "to be", units=[4, 1], sequence=1)
    panels = fig.axes[:3]
    assert [ax.get_title(loc="left") for ax in panels] == ["hidden state h", "cell state c",
                                                          "forget gate f"]
    for ax, name in zip(panels, values):
        np.testing.assert_array_equal(ax.images[0].get_array(), values[name][:, 1, [4, 1]].T)
        assert tick_texts(ax.xaxis) == ["t", "o", "\u2423", "b", "e"]
        assert tick_texts(ax.yaxis) == ["4", "1"]
    assert panels[0].images[0].get_clim() == (-1.0, 1.0)
    assert panels[2].images[0].get_clim() == (0.0, 1.0)
    limit = np.abs(values["c"][:, 1, [4, 1]]).max()
    assert panels[1].images[0].get_clim() == (-limit, limit)
    # by default: the most variable units of h
    default = hidden_state_heatmap(values, "to be", names=["h"])
    spread = values["h"][:, 0].var(axis=0)
    assert [int(t) for t in tick_texts(default.axes[0].yaxis)] == \
        list(np.argsort(-spread, kind="stable"))
    with pytest.raises(ValueError, match="4 characters for 5 steps"):
        hidden_state_heatmap(values, "to b")
    with pytest.raises(ValueError, match=r"units must be unit indices in \[0, 6\)"):
        hidden_state_heatmap(values, "to be", units=[6])
    with pytest.raises(ValueError, match="no values named 'o'"):
        hidden_state_heatmap(values, "to be", names=["o"])


def test_gate_saturation_chart_has_one_dot_per_unit():
    saturation = {"i": (np.array([0.1, 0.0]), np.array([0.5, 0.9])),
                  "f": (np.array([0.7, 0.2]), np.array([0.0, 0.3]))}
    fig = gate_saturation_chart(saturation)
    for ax, (closed, opened) in zip(fig.axes, saturation.values()):
        np.testing.assert_array_equal(ax.collections[0].get_offsets(),
                                      np.stack([closed, opened], axis=1))
    assert [ax.get_title() for ax in fig.axes] == ["input gate i", "forget gate f"]
    assert fig.axes[0].get_xlabel() == "fraction of steps < 0.1 (closed)"
