"""Fast versions of forecasting, char LM, adding problem and seq2seq reach thresholds."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import seasonal_series
from minigrad_apps.tasks import adding, char_lm, forecasting, seq2seq_digits


def test_forecasting_beats_both_naive_baselines():
    results = forecasting.run(quick=True, seed=0)
    model = results.value("gru h=16", "test MSE")
    assert model < results.value("naive last value", "test MSE")
    assert model < results.value("seasonal naive", "test MSE")


def test_forecasting_windows_never_see_their_target():
    series = seasonal_series(n=120, period=12, seed=0)
    data = forecasting.prepare(series, input_len=24)
    diffs = np.diff(series)
    scaled = data["scaler"].transform(diffs)
    for i in (0, 50, len(data["y"]) - 1):
        t = data["target_time"][i]                 # the window predicts series[t] - series[t-1]
        assert data["y"][i, 0] == pytest.approx(scaled[t - 1], abs=1e-6)
        np.testing.assert_allclose(data["X"][i, :, 0], scaled[t - 25:t - 1], atol=1e-6)
    # the scaler saw only the training part of the differences
    n_train = int(0.7 * len(diffs))
    assert data["scaler"].offset_ == pytest.approx(diffs[:n_train].mean())
    assert set(data["part"][:10]) == {"train"} and data["part"][-1] == "test"


def test_char_lm_beats_a_uniform_guess_and_samples_text():
    results = char_lm.run(quick=True, seed=0)
    row = results.rows[0]
    vocab_size = len(set(mg.data.load_text("tinyshakespeare")[:6000]))
    assert row["value"] < np.log2(vocab_size) - 1.0
    assert results.sample.startswith("ROMEO:\n") and len(results.sample) == 7 + 200


def test_adding_problem_lstm_learns_at_T20():
    _, test_mse, updates, _ = adding.train_one("lstm", T=20, clip=1.0, steps=400, seed=0)
    assert test_mse < 0.05                      # the mean predictor scores 0.167
    assert updates <= 400


def test_adding_tanh_rnn_does_not_learn_at_T20_on_the_same_budget():
    _, test_mse, updates, _ = adding.train_one("rnn", T=20, clip=1.0, steps=400, seed=0)
    assert updates == 400                       # never reached the stopping loss
    assert test_mse > 0.1


def test_adding_stops_once_solved_and_not_before():
    # stop_at above any loss: stops as soon as the window of 50 batches is full
    _, _, updates, _ = adding.train_one("gru", T=5, clip=None, steps=80, seed=0, stop_at=10.0)
    assert updates == adding.WINDOW
    _, _, updates, _ = adding.train_one("gru", T=5, clip=None, steps=60, seed=0, stop_at=None)
    assert updates == 60


def test_adding_forget_bias_is_set_on_the_forget_gate_only():
    model = adding.make_model("lstm", 4)
    b_ih, b_hh = model.rnn.bias_ih_l0.data, model.rnn.bias_hh_l0.data
    assert np.all(b_ih[4:8] == adding.FORGET_BIAS) and np.all(b_hh[4:8] == 0.0)
    assert not np.any(b_ih[:4] == adding.FORGET_BIAS)


def test_adding_markdown_table_has_one_row_per_run():
    rows = [dict(kind="lstm", T=50, clip=1.0, mse=0.004, updates=907, budget=1000, seconds=22.5),
            dict(kind="rnn", T=50, clip=None, mse=0.175, updates=1000, budget=1000, seconds=5.4)]
    lines = adding.markdown_table(rows).splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("| LSTM | 50 | 1.0 | 0.0040 | yes | 907 (1000) |")
    assert lines[3].startswith("| tanh RNN | 50 | none | 0.1750 | no | 1000 (1000) |")


def test_adding_gradient_norms_have_one_value_per_step():
    model = adding.make_model("rnn", 8)
    norms = adding.hidden_state_grad_norms(model, T=10, n=8)
    assert norms.shape == (10,) and np.all(norms > 0)


def test_seq2seq_with_attention_reverses_length_3_sequences():
    _, acc, _, _ = seq2seq_digits.train_one("reverse", "additive", 3, 600, 4, seed=0)
    assert acc > 0.8


def test_adding_report_writes_markdown_and_charts(tmp_path):
    rows = []
    for kind in adding.KINDS:
        model, mse, updates, seconds = adding.train_one(kind, T=6, clip=1.0, steps=3, seed=0)
        rows.append(dict(kind=kind, T=6, clip=1.0, mse=mse, updates=updates, budget=3,
                         seconds=seconds, model=model))
    adding.write_report(rows, (6,), str(tmp_path), seed=0)
    text = (tmp_path / "adding_results.md").read_text()
    assert text.count("| 6 | 1.0 |") == 4
    for when in ("init", "trained"):
        svg = (tmp_path / f"adding_grad_norms_T6_{when}.svg").read_text()
        assert all(f'id="series-{k}"' in svg for k in range(4))


def test_adding_records_the_gradient_flow_without_changing_the_run(tmp_path):
    recorder = adding.gradient_flow_recorder(T=8, budget=30)
    model, mse, updates, _ = adding.train_one("gru", T=8, clip=1.0, steps=30, seed=0,
                                              stop_at=None, recorder=recorder)
    plain, plain_mse, _, _ = adding.train_one("gru", T=8, clip=1.0, steps=30, seed=0,
                                              stop_at=None)
    assert mse == plain_mse
    for a, b in zip(model.parameters(), plain.parameters()):
        assert np.array_equal(a.data, b.data)
    flow = recorder.flow
    assert recorder.every == 1 and list(flow.updates) == list(range(31))
    assert flow.hidden.shape == (31, 8) and flow.param == "rnn.weight_hh_l0"
    # each record is hidden_state_grad_norms on the probe batch, at that point of training
    np.testing.assert_allclose(flow.hidden[-1], adding.hidden_state_grad_norms(model, 8),
                               rtol=1e-6)
    rows = [dict(kind="gru", T=8, clip=1.0, mse=mse, updates=updates, budget=30, seconds=0.0,
                 model=model, flow=flow)]
    adding.write_report(rows, (8,), str(tmp_path), seed=0)
    back = mg.bptt.GradientFlow.load(tmp_path / "adding_gradient_flow_T8_gru.npz")
    np.testing.assert_array_equal(back.hidden, flow.hidden)
    svg = (tmp_path / "adding_gradient_flow_T8_gru.svg").read_text()
    assert 'id="flow-0"' in svg and 'id="flow-1"' in svg
    assert "adding_gradient_flow_T8_gru.svg" in (tmp_path / "adding_results.md").read_text()


def test_char_lm_out_writes_its_views_and_trains_the_lstm_as_without(tmp_path):
    results = char_lm.run(quick=True, seed=0, progress=False, out_dir=str(tmp_path))
    plain = char_lm.run(quick=True, seed=0, progress=False)
    assert results.rows[0]["value"] == plain.rows[0]["value"]     # the probe changed nothing
    assert results.sample == plain.sample
    assert [r["model"].split()[0] for r in results.rows] == ["lstm", "rnn", "gru"]
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"char_lm_gradient_flow.npz", "char_lm_gradient_flow.svg",
                     "char_lm_hidden_states.svg", "char_lm_gate_saturation.svg",
                     "char_lm_connectivity.svg", "char_lm_memory.svg"}
    flow = mg.bptt.GradientFlow.load(tmp_path / "char_lm_gradient_flow.npz")
    assert flow.hidden.shape[1] == 96 and flow.updates[0] == 0
    import xml.etree.ElementTree as ET
    svg = ET.parse(tmp_path / "char_lm_hidden_states.svg").getroot()
    ids = {e.get("id") for e in svg.iter()}
    assert {"state-h", "state-c", "state-i", "state-f", "state-g", "state-o"} <= ids
