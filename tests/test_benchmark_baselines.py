"""Checks of the hand-written benchmark baselines (benchmarks/baselines).

Every backward is compared with central finite differences in float64 on a
reduced size; the LSTM forward is compared with an independent per-sample,
per-gate re-computation; the micrograd workload is compared with its numpy twin.
"""
import math

import numpy as np
import pytest

from benchmarks.baselines import gru_numpy, lstm_numpy, micrograd_mlp, rnn_numpy
from benchmarks.baselines import min_char_rnn_numpy as mcr
from benchmarks.timing import (best_time, format_spread_table, format_table, interleaved_times,
                               spread_rows)
from tests.reference.finite_differences import central_difference
from tests.reference.numpy_recurrent import recurrent_backward, recurrent_forward


def assert_grad_close(analytic, numeric, name):
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8, err_msg=name)


# ---------------------------------------------------------------- min-char-rnn

def small_rnn_case(seed=1):
    V, H, T = 7, 5, 4
    params = mcr.make_params(seed, np.float64, vocab_size=V, hidden_size=H)
    rng = np.random.default_rng(seed + 100)
    # Larger weights and non-zero biases / h0 than the classic init, so every
    # term of the backward pass carries a visible share of the gradient.
    for k in params:
        params[k] = rng.standard_normal(params[k].shape) * 0.5
    inputs, targets, _ = mcr.make_batch(seed, vocab_size=V, hidden_size=H, seq_length=T)
    hprev = rng.standard_normal((H, 1)) * 0.5
    return params, inputs, targets, hprev


@pytest.mark.parametrize("name", mcr.PARAM_NAMES)
def test_min_char_rnn_grads_match_finite_differences(name):
    params, inputs, targets, hprev = small_rnn_case()
    _, grads, _ = mcr.loss_and_grads(params, inputs, targets, hprev, clip=None)
    numeric = central_difference(
        lambda: mcr.loss_and_grads(params, inputs, targets, hprev, clip=None)[0], params[name])
    assert np.abs(numeric).max() > 1e-3  # the check is not vacuous
    assert_grad_close(grads[name], numeric, name)


def test_min_char_rnn_loss_and_state_match_direct_computation():
    params, inputs, targets, hprev = small_rnn_case()
    loss, _, h_last = mcr.loss_and_grads(params, inputs, targets, hprev)
    h = hprev[:, 0]
    expected = 0.0
    for a, b in zip(inputs, targets):
        h = np.tanh(params["Wxh"][:, a] + params["Whh"] @ h + params["bh"][:, 0])
        logits = params["Why"] @ h + params["by"][:, 0]
        expected += math.log(np.exp(logits).sum()) - logits[b]
    assert loss == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(h_last[:, 0], h, rtol=1e-12)


def test_min_char_rnn_clipping_is_elementwise():
    # The small case's gradients stay below 5 (tanh and softmax bound them), so
    # clip at 1 to see both clipped and untouched entries; 5 is the default.
    params, inputs, targets, hprev = small_rnn_case()
    _, raw, _ = mcr.loss_and_grads(params, inputs, targets, hprev, clip=None)
    _, clipped, _ = mcr.loss_and_grads(params, inputs, targets, hprev, clip=1.0)
    all_raw = np.concatenate([np.abs(g).ravel() for g in raw.values()])
    assert (all_raw > 1).any() and (all_raw < 1).any()
    for k in mcr.PARAM_NAMES:
        np.testing.assert_array_equal(clipped[k], np.clip(raw[k], -1, 1))


def test_min_char_rnn_full_size_shapes_and_float32():
    for dtype in (np.float64, np.float32):
        params = mcr.make_params(0, dtype)
        inputs, targets, h0 = mcr.make_batch(0, dtype)
        assert params["Wxh"].shape == (100, 65) and params["Why"].shape == (65, 100)
        assert len(inputs) == len(targets) == 25 and h0.shape == (100, 1)
        np.testing.assert_array_equal(inputs[1:], targets[:-1])
        loss, grads, h_last = mcr.loss_and_grads(params, inputs, targets, h0)
        # near-uniform predictions at init: loss ~ T * log V
        assert loss == pytest.approx(25 * math.log(65), rel=1e-2)
        assert h_last.dtype == dtype
        for k in mcr.PARAM_NAMES:
            assert grads[k].shape == params[k].shape and grads[k].dtype == dtype


