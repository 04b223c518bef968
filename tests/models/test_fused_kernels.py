"""models/fused_kernels.py: whole-sequence forward and BPTT backward of one layer-direction.

Checked four ways, each independent of the kernel's own code:
- the plain-numpy reference (tests/reference/numpy_recurrent.py), for EVERY step's state
  and the gradient of a random linear functional of all of them, in float64;
- minigrad's unrolled layers (models.RNN / LSTM / GRU, and `unroll` itself with a
  recurrent-dropout mask), through the outputs and final states the layer will take
  from `states`, in float64;
- central finite differences of the kernel's own forward, in float64;
- float32 against float64.

"rtol 1e-10" below is `assert_allclose(rtol=1e-10, atol=1e-13)`: the values are O(1), and
the atol only lets an exact zero on one side meet a rounding-level value on the other.
"""
import numpy as np
import pytest

import minigrad as mg
from models import GRU, LSTM, RNN
from models import fused_kernels as fk
from models.unroll import unroll, valid_masks
from tests.reference.finite_differences import central_difference
from tests.reference.numpy_recurrent import recurrent_backward, recurrent_forward

# (kind, nonlinearity, proj_size)
CASES = [("rnn", "tanh", 0), ("rnn", "relu", 0), ("lstm", "tanh", 0), ("lstm", "tanh", 2),
         ("gru", "tanh", 0)]
IDS = ["rnn-tanh", "rnn-relu", "lstm", "lstm-proj", "gru"]
T, N, F, H = 4, 3, 3, 3
LENGTHS = {"full": None, "ragged": [3, 1, 4], "short": [2, 1, 2]}  # short: t=2,3 all padding
REF_NAMES = {"w_ih": "weight_ih", "w_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh",
             "w_hr": "weight_hr"}
PARAMS = tuple(REF_NAMES)


def assert_close(actual, desired, err_msg=""):
    np.testing.assert_allclose(actual, desired, rtol=1e-10, atol=1e-13, err_msg=err_msg)


def make_case(kind, proj=0, T=T, N=N, F=F, H=H, bias=True, zero_state=False, seed=0,
              bound=0.8):
    """Random float64 inputs: x (T, N, F), state0 tuple, short-named params drawn from
    U(-bound, bound), and a gradient G (T, N, S) for every step's state."""
    rng = np.random.default_rng(seed)
    G_rows, H_out = fk.GATES[kind] * H, proj or H
    p = {"w_ih": rng.uniform(-bound, bound, (G_rows, F)),
         "w_hh": rng.uniform(-bound, bound, (G_rows, H_out)),
         "b_ih": rng.uniform(-bound, bound, G_rows) if bias else None,
         "b_hh": rng.uniform(-bound, bound, G_rows) if bias else None}
    if proj:
        p["w_hr"] = rng.uniform(-bound, bound, (proj, H))
    sizes = (H_out, H) if kind == "lstm" else (H_out,)
    state0 = tuple(np.zeros((N, s)) if zero_state else rng.normal(size=(N, s)) for s in sizes)
    x = rng.normal(size=(T, N, F))
    G = rng.normal(size=(T, N, sum(sizes)))
    return x, state0, p, G


def valid_of(lengths, T=T):
    return None if lengths is None else (np.arange(T)[:, None] < np.array(lengths))[:, :, None]


def kernel_run(kind, nonlinearity, x, state0, p, G, reverse, lengths, mask=None):
    states, saved = fk.forward(kind, x, state0, p, reverse=reverse,
                               valid=valid_of(lengths, x.shape[0]), recurrent_mask=mask,
                               nonlinearity=nonlinearity)
    return states, fk.backward(kind, G, saved)


