"""Checks of the plain-numpy recurrent reference itself (float64, fixed seeds)."""

import itertools
import math

import numpy as np
import pytest

from .finite_differences import central_difference
from .numpy_recurrent import init_params, recurrent_backward, recurrent_forward

T, N, H_IN, H = 4, 3, 3, 2
RAGGED = np.array([3, 1, 4])  # unsorted, includes 1 and T

# (mode, nonlinearity)
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]


def _outputs(mode, result):
    """Flatten a forward result to (out, h_n, c_n-or-None)."""
    out, state = result
    if mode == "lstm":
        return out, state[0], state[1]
    return out, state, None


def _random_hx(mode, shape, rng):
    if mode == "lstm":
        return (rng.normal(size=shape), rng.normal(size=shape))
    return rng.normal(size=shape)


def _hx_arrays(mode, hx):
    return list(hx) if mode == "lstm" else [hx]


def _directional_difference(f, array, direction, eps=1e-6):
    """d/de f() at array + e * direction, by central difference (perturbs in place)."""
    saved = array.copy()
    array += eps * direction
    plus = f()
    array[...] = saved - eps * direction
    minus = f()
    array[...] = saved
    return (plus - minus) / (2 * eps)


def _problem(mode, num_layers, bidirectional, batch_first, bias, seed, proj_size=0):
    rng = np.random.default_rng(seed)
    D = 2 if bidirectional else 1
    params = init_params(mode, H_IN, H, num_layers, bidirectional, bias, rng, proj_size)
    x = rng.normal(size=(N, T, H_IN) if batch_first else (T, N, H_IN))
    hx = _random_hx(mode, (D * num_layers, N, H), rng)
    if proj_size:  # h has proj_size features, c keeps H
        hx = (rng.normal(size=(D * num_layers, N, proj_size)), hx[1])
    return rng, params, x, hx


def _check_backward_against_fd(mode, nonlinearity, num_layers, bidirectional, batch_first,
                               lengths, bias=True, seed=0, proj_size=0):
    rng, params, x, hx = _problem(mode, num_layers, bidirectional, batch_first, bias, seed,
                                  proj_size)
    opts = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first,
                lengths=lengths, nonlinearity=nonlinearity)
    out, h_n, c_n = _outputs(mode, recurrent_forward(mode, x, params, hx, **opts))
    # Random linear functional of all outputs: loss = <A, out> + <B, h_n> + <C, c_n>.
    A = rng.normal(size=out.shape)
    B = rng.normal(size=h_n.shape)
    C = rng.normal(size=c_n.shape) if c_n is not None else None

    def loss():
        o, h, c = _outputs(mode, recurrent_forward(mode, x, params, hx, **opts))
        total = np.sum(A * o) + np.sum(B * h)
        return total + (np.sum(C * c) if c is not None else 0.0)

    grad_x, grad_params, grad_hx = recurrent_backward(mode, x, params, hx, A, B, C, **opts)

    assert sorted(grad_params) == sorted(params)
    checks = [("x", grad_x, x)]
    checks += [(k, grad_params[k], params[k]) for k in sorted(params)]
    checks += [(f"hx[{i}]", g, a) for i, (g, a) in
               enumerate(zip(_hx_arrays(mode, grad_hx), _hx_arrays(mode, hx)))]
    for name, analytic, array in checks:
        assert analytic.shape == array.shape, name
        if name.startswith(("weight", "bias")):
            # Parameters: two random directions per tensor keep the file fast; a
            # wrong entry anywhere in the tensor shows up in almost every direction.
            for _ in range(2):
                v = rng.normal(size=array.shape)
                numeric = _directional_difference(loss, array, v)
                np.testing.assert_allclose(np.sum(analytic * v), numeric, rtol=1e-6,
                                           atol=1e-8, err_msg=name)
        else:
            numeric = central_difference(loss, array)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("ragged", [False, True])
def test_backward_matches_finite_differences(mode, nonlinearity, num_layers, bidirectional,
                                             batch_first, ragged):
    lengths = RAGGED if ragged else None
    _check_backward_against_fd(mode, nonlinearity, num_layers, bidirectional, batch_first,
                               lengths)


