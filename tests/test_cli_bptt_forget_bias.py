"""`minigrad bptt --forget-bias B`: the LSTM's forget-gate bias, and the chart's note on it."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from minigrad_apps import cli
from minigrad_apps import vanishing
from minigrad.graph import charts

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


@pytest.fixture
def chart_calls(monkeypatch):
    """Run `minigrad bptt` in-process and record what it hands to the chart."""
    calls = []

    def record(series, path, title=""):
        calls.append({"series": series, "title": title})
        return path
    monkeypatch.setattr(charts, "gradient_norm_chart", record)
    return calls


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
    (("--forget-bias", "1"), "LSTM forget-gate bias 1 "),
    (("--forget-bias", "0.5"), "LSTM forget-gate bias 0.5 ")])
def test_the_chart_says_which_forget_bias_it_shows(tmp_path, args, used):
    out = tmp_path / "v.svg"
    result = run("bptt", "all", "--steps", "6", "--hidden", "3", *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    texts = svg_text(out)
    assert any(t.startswith(used) for t in texts), texts
    assert "a forget-gate bias of about 1 keeps the LSTM's gradient alive" in texts


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