# ------------------------------------------------ the plain-numpy reference
def reference_run(kind, nonlinearity, x, state0, p, G, reverse, lengths):
    """Every step's state, and the gradient of sum(G * states), from the reference alone.

    The reference gives only outputs and final states, so the state after step t is
    the final state of a run over x[:t+1] (lengths clipped to t+1) or, for the reverse
    direction, of the reference's own reverse direction over x[t:] (lengths - t; a
    sequence with length <= t has not started and still holds state0). The loss is
    linear in the states: its gradient is the sum of those runs' gradients.
    """
    T, N, _ = x.shape
    lstm = kind == "lstm"
    full = {REF_NAMES[k] + sfx: v for k, v in p.items() if v is not None
            for sfx in ("_l0", "_l0_reverse")}
    D, d = (2, 1) if reverse else (1, 0)
    hx = tuple(np.stack([s] * D) for s in state0)
    sizes = [s.shape[-1] for s in state0]
    states = np.zeros((T, N, sum(sizes)))
    grads = {"x": np.zeros_like(x), "h0": np.zeros_like(state0[0])}
    if lstm:
        grads["c0"] = np.zeros_like(state0[1])
    for k, v in p.items():
        if v is not None:
            grads[k] = np.zeros_like(v)
    lengths = None if lengths is None else np.array(lengths)
    for t in range(T):
        if reverse:
            span = slice(t, T)
            lens = None if lengths is None else lengths - t
            waiting = np.zeros(N, bool) if lens is None else lens <= 0
            if lens is not None:
                lens = np.maximum(lens, 1)  # their runs are ignored below
        else:
            span = slice(0, t + 1)
            lens = None if lengths is None else np.minimum(lengths, t + 1)
            waiting = np.zeros(N, bool)
        opts = dict(bidirectional=reverse, lengths=lens, nonlinearity=nonlinearity)
        ref_hx = hx if lstm else hx[0]
        _, final = recurrent_forward(kind, x[span], full, ref_hx, **opts)
        final = final if lstm else (final,)
        state = np.concatenate([f[d] for f in final], axis=-1)
        state[waiting] = np.concatenate(state0, axis=-1)[waiting]
        states[t] = state
        g_t = np.where(waiting[:, None], 0.0, G[t])
        g_parts = np.split(g_t, [sizes[0]], axis=-1)[:len(sizes)]
        g_final = [np.zeros((D,) + g.shape) for g in g_parts]
        for g_full, g in zip(g_final, g_parts):
            g_full[d] = g
        g_x, g_params, g_hx = recurrent_backward(
            kind, x[span], full, ref_hx, None, g_final[0], g_final[1] if lstm else None, **opts)
        grads["x"][span] += g_x
        g_hx = g_hx if lstm else (g_hx,)
        direct = np.where(waiting[:, None], G[t], 0.0)  # a waiting state is state0 itself
        for name, g, part in zip(("h0", "c0"), g_hx, np.split(direct, [sizes[0]], axis=-1)):
            grads[name] += g[d] + part
        suffix = "_l0_reverse" if reverse else "_l0"
        for k in p:
            if p[k] is not None:
                grads[k] += g_params[REF_NAMES[k] + suffix]
    return states, grads


def check_against_reference(kind, nonlinearity, proj, reverse, lengths, **case):
    x, state0, p, G = make_case(kind, proj, **case)
    states, grads = kernel_run(kind, nonlinearity, x, state0, p, G, reverse, lengths)
    ref_states, ref_grads = reference_run(kind, nonlinearity, x, state0, p, G, reverse,
                                          lengths)
    assert states.shape == ref_states.shape and states.dtype == np.float64
    assert_close(states, ref_states, "states")
    assert sorted(grads) == sorted(ref_grads)
    for name, ref in ref_grads.items():
        assert np.abs(ref).max() > 1e-3, name  # every gradient is exercised
        assert_close(grads[name], ref, name)


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("lengths", list(LENGTHS), ids=list(LENGTHS))
def test_every_state_and_gradient_match_the_reference(kind, nonlinearity, proj, reverse,
                                                      lengths):
    check_against_reference(kind, nonlinearity, proj, reverse, LENGTHS[lengths])


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_without_bias_matches_the_reference(kind, nonlinearity, proj, reverse):
    check_against_reference(kind, nonlinearity, proj, reverse, [4, 2, 1], bias=False)


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
@pytest.mark.parametrize("shape,lengths", [((1, 1), None), ((1, 3), None), ((5, 1), [3]),
                                           ((5, 1), None)],
                         ids=["T1-N1", "T1-N3", "N1-padded", "N1"])
def test_single_step_and_single_sequence_match_the_reference(kind, nonlinearity, proj,
                                                             shape, lengths):
    check_against_reference(kind, nonlinearity, proj, True, lengths, T=shape[0], N=shape[1])
    check_against_reference(kind, nonlinearity, proj, False, lengths, T=shape[0], N=shape[1])


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
def test_zero_initial_state_matches_the_reference(kind, nonlinearity, proj):
    check_against_reference(kind, nonlinearity, proj, False, [3, 1, 4], zero_state=True)


