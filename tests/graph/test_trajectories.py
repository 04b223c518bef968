"""The hidden-state view's data: a layer's states and gates read by their roles, against
cells written out in numpy; gate saturation and the choice of units by hand."""
import numpy as np
import pytest

import minigrad as mg
import models


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def numpy_lstm(xs, w_ih, w_hh, b_ih, b_hh):
    """{name: (T, N, H)} of a PyTorch LSTM layer (gate order i, f, g, o), from h0 = c0 = 0."""
    H = w_hh.shape[1]
    h = c = np.zeros((xs.shape[1], H))
    found = {name: [] for name in "hcifgo"}
    for x in xs:
        a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), \
            sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip("hcifgo", (h, c, i, f, g, o)):
            found[name].append(value)
    return {name: np.stack(values) for name, values in found.items()}


def numpy_gru(xs, w_ih, w_hh, b_ih, b_hh):
    H = w_hh.shape[1]
    h = np.zeros((xs.shape[1], H))
    found = {name: [] for name in "hrzn"}
    for x in xs:
        gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r = sigmoid(gi[:, :H] + gh[:, :H])
        z = sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        for name, value in zip("hrzn", (h, r, z, n)):
            found[name].append(value)
    return {name: np.stack(values) for name, values in found.items()}


def weights(layer, suffix="_l0"):
    return [getattr(layer, f"{k}{suffix}").data.astype(np.float64)
            for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


@pytest.mark.parametrize("kind, reference, names", [
    ("LSTM", numpy_lstm, ("h", "c", "i", "f", "g", "o")),
    ("GRU", numpy_gru, ("h", "r", "z", "n"))])
def test_states_and_gates_equal_the_cell_written_in_numpy(kind, reference, names):
    mg.manual_seed(0)
    layer = getattr(models, kind)(3, 4).double()
    xs = np.random.default_rng(0).normal(size=(6, 2, 3))
    out, _ = layer(mg.tensor(xs, dtype=mg.float64))
    found = mg.bptt.state_trajectories(layer)
    assert tuple(found.values) == names and found.steps == tuple(range(6))
    assert found.run[1:] == (0, "forward")
    expected = reference(xs, *weights(layer))
    for name in names:
        assert found.values[name].shape == (6, 2, 4)
        np.testing.assert_allclose(found.values[name], expected[name], rtol=1e-12, err_msg=name)
    assert found.gates == names[1 + (kind == "LSTM"):]
    # the output given instead of the layer reads the same forward
    np.testing.assert_array_equal(mg.bptt.state_trajectories(out).values["f" if kind == "LSTM"
                                                                        else "z"],
                                  found.values["f" if kind == "LSTM" else "z"])


def test_a_bidirectional_layer_gives_one_direction_at_a_time():
    mg.manual_seed(1)
    lstm = models.LSTM(2, 3, bidirectional=True).double()
    xs = np.random.default_rng(1).normal(size=(5, 1, 2))
    out = lstm(mg.tensor(xs, dtype=mg.float64))  # noqa: F841  (keeps the forward alive)
    with pytest.raises(ValueError, match="the layer is bidirectional; pass direction="):
        mg.bptt.state_trajectories(lstm)
    reverse = mg.bptt.state_trajectories(lstm, direction="reverse")
    expected = numpy_lstm(xs[::-1], *weights(lstm, "_l0_reverse"))
    for name in "hcifgo":           # the reverse run reads x_4 first; step t is input t
        np.testing.assert_allclose(reverse.values[name], expected[name][::-1], rtol=1e-12)
    assert reverse.run[2] == "reverse"


def test_a_tanh_rnn_has_a_hidden_state_and_no_gates():
    rnn = models.RNN(2, 3)
    out = rnn(mg.randn(4, 1, 2))  # noqa: F841  (keeps the forward alive)
    found = mg.bptt.state_trajectories(rnn)
    assert list(found.values) == ["h"] and found.gates == ()
    with pytest.raises(ValueError, match="gate_saturation: no sigmoid gate among h"):
        mg.bptt.gate_saturation(found)


def test_a_fused_layer_is_read_through_its_unrolled_decomposition():
    from tests.graph.toy_fused_layer import toy_fused_layer

    def numpy_step(x, h, w):
        z = sigmoid(x + h @ w.T)
        return z * h + (1 - z) * np.tanh(x)

    def step(x, h, w):
        z = mg.mark((x + h @ w.T).sigmoid(), "gate", "z")
        return z * h + (1 - z) * x.tanh()
    layer = toy_fused_layer("test_gated_layer", numpy_step, step)

    rng = np.random.default_rng(4)
    xs, ws = rng.normal(size=(5, 2, 3)), rng.normal(size=(3, 3))
    x = mg.tensor(xs, requires_grad=True, dtype=mg.float64)
    out = layer(x, mg.tensor(ws, requires_grad=True, dtype=mg.float64))
    assert out.op == "test_gated_layer"                      # one fused node
    found = mg.bptt.state_trajectories(out)
    h, zs, hs = np.zeros((2, 3)), [], []
    for t in range(5):
        z = sigmoid(xs[t] + h @ ws.T)
        h = z * h + (1 - z) * np.tanh(xs[t])
        zs.append(z)
        hs.append(h)
    np.testing.assert_allclose(found.values["z"], zs, rtol=1e-12)
    np.testing.assert_allclose(found.values["h"], hs, rtol=1e-12)


def test_gate_saturation_counts_the_steps_beyond_the_thresholds():
    f = np.array([[[0.05, 0.5]], [[0.95, 0.5]], [[0.02, 0.99]], [[0.5, 0.91]]])   # (T, N, H)
    g = np.array([[[-0.95, 0.0]], [[0.5, 0.0]], [[-0.85, 0.0]], [[0.99, 0.0]]])
    result = mg.bptt.gate_saturation({"f": f, "g": g, "h": f})
    assert list(result) == ["f"]                         # the sigmoid gates by default
    closed, opened = result["f"]
    np.testing.assert_allclose(closed, [2 / 4, 0])
    np.testing.assert_allclose(opened, [1 / 4, 2 / 4])
    closed, opened = mg.bptt.gate_saturation({"g": g}, gates=["g"])["g"]   # on (g + 1) / 2
    np.testing.assert_allclose(closed, [2 / 4, 0])       # -0.95, -0.85 are below -0.8
    np.testing.assert_allclose(opened, [1 / 4, 0])
    closed, _ = mg.bptt.gate_saturation({"f": f}, low=0.03)["f"]
    np.testing.assert_allclose(closed, [1 / 4, 0])
    with pytest.raises(ValueError, match="need 0 <= low < high <= 1"):
        mg.bptt.gate_saturation({"f": f}, low=0.9, high=0.1)
    with pytest.raises(ValueError, match="'h' is not a gate of the values given"):
        mg.bptt.gate_saturation({"f": f, "h": f}, gates=["h"])


def test_pick_units_by_variance_by_saturation_or_by_index():
    rng = np.random.default_rng(0)
    spread = np.array([0.1, 2.0, 0.5, 1.0])
    values = rng.normal(size=(50, 3, 4)) * spread           # unit 1 varies most, then 3, 2
    np.testing.assert_array_equal(mg.bptt.pick_units(values, count=3), [1, 3, 2])
    saturated = np.zeros((10, 3))
    saturated[:, 2] = 0.95                                  # always near the top
    saturated[:4, 0] = -0.99                                # 4 of 10 steps near the bottom
    np.testing.assert_array_equal(mg.bptt.pick_units(saturated, "saturation", 2), [2, 0])
    np.testing.assert_array_equal(mg.bptt.pick_units(values, [3, 0]), [3, 0])
    assert len(mg.bptt.pick_units(values, count=99)) == 4
    with pytest.raises(ValueError, match=r"units must be indices in \[0, 4\), got \[4\]"):
        mg.bptt.pick_units(values, [4])
    with pytest.raises(ValueError, match="by must be 'variance', 'saturation' or a list"):
        mg.bptt.pick_units(values, "largest")
