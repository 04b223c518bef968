"""`minigrad bptt`: the LSTM's forget-gate bias and the chart's line on it, the settings
that make gradients explode (ReLU, W_hh's init and scale), and the output formats."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from minigrad_apps import cli
from minigrad_apps import vanishing
from minigrad.viz import charts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SVG = "{http://www.w3.org/2000/svg}"


def run(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "minigrad", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def svg_text(path):
    """Every <text> of the SVG, one string per element (matplotlib: one per line)."""
    root = ET.parse(path).getroot()
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def recorded_calls(monkeypatch, module, chart, data):
    """Replace `module.chart` by a recorder of its calls: dicts of `data` (the first
    argument), "title" and the options."""
    calls = []

    def record(first, path, title="", **options):
        calls.append({data: first, "title": title, **options})
    monkeypatch.setattr(module, chart, record)
    return calls


@pytest.fixture
def chart_calls(monkeypatch):
    """Run `minigrad bptt` in-process and record what it hands to the chart."""
    return recorded_calls(monkeypatch, charts, "gradient_norm_chart", "series")


def bptt(calls, *args):
    assert cli.main(["bptt", *args, "--out", "unused.svg"]) == 0
    return calls[-1]


def test_forget_bias_1_makes_the_lstm_step_0_gradient_larger(chart_calls):
    common = ("--steps", "40", "--hidden", "16")
    default = bptt(chart_calls, "all", *common)["series"]
    zero = bptt(chart_calls, "all", *common, "--forget-bias", "0")["series"]
    one = bptt(chart_calls, "all", *common, "--forget-bias", "1")["series"]
    assert list(default) == ["RNN", "LSTM", "GRU"]
    assert list(one) == ["RNN", "LSTM (forget bias 1)", "GRU"]
    lstm0, lstm1 = zero["LSTM (forget bias 0)"][0], one["LSTM (forget bias 1)"][0]
    assert lstm1 > 100 * lstm0
    assert lstm1 > 100 * default["LSTM"][0]
    # the lesson of the chart: with bias 1 the LSTM keeps more gradient than the tanh RNN,
    # with PyTorch's init it keeps less
    assert lstm1 > one["RNN"][0] > default["LSTM"][0]
    for name in ("RNN", "GRU"):  # the option touches only the LSTM
        np.testing.assert_array_equal(one[name], default[name])


def test_default_is_pytorchs_init_unchanged(chart_calls):
    got = bptt(chart_calls, "lstm", "--steps", "6", "--hidden", "3", "--seed", "2")
    expected = vanishing.vanishing_gradient_comparison(T=6, hidden=3, seed=2,
                                                    models_to_run=("LSTM",))
    assert list(got["series"]) == ["LSTM"]
    np.testing.assert_array_equal(got["series"]["LSTM"], expected["LSTM"])


def test_the_forget_bias_sets_the_total_forget_gate_bias(chart_calls):
    got = bptt(chart_calls, "lstm", "--steps", "5", "--hidden", "3", "--forget-bias", "-2.5")
    expected = vanishing.vanishing_gradient_comparison(T=5, hidden=3, forget_bias=-2.5,
                                                    models_to_run=("LSTM",))
    np.testing.assert_array_equal(got["series"]["LSTM (forget bias -2.5)"],
                                  expected["LSTM (forget bias -2.5)"])


@pytest.mark.parametrize("args, used", [
    ((), "LSTM forget-gate bias: PyTorch's random init (mean 0)"),
    (("--forget-bias", "1"), "LSTM forget-gate bias 1 (bias_ih[H:2H] = 1)"),
    (("--forget-bias", "0.5"), "LSTM forget-gate bias 0.5 (bias_ih[H:2H] = 0.5)")])
def test_the_chart_says_which_forget_bias_it_shows_and_claims_nothing_else(tmp_path, args, used):
    out = tmp_path / "v.svg"
    result = run("bptt", "all", "--steps", "6", "--hidden", "3", *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    texts = svg_text(out)
    assert used in texts
    assert "||dL/dh_t|| at initialisation, loss on the last of 6 steps" in texts
    # "a forget-gate bias of about 1 keeps the LSTM's gradient alive" is advice that one
    # line of one bias does not show: it is in --help, not on the chart
    assert not any("keeps" in t or "alive" in t for t in texts), texts


def test_a_chart_without_an_lstm_has_no_forget_gate_note(tmp_path):
    out = tmp_path / "rnn.svg"
    result = run("bptt", "rnn", "--steps", "4", "--hidden", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not any("forget" in t for t in svg_text(out))


def test_help_explains_the_forget_gate_bias():
    result = run("bptt", "--help")
    assert result.returncode == 0
    def squash(text):  # argparse wraps lines, also after the hyphen of "forget-gate"
        return "".join(text.split())
    assert "[--forget-bias B]" in result.stdout
    assert squash("a forget-gate bias of about 1 keeps the LSTM's gradient alive") \
        in squash(result.stdout)
    assert squash("(default: PyTorch's init, random around 0)") in squash(result.stdout)


@pytest.mark.parametrize("model", ["rnn", "gru"])
def test_forget_bias_on_a_model_without_a_forget_gate_is_an_error(tmp_path, model):
    out = tmp_path / "x.svg"
    result = run("bptt", model, "--steps", "3", "--forget-bias", "1", "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("minigrad bptt: error: --forget-bias")
    assert f"{model} has no forget gate (use lstm or all)" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("value, message", [
    ("one", "argument --forget-bias: 'one' is not a number"),
    ("nan", "argument --forget-bias: must be a finite number, got 'nan'"),
    ("inf", "argument --forget-bias: must be a finite number, got 'inf'")])
def test_a_bad_forget_bias_is_an_error(tmp_path, value, message):
    result = run("bptt", "lstm", "--steps", "3", "--forget-bias", value,
                 "--out", str(tmp_path / "x.svg"))
    assert result.returncode == 2
    assert message in result.stderr, result.stderr


def norms(calls, *args):
    return bptt(calls, *args)["series"]


def test_a_relu_rnn_with_a_scaled_up_w_hh_explodes_next_to_a_vanishing_one(chart_calls):
    series = norms(chart_calls, "rnn", "--steps", "30", "--nonlinearity", "relu",
                   "--scale-whh", "0.5", "1", "2")
    assert list(series) == ["RNN (ReLU, W_hh x 0.5)", "RNN (ReLU)", "RNN (ReLU, W_hh x 2)"]
    shrink, _, grow = series.values()
    # going back from the loss (t = 29) to t = 0, the gradient grows by more than 10^3
    # with W_hh x 2, and shrinks by more than 10^10 with W_hh x 0.5
    assert grow[0] > 1e3 * grow[-1]
    assert shrink[0] < 1e-10 * shrink[-1]
    # steadily: over every 5 steps back the norm grows (resp. shrinks)
    assert np.all(grow[:-5] > grow[5:]) and np.all(shrink[:-5] < shrink[5:])
    # the last step's gradient is v in all three: only the way back differs
    np.testing.assert_allclose(grow[-1], shrink[-1], rtol=1e-12)
    tanh = norms(chart_calls, "rnn", "--steps", "30")["RNN"]
    assert tanh[0] < 1e-3 * tanh[-1]                          # the default vanishes


def test_an_identity_w_hh_times_s_grows_the_gradient_by_at_most_s_per_step(chart_calls):
    # a ReLU RNN with W_hh = S I: dL/dh_{t-1} = S * diag(relu'(a_t)) dL/dh_t, so each step
    # back multiplies the norm by S where every unit is active, by less where some are not
    T, S = 25, 1.3
    grow = norms(chart_calls, "rnn", "--steps", str(T), "--nonlinearity", "relu",
                 "--init-whh", "identity", "--scale-whh", str(S))["RNN (ReLU, W_hh identity x 1.3)"]
    ratios = grow[:-1] / grow[1:]
    assert np.all(ratios <= S * (1 + 1e-12))
    assert np.isclose(ratios, S, rtol=1e-12).sum() >= T // 2   # all units active there
    assert grow[0] > S ** (T // 2) * grow[-1]


def test_init_whh_blocks_are_orthogonal_or_the_identity_times_the_scale():
    import minigrad as mg
    import models
    from minigrad_apps.vanishing import initialise_whh
    for how in ("orthogonal", "identity"):
        lstm = models.LSTM(2, 3).double()
        assert initialise_whh(lstm.weight_hh_l0, 3, how, 1.5) == [f"W_hh {how} x 1.5"]
        blocks = lstm.weight_hh_l0.data.reshape(4, 3, 3)
        for block in blocks:
            np.testing.assert_allclose(block @ block.T, 1.5 ** 2 * np.eye(3), atol=1e-12)
            if how == "identity":
                np.testing.assert_allclose(block, 1.5 * np.eye(3))
        assert not np.allclose(blocks[0], blocks[1]) or how == "identity"
    mg.manual_seed(0)
    rnn = models.RNN(2, 3).double()
    before = rnn.weight_hh_l0.data.copy()
    assert initialise_whh(rnn.weight_hh_l0, 3) == []
    np.testing.assert_array_equal(rnn.weight_hh_l0.data, before)
    initialise_whh(rnn.weight_hh_l0, 3, "default", 0.5)
    np.testing.assert_array_equal(rnn.weight_hh_l0.data, 0.5 * before)


@pytest.mark.parametrize("extension, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                              (".pdf", b"%PDF-")])
def test_out_takes_svg_png_and_pdf(tmp_path, extension, magic):
    out = tmp_path / f"chart{extension}"
    result = run("bptt", "rnn", "--steps", "4", "--hidden", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {out}\n"
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["x.jpg", "x", "x.svg.txt"])
def test_another_extension_is_one_line_and_exit_status_2(tmp_path, name):
    out = tmp_path / name
    result = run("bptt", "rnn", "--steps", "4", "--out", str(out))
    assert result.returncode == 2
    assert result.stderr == (f"minigrad bptt: error: --out must end in .svg, .png or .pdf, "
                             f"got {str(out)!r}\n")
    assert not out.exists()


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_the_nonlinearity_is_for_the_rnn_only(tmp_path, model):
    result = run("bptt", model, "--steps", "3", "--nonlinearity", "relu",
                 "--out", str(tmp_path / "x.svg"))
    assert result.returncode == 2
    assert result.stderr == (f"minigrad bptt: error: --nonlinearity is for the RNN's choice "
                             f"of nonlinearity; {model} has no choice of nonlinearity (use "
                             f"rnn or all)\n")


@pytest.fixture
def heatmap_calls(monkeypatch):
    """Run `minigrad bptt --view connectivity` in-process; record what the heatmap gets."""
    from minigrad.viz import connectivity_heatmap as module
    return recorded_calls(monkeypatch, module, "connectivity_heatmap", "matrices")


def test_the_connectivity_view_draws_one_causal_matrix_per_model(heatmap_calls):
    import minigrad as mg
    from minigrad_apps.memory import connectivity_comparison
    got = bptt(heatmap_calls, "all", "--view", "connectivity", "--steps", "8", "--hidden", "3")
    matrices = got["matrices"]
    assert list(matrices) == ["RNN", "LSTM", "GRU"]
    expected = connectivity_comparison(T=8, hidden=3)
    for name, matrix in matrices.items():
        np.testing.assert_array_equal(matrix, expected[name])
        assert (np.triu(matrix, 1) == 0).all() and (matrix[np.tril_indices(8)] > 0).all()
    assert got["title"].startswith("||d y_t / d x_s|| at initialisation, y_t = v . h_t")
    assert "LSTM forget-gate bias: PyTorch's random init (mean 0)" in got["title"]
    assert got["relative"] is False
    # what connectivity_comparison promises, one mg.grad per output step: y_t = v . h_t
    model, _ = vanishing.initialised_model("GRU", 4, 3)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.normal(size=(8, 1, 4)), dtype=mg.float64, requires_grad=True)
    v = mg.tensor(rng.normal(size=3), dtype=mg.float64)
    out, _ = model(x)
    for t in range(8):
        (g,) = mg.grad((out[t] * v).sum(), [x], retain_graph=True)
        np.testing.assert_allclose(matrices["GRU"][t], np.linalg.norm(g.data[:, 0], axis=-1),
                                   rtol=1e-12)


def test_a_bidirectional_connectivity_reaches_later_inputs_too(heatmap_calls):
    got = bptt(heatmap_calls, "lstm", "--view", "connectivity", "--steps", "6", "--hidden", "3",
               "--bidirectional", "--relative", "--forget-bias", "1")
    (name, matrix), = got["matrices"].items()
    assert name == "bidirectional LSTM (forget bias 1)"
    assert (matrix > 0).all() and got["relative"] is True
    assert "LSTM forget-gate bias 1" in got["title"]


def test_the_connectivity_view_writes_a_heatmap_per_model(tmp_path):
    out = tmp_path / "c.svg"
    result = run("bptt", "gru", "--view", "connectivity", "--steps", "5", "--hidden", "2",
                 "--scale-whh", "0.5", "2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {out}\n"
    root = ET.parse(out).getroot()
    assert sorted(e.get("id") for e in root.iter() if (e.get("id") or "").startswith(
        "connectivity-")) == ["connectivity-0", "connectivity-1"]
    texts = svg_text(out)
    assert "GRU (W_hh x 0.5)" in texts and "GRU (W_hh x 2)" in texts
    assert "exactly 0: y_t does not depend on x_s" in texts


@pytest.mark.parametrize("args, message", [
    (("rnn", "--steps", "5", "--bidirectional"), "--bidirectional is for --view connectivity"),
    (("rnn", "--steps", "5", "--relative"), "--relative is for --view connectivity"),
    (("lstm", "--steps", "101", "--view", "connectivity"),
     "--steps must be at most 100 with --view connectivity (one backward pass per step), "
     "got 101"),
    (("gru", "--steps", "5", "--view", "connectivity", "--forget-bias", "1"),
     "--forget-bias is for the LSTM's forget gate; gru has no forget gate (use lstm or all)")])
def test_connectivity_options_out_of_place_exit_2_with_one_line(tmp_path, args, message):
    out = tmp_path / "x.svg"
    result = run("bptt", *args, "--out", str(out))
    assert result.returncode == 2
    assert result.stderr == f"minigrad bptt: error: {message}\n"
    assert not out.exists()


def test_an_unknown_view_is_an_argparse_error(tmp_path):
    result = run("bptt", "rnn", "--steps", "5", "--view", "paths", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "argument --view: invalid choice: 'paths'" in result.stderr