# ------------------------------------------------- minigrad's unrolled path
def make_layer(kind, nonlinearity, proj, bias, bidirectional=True):
    if kind == "rnn":
        return RNN(F, H, nonlinearity=nonlinearity, bias=bias, bidirectional=bidirectional)
    if kind == "lstm":
        return LSTM(F, H, bias=bias, bidirectional=bidirectional, proj_size=proj)
    return GRU(F, H, bias=bias, bidirectional=bidirectional)


def layer_params(layer, direction):
    """The kernel's params dict for one direction of a one-layer models.* layer."""
    sd = layer.state_dict()
    suffix = "_l0_reverse" if direction else "_l0"
    return {short: sd.get(full + suffix) for short, full in REF_NAMES.items()}


def state_gradient(A_d, B_d, valid, reverse):
    """g_states for outputs = states[..., :H_out] * valid and final = states[T-1] (or
    [0] in reverse): the layer's loss sum(A * out) + sum(B * final), through `states`."""
    T = A_d.shape[0]
    g = np.zeros(A_d.shape[:2] + (B_d.shape[-1],))
    g[..., :A_d.shape[-1]] = A_d * (1 if valid is None else valid)
    g[0 if reverse else T - 1] += B_d
    return g


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
@pytest.mark.parametrize("lengths", ["full", "ragged"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
def test_both_directions_match_the_unrolled_bidirectional_layer(kind, nonlinearity, proj,
                                                                 lengths, bias):
    """models.* today runs the unroll loop: one kernel call per direction gives its
    outputs, h_n, c_n and every gradient (x, hx, parameters)."""
    lengths = LENGTHS[lengths]
    rng = np.random.default_rng(1)
    layer = make_layer(kind, nonlinearity, proj, bias)
    H_out = proj or H
    sizes = (H_out, H) if kind == "lstm" else (H_out,)
    x_np = rng.normal(size=(T, N, F))
    hx_np = [rng.normal(size=(2, N, s)) for s in sizes]
    x = mg.tensor(x_np, requires_grad=True)
    hx = [mg.tensor(h, requires_grad=True) for h in hx_np]
    out, final = layer(x, tuple(hx) if kind == "lstm" else hx[0], lengths=lengths)
    final = final if kind == "lstm" else (final,)
    A = rng.normal(size=out.shape)
    B = [rng.normal(size=f.shape) for f in final]
    loss = (out * mg.tensor(A)).sum()
    for f, b in zip(final, B):
        loss = loss + (f * mg.tensor(b)).sum()
    loss.backward()

    valid = valid_of(lengths)
    named = dict(layer.named_parameters())
    g_x = np.zeros_like(x_np)
    for d in (0, 1):
        p = layer_params(layer, d)
        states, saved = fk.forward(kind, x_np, tuple(h[d] for h in hx_np), p,
                                   reverse=bool(d), valid=valid, nonlinearity=nonlinearity)
        outputs = states[..., :H_out] * (1 if valid is None else valid)
        assert_close(outputs, out.data[..., d * H_out:(d + 1) * H_out], "outputs")
        assert_close(states[T - 1 if d == 0 else 0],
                     np.concatenate([f.data[d] for f in final], axis=-1), "final state")
        g = state_gradient(A[..., d * H_out:(d + 1) * H_out],
                           np.concatenate([b[d] for b in B], axis=-1), valid, bool(d))
        grads = fk.backward(kind, g, saved)
        g_x += grads["x"]
        for short, full in REF_NAMES.items():
            name = full + ("_l0_reverse" if d else "_l0")
            assert (short in grads) == (name in named), name
            if name in named:
                assert_close(grads[short], named[name].grad.data, name)
        for part, h in zip(("h0", "c0"), hx):
            assert_close(grads[part], h.grad.data[d], part)
    assert_close(g_x, x.grad.data, "x")


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("lengths", ["full", "ragged"])
def test_recurrent_dropout_mask_matches_unroll_with_the_same_mask(kind, nonlinearity, proj,
                                                                  reverse, lengths):
    """recurrent_mask multiplies h_{t-1} into W_hh only, as `unroll(recurrent_mask=)`."""
    lengths = LENGTHS[lengths]
    rng = np.random.default_rng(2)
    cell = make_layer(kind, nonlinearity, proj, True, bidirectional=False).cells[0][0]
    H_out = proj or H
    sizes = (H_out, H) if kind == "lstm" else (H_out,)
    x_np = rng.normal(size=(T, N, F))
    state_np = [rng.normal(size=(N, s)) for s in sizes]
    mask_np = (rng.random((N, H_out)) >= 0.4) / 0.6
    x = mg.tensor(x_np, requires_grad=True)
    state = [mg.tensor(s, requires_grad=True) for s in state_np]
    outputs, states = unroll(cell, x, tuple(state), reverse=reverse,
                             valid=valid_masks(lengths, T, N), recurrent_mask=mg.tensor(mask_np))
    final = states[0 if reverse else -1]
    out = mg.stack(outputs)
    A = rng.normal(size=out.shape)
    B = rng.normal(size=(N, sum(sizes)))
    loss = (out * mg.tensor(A)).sum() + (mg.concat(list(final), axis=-1) * mg.tensor(B)).sum()
    loss.backward()

    params = {short: getattr(cell, name, None) for short, name in REF_NAMES.items()}
    p = {short: None if param is None else param.data for short, param in params.items()}
    valid = valid_of(lengths)
    states, saved = fk.forward(kind, x_np, tuple(state_np), p, reverse=reverse, valid=valid,
                               recurrent_mask=mask_np, nonlinearity=nonlinearity)
    assert_close(states[..., :H_out] * (1 if valid is None else valid), out.data, "outputs")
    assert_close(states[0 if reverse else T - 1],
                 np.concatenate([f.data for f in final], axis=-1), "final state")
    grads = fk.backward(kind, state_gradient(A, B, valid, reverse), saved)
    assert_close(grads["x"], x.grad.data, "x")
    for part, s in zip(("h0", "c0"), state):
        assert_close(grads[part], s.grad.data, part)
    for short, param in params.items():
        if param is not None:
            assert_close(grads[short], param.grad.data, short)


# ------------------------------------------------------ finite differences
@pytest.mark.parametrize("kind,nonlinearity,proj", [c[:2] + (min(c[2], 1),) for c in CASES],
                         ids=IDS)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_backward_matches_finite_differences(kind, nonlinearity, proj, reverse):
    """Independent of every reference: lengths, a recurrent mask and every input."""
    x, state0, p, G = make_case(kind, proj, T=3, N=2, F=2, H=2, seed=3)
    valid = valid_of([3, 1], T=3)
    mask = np.array([[1.5, 0.0], [0.0, 1.5]])[:, :proj or 2]

    def loss():
        states, _ = fk.forward(kind, x, state0, p, reverse=reverse, valid=valid,
                               recurrent_mask=mask, nonlinearity=nonlinearity, save=False)
        return float((G * states).sum())

    _, saved = fk.forward(kind, x, state0, p, reverse=reverse, valid=valid,
                          recurrent_mask=mask, nonlinearity=nonlinearity)
    grads = fk.backward(kind, G, saved)
    inputs = {"x": x, "h0": state0[0], **{k: v for k, v in p.items() if v is not None}}
    if kind == "lstm":
        inputs["c0"] = state0[1]
    assert sorted(grads) == sorted(inputs)
    for name, a in inputs.items():
        numeric = central_difference(loss, a)
        assert np.abs(numeric).max() > 1e-3, name
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-8, err_msg=name)


# ----------------------------------------------------------------- float32
@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_float32_agrees_with_float64_to_float32_rounding(kind, nonlinearity, proj, reverse):
    """The same float32 numbers run in float32 and in float64 (float64 = "exact").

    Bound, normwise relative (max |a32 - a64| / max |a64|), in units of u = 2^-24:
    a sum of K terms rounds to within K*u (the classic dot-product bound). A state
    sums K = F + H_out + 4 terms per step; with PyTorch's init (U(+-1/sqrt(H))) the
    recurrence contracts, so the errors of earlier steps do not grow along T. A weight
    gradient sums T*N products: K = T*N + F + H. (Observed: <= 6u and <= 22u.)
    """
    T32, N32, F32, H32 = 30, 4, 8, 16
    x, state0, p, G = make_case(kind, proj, T=T32, N=N32, F=F32, H=H32, seed=4,
                                bound=1 / np.sqrt(H32))
    rng = np.random.default_rng(4)
    valid = valid_of(rng.integers(1, T32 + 1, N32), T=T32)
    mask = ((rng.random((N32, proj or H32)) > 0.3) / 0.7)

    def run(dtype):
        cast = (lambda a: None if a is None else a.astype(np.float32).astype(dtype))
        states, saved = fk.forward(kind, cast(x), tuple(map(cast, state0)),
                                   {k: cast(v) for k, v in p.items()}, reverse=reverse,
                                   valid=valid, recurrent_mask=cast(mask),
                                   nonlinearity=nonlinearity)
        return {"states": states, **fk.backward(kind, cast(G), saved)}

    single, double = run(np.float32), run(np.float64)
    u = 2.0 ** -24
    for name, exact in double.items():
        assert single[name].dtype == np.float32, name
        K = F32 + (proj or H32) + 4 if name == "states" else T32 * N32 + F32 + H32
        error = np.abs(single[name] - exact).max() / np.abs(exact).max()
        assert error <= K * u, f"{name}: {error / u:.1f} u > {K} u"


# --------------------------------------------------------------- behaviour
def test_save_false_gives_the_same_states_and_nothing_to_backpropagate():
    x, state0, p, _ = make_case("lstm", 2)
    valid = valid_of([3, 1, 4])
    states, saved = fk.forward("lstm", x, state0, p, valid=valid)
    lean, nothing = fk.forward("lstm", x, state0, p, valid=valid, save=False)
    np.testing.assert_array_equal(lean, states)
    assert nothing is None
    with pytest.raises(ValueError, match="save=True"):
        fk.backward("lstm", np.ones_like(states), nothing)


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
def test_needs_computes_only_the_gradients_asked_for(kind, nonlinearity, proj):
    x, state0, p, G = make_case(kind, proj)
    _, saved = fk.forward(kind, x, state0, p, valid=valid_of([3, 1, 4]),
                          nonlinearity=nonlinearity)
    every = fk.backward(kind, G, saved)
    for wanted in ({"w_hh"}, {"x", "b_hh"}, {"h0"}, {"b_hh"}, set()):
        some = fk.backward(kind, G, saved, needs=wanted)
        assert sorted(some) == sorted(wanted)
        for name, g in some.items():
            np.testing.assert_array_equal(g, every[name], err_msg=name)


@pytest.mark.parametrize("kind,nonlinearity,proj", CASES, ids=IDS)
def test_kernels_leave_their_inputs_unchanged(kind, nonlinearity, proj):
    """forward reads x, state0, params; backward reads g_states and saved: twice in a
    row gives the same gradients."""
    x, state0, p, G = make_case(kind, proj)
    copies = [a.copy() for a in (x, G, *state0, *(v for v in p.values() if v is not None))]
    states, saved = fk.forward(kind, x, state0, p, reverse=True, valid=valid_of([3, 1, 4]),
                               nonlinearity=nonlinearity)
    before = states.copy()
    first = fk.backward(kind, G, saved)
    second = fk.backward(kind, G, saved)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
    np.testing.assert_array_equal(states, before)
    for a, b in zip(copies, (x, G, *state0, *(v for v in p.values() if v is not None))):
        np.testing.assert_array_equal(a, b)


def test_lengths_all_full_equal_no_lengths():
    x, state0, p, G = make_case("gru")
    a, saved_a = fk.forward("gru", x, state0, p, valid=np.ones((T, N, 1), bool))
    b, saved_b = fk.forward("gru", x, state0, p)
    np.testing.assert_array_equal(a, b)
    for name, g in fk.backward("gru", G, saved_a).items():
        np.testing.assert_array_equal(g, fk.backward("gru", G, saved_b)[name], err_msg=name)


def test_lstm_states_hold_h_then_c():
    """states[..., :H_out] is h (what the layer outputs), states[..., H_out:] is c."""
    x, state0, p, _ = make_case("lstm", 2, T=1)
    states, _ = fk.forward("lstm", x, state0, p)
    gates = x[0] @ p["w_ih"].T + p["b_ih"] + state0[0] @ p["w_hh"].T + p["b_hh"]
    i, f, g, o = np.split(gates, 4, axis=1)
    sig = (lambda a: 1 / (1 + np.exp(-a)))
    c = sig(f) * state0[1] + sig(i) * np.tanh(g)
    assert states.shape == (1, N, 2 + H)
    assert_close(states[0, :, 2:], c)
    assert_close(states[0, :, :2], (sig(o) * np.tanh(c)) @ p["w_hr"].T)


def test_unknown_kind_and_mismatched_backward_are_errors():
    x, state0, p, _ = make_case("rnn")
    with pytest.raises(ValueError, match="kind must be one of"):
        fk.forward("elman", x, state0, p)
    with pytest.raises(ValueError, match="nonlinearity"):
        fk.forward("rnn", x, state0, p, nonlinearity="sigmoid")
    states, saved = fk.forward("rnn", x, state0, p)
    with pytest.raises(ValueError, match="saved values of 'rnn'"):
        fk.backward("gru", np.ones_like(states), saved)