# ------------------------------------------------------- LSTM, GRU, tanh RNN
RECURRENT = {"lstm": lstm_numpy, "gru": gru_numpy, "rnn": rnn_numpy}


def small_case(mode, seed=2):
    baseline = RECURRENT[mode]
    params = baseline.make_params(seed, input_size=3, hidden_size=4, out_size=2,
                                  dtype=np.float64)
    rng = np.random.default_rng(seed + 100)
    for k in params:  # bigger than the default init so every gate saturates a little
        params[k] = rng.standard_normal(params[k].shape) * 0.7
    x, y = baseline.make_batch(seed, batch=2, T=3, input_size=3, out_size=2,
                               dtype=np.float64)
    return params, x, y


def lstm_reference(params, x):
    """Per sample, per gate, with math.exp: independent of the vectorised code."""
    T, N, _ = x.shape
    H = params["weight_hh"].shape[1]
    W_ih, W_hh = params["weight_ih"], params["weight_hh"]
    b = params["bias_ih"] + params["bias_hh"]

    def sig(v):
        return np.array([1 / (1 + math.exp(-e)) for e in v])

    out = np.zeros((N, params["head.bias"].shape[0]))
    for n in range(N):
        h, c = np.zeros(H), np.zeros(H)
        for t in range(T):
            pre = [W_ih[k * H:(k + 1) * H] @ x[t, n] + W_hh[k * H:(k + 1) * H] @ h
                   + b[k * H:(k + 1) * H] for k in range(4)]
            i, f, g, o = sig(pre[0]), sig(pre[1]), np.tanh(pre[2]), sig(pre[3])
            c = f * c + i * g
            h = o * np.tanh(c)
        out[n] = params["head.weight"] @ h + params["head.bias"]
    return out


def test_lstm_forward_matches_reference():
    params, x, y = small_case("lstm")
    expected = lstm_reference(params, x)
    np.testing.assert_allclose(lstm_numpy.forward(params, x), expected, rtol=1e-12, atol=1e-14)
    loss, _ = lstm_numpy.loss_and_grads(params, x, y)
    assert loss == pytest.approx(np.mean((expected - y) ** 2), rel=1e-12)


@pytest.mark.parametrize("mode", list(RECURRENT))
@pytest.mark.parametrize("name", lstm_numpy.PARAM_NAMES)
def test_recurrent_baseline_grads_match_finite_differences(mode, name):
    baseline = RECURRENT[mode]
    params, x, y = small_case(mode)
    _, grads = baseline.loss_and_grads(params, x, y)
    numeric = central_difference(lambda: baseline.loss_and_grads(params, x, y)[0], params[name])
    assert np.abs(numeric).max() > 1e-3
    assert_grad_close(grads[name], numeric, name)