@pytest.mark.parametrize("bias", [True, False])
def test_lstm_with_projections_backward_matches_finite_differences(bias):
    _check_backward_against_fd("lstm", "tanh", 2, True, False, RAGGED, bias=bias, proj_size=1)


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_backward_without_bias(mode, nonlinearity):
    _check_backward_against_fd(mode, nonlinearity, 2, True, False, RAGGED, bias=False, seed=1)
    assert not any(k.startswith("bias") for k in init_params(mode, 2, 2, 2, True, False))


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_backward_with_zero_default_state_and_missing_grads(mode, nonlinearity):
    """hx=None, grad_h_n=None and grad_c_n=None mean zeros."""
    rng, params, x, hx = _problem(mode, 1, True, False, True, seed=2)
    zero_hx = _random_hx(mode, (2, N, H), rng)
    for a in _hx_arrays(mode, zero_hx):
        a[...] = 0.0
    opts = dict(bidirectional=True, nonlinearity=nonlinearity, lengths=RAGGED)
    out, _, _ = _outputs(mode, recurrent_forward(mode, x, params, None, **opts))
    out_zero, h_zero, c_zero = _outputs(mode, recurrent_forward(mode, x, params, zero_hx, **opts))
    np.testing.assert_array_equal(out, out_zero)

    g = rng.normal(size=out.shape)
    got = recurrent_backward(mode, x, params, None, g, None, None, **opts)
    want = recurrent_backward(mode, x, params, zero_hx, g, np.zeros_like(h_zero),
                              None if c_zero is None else np.zeros_like(c_zero), **opts)
    np.testing.assert_array_equal(got[0], want[0])
    for k in params:
        np.testing.assert_array_equal(got[1][k], want[1][k])
    for a, b in zip(_hx_arrays(mode, got[2]), _hx_arrays(mode, want[2])):
        np.testing.assert_array_equal(a, b)


# --- masking semantics ------------------------------------------------------


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_batch_equals_each_sequence_alone(mode, nonlinearity, bidirectional):
    num_layers, D = 2, (2 if bidirectional else 1)
    rng, params, x, hx = _problem(mode, num_layers, bidirectional, False, True, seed=3)
    opts = dict(num_layers=num_layers, bidirectional=bidirectional, nonlinearity=nonlinearity)
    out, h_n, c_n = _outputs(mode, recurrent_forward(mode, x, params, hx, lengths=RAGGED, **opts))

    # Padding is ignored: changing x past each length changes nothing.
    x_noisy = x.copy()
    for n, length in enumerate(RAGGED):
        x_noisy[length:, n] = rng.normal(size=x_noisy[length:, n].shape) * 10
    noisy = _outputs(mode, recurrent_forward(mode, x_noisy, params, hx, lengths=RAGGED, **opts))
    for a, b in zip((out, h_n, c_n), noisy):
        if a is not None:
            np.testing.assert_array_equal(a, b)

    for n, length in enumerate(RAGGED):
        assert np.all(out[length:, n] == 0.0)
        hx_n = (tuple(s[:, n:n + 1] for s in hx) if mode == "lstm" else hx[:, n:n + 1])
        solo = _outputs(mode, recurrent_forward(mode, x[:length, n:n + 1], params, hx_n, **opts))
        np.testing.assert_allclose(out[:length, n], solo[0][:, 0], rtol=0, atol=1e-14)
        np.testing.assert_allclose(h_n[:, n], solo[1][:, 0], rtol=0, atol=1e-14)
        if c_n is not None:
            np.testing.assert_allclose(c_n[:, n], solo[2][:, 0], rtol=0, atol=1e-14)
        # lengths=[L] on the padded sequence is the same as the first L steps alone.
        single = _outputs(mode, recurrent_forward(mode, x_noisy[:, n:n + 1], params, hx_n,
                                                  lengths=np.array([length]), **opts))
        np.testing.assert_allclose(single[0][:length], solo[0], rtol=0, atol=1e-14)
        assert np.all(single[0][length:] == 0.0)
        np.testing.assert_allclose(single[1], solo[1], rtol=0, atol=1e-14)


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_gradient_of_padding_is_exactly_zero(mode, nonlinearity):
    rng, params, x, hx = _problem(mode, 2, True, True, True, seed=4)
    opts = dict(num_layers=2, bidirectional=True, batch_first=True, lengths=RAGGED,
                nonlinearity=nonlinearity)
    out, h_n, c_n = _outputs(mode, recurrent_forward(mode, x, params, hx, **opts))
    grad_x, _, _ = recurrent_backward(
        mode, x, params, hx, rng.normal(size=out.shape), rng.normal(size=h_n.shape),
        None if c_n is None else rng.normal(size=c_n.shape), **opts)
    for n, length in enumerate(RAGGED):
        assert np.all(grad_x[n, length:] == 0.0)
        assert np.all(grad_x[n, :length] != 0.0)


