"""Fast versions of forecasting, char LM, adding problem and seq2seq reach thresholds."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import seasonal_series
from minigrad.tasks import adding, char_lm, forecasting, seq2seq_digits


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
    _, test_mse, _ = adding.train_one("lstm", T=20, clip=1.0, steps=500, seed=0)
    assert test_mse < 0.05                      # the mean predictor scores 0.167


def test_adding_gradient_norms_have_one_value_per_step():
    model = adding.make_model("rnn", 8)
    norms = adding.hidden_state_grad_norms(model, T=10, n=8)
    assert norms.shape == (10,) and np.all(norms > 0)


def test_seq2seq_with_attention_reverses_length_3_sequences():
    _, acc, _, _ = seq2seq_digits.train_one("reverse", "additive", 3, 600, 4, seed=0)
    assert acc > 0.8
