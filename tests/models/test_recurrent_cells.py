"""RNNCell / LSTMCell / GRUCell: parameter names and shapes, equations, gradcheck."""
import numpy as np
import pytest

import minigrad as mg
from models import GRUCell, LSTMCell, RNNCell

H_IN, H, N = 3, 2, 2


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def numpy_cell(kind, x, h, c, p):
    """The cell equations, written directly from PyTorch's documentation."""
    gi = x @ p["weight_ih"].T + p["bias_ih"]
    gh = h @ p["weight_hh"].T + p["bias_hh"]
    if kind == "rnn_tanh":
        return np.tanh(gi + gh), None
    if kind == "rnn_relu":
        return np.maximum(gi + gh, 0), None
    if kind == "lstm":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c_new), c_new
    r = sigmoid(gi[..., :H] + gh[..., :H])
    z = sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
    n = np.tanh(gi[..., 2 * H:] + r * gh[..., 2 * H:])
    return (1 - z) * n + z * h, None


def make(kind):
    if kind.startswith("rnn"):
        return RNNCell(H_IN, H, nonlinearity=kind[4:])
    return {"lstm": LSTMCell, "gru": GRUCell}[kind](H_IN, H)


KINDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


@pytest.mark.parametrize("kind", KINDS)
def test_parameter_names_shapes_and_init_range(kind):
    cell = make(kind)
    G = GATES[kind]
    shapes = {n: p.shape for n, p in cell.named_parameters()}
    assert shapes == {"weight_ih": (G * H, H_IN), "weight_hh": (G * H, H),
                      "bias_ih": (G * H,), "bias_hh": (G * H,)}
    for p in cell.parameters():
        assert np.abs(p.data).max() <= 1 / np.sqrt(H)
        assert p.dtype == np.float64


def test_init_draws_from_the_minigrad_generator():
    mg.manual_seed(7)
    a = LSTMCell(H_IN, H).weight_ih.data.copy()
    mg.manual_seed(7)
    b = LSTMCell(H_IN, H).weight_ih.data
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batched", [True, False])
def test_cell_matches_equations(kind, batched):
    cell = make(kind)
    p = {n: q.data for n, q in cell.named_parameters()}
    rng = np.random.default_rng(1)
    shape = (N,) if batched else ()
    x, h, c = (rng.normal(size=shape + (s,)) for s in (H_IN, H, H))
    h_ref, c_ref = numpy_cell(kind, x, h, c, p)
    if kind == "lstm":
        h_new, c_new = cell(mg.tensor(x), (mg.tensor(h), mg.tensor(c)))
        np.testing.assert_allclose(c_new.data, c_ref, rtol=0, atol=1e-12)
    else:
        h_new = cell(mg.tensor(x), mg.tensor(h))
    np.testing.assert_allclose(h_new.data, h_ref, rtol=0, atol=1e-12)
    assert h_new.shape == shape + (H,)


@pytest.mark.parametrize("kind", KINDS)
def test_hx_defaults_to_zeros(kind):
    cell = make(kind)
    x = mg.randn(N, H_IN)
    zeros = mg.zeros(N, H)
    explicit = cell(x, (zeros, zeros) if kind == "lstm" else zeros)
    implicit = cell(x)
    if kind == "lstm":
        np.testing.assert_array_equal(explicit[0].data, implicit[0].data)
        np.testing.assert_array_equal(explicit[1].data, implicit[1].data)
    else:
        np.testing.assert_array_equal(explicit.data, implicit.data)


@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_cell(kind):
    cell = make(kind)
    rng = np.random.default_rng(2)
    x = mg.tensor(rng.normal(size=(N, H_IN)), requires_grad=True)
    h = mg.tensor(rng.normal(size=(N, H)), requires_grad=True)
    c = mg.tensor(rng.normal(size=(N, H)), requires_grad=True)
    params = tuple(cell.parameters())

    def fn(x, h, c, *unused_params):  # params are perturbed in place by gradcheck
        return cell(x, (h, c)) if kind == "lstm" else cell(x, h)

    assert mg.gradcheck(fn, (x, h, c) + params)


def test_split_step_equals_call():
    cell = GRUCell(H_IN, H)
    x, h = mg.randn(N, H_IN), mg.randn(N, H)
    output, state = cell.step(cell.input_projection(x), (h,))
    np.testing.assert_array_equal(output.data, cell(x, h).data)
    assert state[0] is output


def test_wrong_shapes_are_named():
    cell = LSTMCell(H_IN, H)
    with pytest.raises(ValueError, match=r"LSTMCell: input x has shape \(2, 5\)"):
        cell(mg.randn(2, 5))
    with pytest.raises(ValueError, match=r"LSTMCell: c has shape \(2, 3\), expected \(2, 2\)"):
        cell(mg.randn(2, H_IN), (mg.randn(2, H), mg.randn(2, 3)))
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNCell(H_IN, H, nonlinearity="sigmoid")


def test_bias_false_has_no_bias_parameters():
    cell = GRUCell(H_IN, H, bias=False)
    assert [n for n, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    p = {n: q.data for n, q in cell.named_parameters()}
    p["bias_ih"] = p["bias_hh"] = np.zeros(3 * H)
    x, h = np.ones((N, H_IN)), np.full((N, H), 0.5)
    np.testing.assert_allclose(cell(mg.tensor(x), mg.tensor(h)).data,
                               numpy_cell("gru", x, h, None, p)[0], atol=1e-12)


def test_cells_and_the_unroll_loop_mark_gates_states_and_initial_states():
    """Roles come from the models (minigrad/roles.py), per step: the LSTM's i, f, g, o
    gates and h, c states, the GRU's r, z, n, and the zero start as h0 (c0)."""
    import models
    from minigrad.graph.capture import trace
    for layer, gates, states in ((models.LSTM, "ifgo", "hc"), (models.GRU, "rzn", "h"),
                                 (models.RNN, "", "h")):
        mg.manual_seed(0)
        out, _ = layer(3, 4)(mg.randn(5, 2, 3))
        graph = trace(out.sum())
        found = {}
        for node_id in graph.nodes:
            role = graph.tensor(node_id).role
            if role is not None:
                found.setdefault(role, set()).add(graph.nodes[node_id]["time_step"])
        expected = {("gate", g): set(range(5)) for g in gates}
        expected.update({("state", s): set(range(5)) for s in states})
        expected.update({("initial_state", s + "0"): {None} for s in states})
        assert found == expected, layer.__name__


def test_a_loss_function_marks_its_result_as_the_loss():
    from minigrad.nn import functional as F
    x = mg.randn(4, 3, requires_grad=True)
    assert F.mse_loss(x, mg.zeros(4, 3)).role == ("loss", "loss")
    assert F.cross_entropy(x, mg.tensor([0, 1, 2, 0])).role == ("loss", "loss")
    assert F.cross_entropy(x, mg.tensor([0, 1, 2, 0]), label_smoothing=0.1).role == \
        ("loss", "loss")
    assert F.mse_loss(x, mg.zeros(4, 3), reduction="none").role is None