# --- layout -------------------------------------------------------------------


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_h_n_layout_and_layer_stacking(mode, nonlinearity):
    """h_n[layer * D + direction]; layer 1 reads [forward, reverse] of layer 0."""
    rng, params, x, hx = _problem(mode, 2, True, False, True, seed=5)
    opts = dict(bidirectional=True, nonlinearity=nonlinearity, lengths=RAGGED)
    out, h_n, c_n = _outputs(mode, recurrent_forward(mode, x, params, hx, num_layers=2, **opts))

    def layer_slice(state, layer):
        if mode == "lstm":
            return tuple(s[2 * layer:2 * layer + 2] for s in state)
        return state[2 * layer:2 * layer + 2]

    # The parameters of one layer, renamed as layer 0 of a one-layer network.
    layer_params = [{k.replace(f"_l{layer}", "_l0"): v for k, v in params.items()
                     if f"_l{layer}" in k} for layer in (0, 1)]
    out0, h0, c0 = _outputs(mode, recurrent_forward(
        mode, x, layer_params[0], layer_slice(hx, 0), **opts))
    out1, h1, c1 = _outputs(mode, recurrent_forward(
        mode, out0, layer_params[1], layer_slice(hx, 1), **opts))
    np.testing.assert_array_equal(out, out1)
    np.testing.assert_array_equal(h_n, np.concatenate([h0, h1]))
    if c_n is not None:
        np.testing.assert_array_equal(c_n, np.concatenate([c0, c1]))

    # Forward final state = output at the last valid step; reverse final state =
    # output at step 0.
    for n, length in enumerate(RAGGED):
        np.testing.assert_array_equal(h1[0, n], out1[length - 1, n, :H])
        np.testing.assert_array_equal(h1[1, n], out1[0, n, H:])


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_batch_first_and_unbatched_layouts(mode, nonlinearity):
    rng, params, x, hx = _problem(mode, 2, True, False, True, seed=6)
    opts = dict(num_layers=2, bidirectional=True, nonlinearity=nonlinearity)
    ref = _outputs(mode, recurrent_forward(mode, x, params, hx, **opts))
    bf = _outputs(mode, recurrent_forward(mode, x.transpose(1, 0, 2), params, hx,
                                          batch_first=True, **opts))
    np.testing.assert_array_equal(bf[0], ref[0].transpose(1, 0, 2))
    np.testing.assert_array_equal(bf[1], ref[1])  # h_n is never batch-first

    hx_0 = tuple(s[:, 0] for s in hx) if mode == "lstm" else hx[:, 0]
    unb = _outputs(mode, recurrent_forward(mode, x[:, 0], params, hx_0, **opts))
    assert unb[0].shape == (T, 2 * H) and unb[1].shape == (4, H)
    np.testing.assert_allclose(unb[0], ref[0][:, 0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(unb[1], ref[1][:, 0], rtol=0, atol=1e-14)

    g_out, g_h = rng.normal(size=unb[0].shape), rng.normal(size=unb[1].shape)
    g_c = rng.normal(size=unb[2].shape) if mode == "lstm" else None
    gx, gp, ghx = recurrent_backward(mode, x[:, 0], params, hx_0, g_out, g_h, g_c, **opts)
    bgx, bgp, bghx = recurrent_backward(
        mode, x[:, :1], params, tuple(s[:, :1] for s in hx) if mode == "lstm" else hx[:, :1],
        g_out[:, None], g_h[:, None], None if g_c is None else g_c[:, None], **opts)
    np.testing.assert_allclose(gx, bgx[:, 0], rtol=0, atol=1e-14)
    for k in params:
        np.testing.assert_allclose(gp[k], bgp[k], rtol=0, atol=1e-14)
    for a, b in zip(_hx_arrays(mode, ghx), _hx_arrays(mode, bghx)):
        np.testing.assert_allclose(a, b[:, 0], rtol=0, atol=1e-14)


# --- the cell equations, checked on scalars written out with the math module ---


def _scalar_params(mode, rng):
    G = {"rnn": 1, "lstm": 4, "gru": 3}[mode]
    return {"weight_ih_l0": rng.normal(size=(G, 1)), "weight_hh_l0": rng.normal(size=(G, 1)),
            "bias_ih_l0": rng.normal(size=G), "bias_hh_l0": rng.normal(size=G)}


def _sig(a):
    return 1.0 / (1.0 + math.exp(-a))


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
def test_cell_equations_on_scalars(mode, nonlinearity):
    rng = np.random.default_rng(7)
    p = _scalar_params(mode, rng)
    xs = rng.normal(size=3)
    h, c = 0.3, -0.4
    wi, wh = p["weight_ih_l0"][:, 0], p["weight_hh_l0"][:, 0]
    bi, bh = p["bias_ih_l0"], p["bias_hh_l0"]
    expected = []
    for xt in xs:
        pre = [wi[k] * xt + bi[k] + wh[k] * h + bh[k] for k in range(len(bi))]
        if mode == "rnn":
            h = math.tanh(pre[0]) if nonlinearity == "tanh" else max(pre[0], 0.0)
        elif mode == "lstm":
            i, f, g, o = _sig(pre[0]), _sig(pre[1]), math.tanh(pre[2]), _sig(pre[3])
            c = f * c + i * g
            h = o * math.tanh(c)
        else:
            r = _sig(pre[0])
            z = _sig(pre[1])
            n = math.tanh(wi[2] * xt + bi[2] + r * (wh[2] * h + bh[2]))
            h = (1 - z) * n + z * h
        expected.append(h)
    hx = (np.array([[0.3]]), np.array([[-0.4]])) if mode == "lstm" else np.array([[0.3]])
    out, h_n, c_n = _outputs(mode, recurrent_forward(mode, xs[:, None], p, hx,
                                                     nonlinearity=nonlinearity))
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h_n[0, 0], h, rtol=1e-14)
    if mode == "lstm":
        np.testing.assert_allclose(c_n[0, 0], c, rtol=1e-14)


# --- against PyTorch, when it is installed ------------------------------------


@pytest.mark.parametrize("mode,nonlinearity", CELLS)
@pytest.mark.parametrize("bidirectional,batch_first,ragged",
                         list(itertools.product([False, True], repeat=3)))
def test_forward_matches_torch(mode, nonlinearity, bidirectional, batch_first, ragged):
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    num_layers = 2
    rng, params, x, hx = _problem(mode, num_layers, bidirectional, batch_first, True, seed=8)
    lengths = RAGGED if ragged else None
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[mode]
    kwargs = dict(nonlinearity=nonlinearity) if mode == "rnn" else {}
    module = cls(H_IN, H, num_layers=num_layers, bidirectional=bidirectional,
                 batch_first=batch_first, **kwargs).double()
    with torch.no_grad():
        for name, value in params.items():
            getattr(module, name).copy_(torch.from_numpy(value))

    t_x = torch.from_numpy(x)
    t_hx = tuple(torch.from_numpy(s) for s in hx) if mode == "lstm" else torch.from_numpy(hx)
    with torch.no_grad():
        if ragged:
            packed = pack_padded_sequence(t_x, torch.from_numpy(lengths), batch_first=batch_first,
                                          enforce_sorted=False)
            t_out, t_state = module(packed, t_hx)
            t_out, _ = pad_packed_sequence(t_out, batch_first=batch_first, total_length=T)
        else:
            t_out, t_state = module(t_x, t_hx)

    out, h_n, c_n = _outputs(mode, recurrent_forward(
        mode, x, params, hx, num_layers=num_layers, bidirectional=bidirectional,
        batch_first=batch_first, lengths=lengths, nonlinearity=nonlinearity))
    np.testing.assert_allclose(out, t_out.numpy(), rtol=0, atol=1e-10)
    if mode == "lstm":
        np.testing.assert_allclose(h_n, t_state[0].numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(c_n, t_state[1].numpy(), rtol=0, atol=1e-10)
    else:
        np.testing.assert_allclose(h_n, t_state.numpy(), rtol=0, atol=1e-10)