@pytest.mark.parametrize("mode", list(RECURRENT))
def test_recurrent_baseline_matches_the_numpy_reference(mode):
    """Loss and every gradient against tests/reference/numpy_recurrent.py (+ the head)."""
    baseline = RECURRENT[mode]
    params, x, y = small_case(mode)
    layer = {f"{k}_l0": params[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    _, h_n = recurrent_forward(mode, x, layer)
    h = (h_n[0] if mode == "lstm" else h_n)[0]
    diff = h @ params["head.weight"].T + params["head.bias"] - y
    d_h = (diff * (2.0 / diff.size)) @ params["head.weight"]
    _, ref_grads, _ = recurrent_backward(mode, x, layer, None, None, d_h[None])
    loss, grads = baseline.loss_and_grads(params, x, y)
    assert loss == pytest.approx(np.mean(diff ** 2), rel=1e-12)
    np.testing.assert_allclose(baseline.forward(params, x), diff + y, rtol=1e-12, atol=1e-14)
    for k, g in layer.items():
        np.testing.assert_allclose(grads[k[:-3]], ref_grads[k], rtol=1e-10, atol=1e-13,
                                   err_msg=k)


@pytest.mark.parametrize("mode", list(RECURRENT))
def test_recurrent_baseline_full_size_shapes_and_dtype(mode):
    baseline = RECURRENT[mode]
    params = baseline.make_params(0)
    x, y = baseline.make_batch(0)
    G = {"lstm": 4, "gru": 3, "rnn": 1}[mode]
    assert x.shape == (50, 32, 64) and y.shape == (32, 10)
    assert params["weight_ih"].shape == (G * 128, 64)
    assert params["weight_hh"].shape == (G * 128, 128)
    assert params["head.weight"].shape == (10, 128)
    loss, grads = baseline.loss_and_grads(params, x, y)
    assert np.isfinite(loss)
    for k in baseline.PARAM_NAMES:
        assert grads[k].shape == params[k].shape and grads[k].dtype == np.float32


# ------------------------------------------------------------------- micrograd

def test_micrograd_step_matches_numpy_twin():
    pytest.importorskip("micrograd")  # benchmark-only dependency (pip install .[bench])
    X, y = micrograd_mlp.make_points(0)
    assert X.shape == (50, 2) and set(y.tolist()) == {-1.0, 1.0}
    model = micrograd_mlp.make_model(0)
    loss = micrograd_mlp.micrograd_step(model, X, y)
    weights = micrograd_mlp.model_weights(model)
    assert [W.shape for W, _ in weights] == [(16, 2), (16, 16), (1, 16)]
    np_loss, np_grads = micrograd_mlp.mlp_loss_and_grads_numpy(weights, X, y)
    assert loss == pytest.approx(np_loss, rel=1e-12)
    for (gW, gb), (mW, mb) in zip(np_grads, micrograd_mlp.model_grads(model)):
        np.testing.assert_allclose(gW, mW, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gb, mb, rtol=1e-10, atol=1e-12)
    # a second step must not accumulate onto the first one's gradients
    assert micrograd_mlp.micrograd_step(model, X, y) == loss
    np.testing.assert_allclose(micrograd_mlp.model_grads(model)[0][0], np_grads[0][0], rtol=1e-10)


def test_mlp_numpy_grads_match_finite_differences():
    X, y = micrograd_mlp.make_points(3, n=10)
    rng = np.random.default_rng(3)
    weights = [(rng.uniform(-1, 1, (o, i)), rng.uniform(-0.5, 0.5, o))
               for i, o in zip((2, 16, 16), (16, 16, 1))]
    _, grads = micrograd_mlp.mlp_loss_and_grads_numpy(weights, X, y)
    for k, (W, b) in enumerate(weights):
        for arr, g in ((W, grads[k][0]), (b, grads[k][1])):
            numeric = central_difference(
                lambda: micrograd_mlp.mlp_loss_and_grads_numpy(weights, X, y)[0], arr)
            assert_grad_close(g, numeric, f"layer {k}")


# ---------------------------------------------------------------------- timing

def test_best_time_and_table():
    calls = []
    t = best_time(lambda: calls.append(1), repeat=3, number=2, warmup=1)
    assert len(calls) == 1 + 3 * 2 and 0 <= t < 0.1
    table = format_table([("numpy", 2e-3, None), ("minigrad", 5e-3, 2.5)])
    lines = table.splitlines()
    assert "2.00 ms" in lines[2] and lines[3].endswith("2.50x")
    assert len({len(line) for line in lines[2:]}) <= 2  # rows are aligned


def test_interleaved_times_alternate_the_order_and_time_every_round():
    order = []
    fake_clock = iter(range(1000))
    fns = {"a": lambda: order.append("a"), "b": lambda: order.append("b")}
    times = interleaved_times(fns, rounds=3, number={"a": 2, "b": 1}, warmup=1,
                              clock=lambda: next(fake_clock))
    assert order[:2] == ["a", "b"]  # the warmup calls
    assert order[2:] == ["a", "a", "b", "b", "a", "a", "a", "a", "b"]  # a b, b a, a b
    assert times == {"a": [0.5, 0.5, 0.5], "b": [1.0, 1.0, 1.0]}  # one clock tick per turn


def test_spread_rows_give_median_ratios_and_per_round_extremes():
    times = {"base": [1.0, 2.0, 4.0], "fast": [0.5, 1.5, 1.0]}
    base, fast = spread_rows(times, "base")
    assert base == ("base", 2.0, 1.0, 4.0, None, None, None)
    assert fast[:4] == ("fast", 1.0, 0.5, 1.5)
    assert fast[4] == pytest.approx(0.5) and (fast[5], fast[6]) == (0.25, 0.75)
    table = format_spread_table([base, fast], "vs base").splitlines()
    assert table[2].startswith("base") and "1.00x" in table[2]
    assert "0.50x" in table[3] and "(0.25-0.75)" in table[3]
