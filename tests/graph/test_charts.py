"""Charts write parseable SVG with one line per series / one bar per step, and the
RNN/LSTM/GRU comparison agrees with the plain-numpy reference BPTT."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from minigrad.graph.charts import gradient_norm_chart, per_step_contribution_chart
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


def test_gradient_norm_chart_one_line_per_series_on_a_log_scale(tmp_path):
    series = {"rnn": 10.0 ** -np.arange(6), "lstm": np.linspace(1, 2, 6),
              "gru": np.array([1.0, 0.5, 0.0, 0.25, 0.1, 0.05])}
    path = gradient_norm_chart(series, tmp_path / "norms.svg", title="norms")
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


def test_per_step_contribution_chart_bar_heights_are_term_norms(tmp_path):
    rng = np.random.default_rng(0)
    contributions = rng.normal(size=(7, 2, 3))
    path = per_step_contribution_chart(contributions, tmp_path / "terms.svg")
    _, bars = groups(path, "bar-")
    assert sorted(bars, key=lambda k: int(k[4:])) == [f"bar-{t}" for t in range(7)]
    heights = np.array([np.ptp(points(bars[f"bar-{t}"])[:, 1]) for t in range(7)])
    norms = np.sqrt((contributions ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose(heights / norms, heights[0] / norms[0], rtol=1e-4)


def test_charts_are_deterministic(tmp_path):
    a = per_step_contribution_chart(np.ones((3, 2)), tmp_path / "a.svg")
    b = per_step_contribution_chart(np.ones((3, 2)), tmp_path / "b.svg")
    assert open(a).read() == open(b).read()


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
