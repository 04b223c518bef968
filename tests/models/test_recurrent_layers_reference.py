"""RNN / LSTM / GRU against the plain-numpy reference (tests/reference/numpy_recurrent.py):
outputs, final states, and every gradient (parameters, input, initial state) to 1e-10."""
import numpy as np
import pytest

import minigrad as mg
from models import GRU, LSTM, RNN
from tests.reference.numpy_recurrent import recurrent_backward, recurrent_forward

T, N, H_IN, H = 4, 3, 3, 2
RAGGED = [3, 1, 4]  # unsorted, includes 1 and T
ATOL = 1e-10

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]


def make_layer(mode, nonlinearity, hidden_size=H, **options):
    if mode == "rnn":
        return RNN(H_IN, hidden_size, nonlinearity=nonlinearity, **options)
    return {"lstm": LSTM, "gru": GRU}[mode](H_IN, hidden_size, **options)


def split_state(mode, state):
    return (state[0], state[1]) if mode == "lstm" else (state, None)


def run_both(mode, nonlinearity, num_layers, bidirectional, batch_first, lengths,
             batched=True, with_hx=True, bias=True, seed=0, hidden_size=H, **options):
    """`options`: more layer arguments (an LSTM's proj_size)."""
    rng = np.random.default_rng(seed)
    layer = make_layer(mode, nonlinearity, num_layers=num_layers, bidirectional=bidirectional,
                       batch_first=batch_first, bias=bias, hidden_size=hidden_size, **options)
    params = layer.state_dict()
    D = 2 if bidirectional else 1
    x_shape = ((N, T, H_IN) if batch_first else (T, N, H_IN)) if batched else (T, H_IN)
    lead = (D * num_layers, N) if batched else (D * num_layers,)
    sizes = [options.get("proj_size") or hidden_size, hidden_size][:2 if mode == "lstm" else 1]
    x_np = rng.normal(size=x_shape)
    hx_np = [rng.normal(size=lead + (size,)) for size in sizes]
    x = mg.tensor(x_np, requires_grad=True)
    hx = [mg.tensor(a, requires_grad=True) for a in hx_np]
    hx_arg = (tuple(hx) if mode == "lstm" else hx[0]) if with_hx else None
    out, state = layer(x, hx_arg, lengths=lengths)
    h_n, c_n = split_state(mode, state)

    A = rng.normal(size=out.shape)
    B = rng.normal(size=h_n.shape)
    C = rng.normal(size=c_n.shape) if c_n is not None else None
    loss = (out * mg.tensor(A)).sum() + (h_n * mg.tensor(B)).sum()
    if C is not None:
        loss = loss + (c_n * mg.tensor(C)).sum()
    loss.backward()

    ref_hx = (tuple(hx_np) if mode == "lstm" else hx_np[0]) if with_hx else None
    opts = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                lengths=lengths, nonlinearity=nonlinearity)
    ref_out, ref_state = recurrent_forward(mode, x_np, params, ref_hx, **opts)
    grad_x, grad_params, grad_hx = recurrent_backward(mode, x_np, params, ref_hx, A, B, C,
                                                      **opts)
    ref_h, ref_c = split_state(mode, ref_state)
    np.testing.assert_allclose(out.data, ref_out, rtol=0, atol=ATOL)
    np.testing.assert_allclose(h_n.data, ref_h, rtol=0, atol=ATOL)
    if mode == "lstm":
        np.testing.assert_allclose(c_n.data, ref_c, rtol=0, atol=ATOL)
    named = dict(layer.named_parameters())
    assert sorted(named) == sorted(grad_params)
    for name, g in grad_params.items():
        np.testing.assert_allclose(named[name].grad.data, g, rtol=0, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(x.grad.data, grad_x, rtol=0, atol=ATOL)
    if with_hx:
        ref_g_hx = grad_hx if mode == "lstm" else (grad_hx,)
        for ours, ref in zip(hx, ref_g_hx):
            np.testing.assert_allclose(ours.grad.data, ref, rtol=0, atol=ATOL)
    return out, h_n


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("ragged", [False, True])
def test_matches_reference(mode, nonlinearity, num_layers, bidirectional, batch_first, ragged):
    run_both(mode, nonlinearity, num_layers, bidirectional, batch_first,
             RAGGED if ragged else None)


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_unbatched_input(mode, nonlinearity):
    out, h_n = run_both(mode, nonlinearity, 2, True, False, None, batched=False)
    assert out.shape == (T, 2 * H) and h_n.shape == (4, H)


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_without_bias_and_without_hx(mode, nonlinearity):
    run_both(mode, nonlinearity, 2, True, True, RAGGED, with_hx=False, bias=False)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_with_projections(batch_first, bias):
    """proj_size: h_t = W_hr (o_t * tanh(c_t)), 2 layers, bidirectional, ragged lengths."""
    out, h_n = run_both("lstm", "tanh", 2, True, batch_first, RAGGED, bias=bias,
                        hidden_size=3, proj_size=2)
    assert out.shape[-1] == 2 * 2 and h_n.shape == (4, N, 2)


def test_lstm_with_projections_unbatched_without_hx():
    out, h_n = run_both("lstm", "tanh", 2, True, False, None, batched=False, with_hx=False,
                        hidden_size=3, proj_size=1)
    assert out.shape == (T, 2) and h_n.shape == (4, 1)


def test_full_lengths_equal_no_lengths():
    layer = LSTM(H_IN, H, bidirectional=True)
    x = mg.randn(T, N, H_IN)
    out_a, (h_a, _) = layer(x)
    out_b, (h_b, _) = layer(x, lengths=[T] * N)
    np.testing.assert_array_equal(out_a.data, out_b.data)
    np.testing.assert_array_equal(h_a.data, h_b.data)


def test_padding_does_not_change_a_sequence():
    """A sequence of length 2 padded with garbage gives the output of the 2-step sequence."""
    layer = GRU(H_IN, H, num_layers=2, bidirectional=True)
    x = mg.randn(T, 1, H_IN)
    short_out, short_h = layer(x[:2])
    padded = mg.concat([x[:2], mg.randn(T - 2, 1, H_IN) * 100], axis=0)
    out, h_n = layer(padded, lengths=[2])
    np.testing.assert_allclose(out.data[:2], short_out.data, atol=1e-12)
    np.testing.assert_array_equal(out.data[2:], 0)
    np.testing.assert_allclose(h_n.data, short_h.data, atol=1e-12)


def test_gradcheck_two_layer_bidirectional_lstm_with_lengths():
    layer = LSTM(2, 2, num_layers=2, bidirectional=True)
    x = mg.tensor(np.random.default_rng(3).normal(size=(3, 2, 2)), requires_grad=True)

    def fn(x, *unused_params):  # the parameters are perturbed in place by gradcheck
        out, (h_n, c_n) = layer(x, lengths=[2, 3])
        return out, h_n, c_n

    assert mg.gradcheck(fn, (x,) + tuple(layer.parameters()))


def test_gradcheck_lstm_with_projections():
    layer = LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2)
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    h0 = mg.tensor(rng.normal(size=(4, 2, 2)), requires_grad=True)
    c0 = mg.tensor(rng.normal(size=(4, 2, 3)), requires_grad=True)

    def fn(x, h0, c0, *unused_params):
        out, (h_n, c_n) = layer(x, (h0, c0), lengths=[2, 3])
        return out, h_n, c_n

    assert mg.gradcheck(fn, (x, h0, c0) + tuple(layer.parameters()))


def test_gradcheck_two_layer_bidirectional_gru_with_lengths():
    layer = GRU(2, 2, num_layers=2, bidirectional=True, batch_first=True)
    x = mg.tensor(np.random.default_rng(4).normal(size=(2, 3, 2)), requires_grad=True)
    h0 = mg.tensor(np.random.default_rng(5).normal(size=(4, 2, 2)), requires_grad=True)

    def fn(x, h0, *unused_params):
        return layer(x, h0, lengths=[3, 1])

    assert mg.gradcheck(fn, (x, h0) + tuple(layer.parameters()))
