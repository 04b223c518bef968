"""Independent checks of the tutorial notebooks' key numbers.

tests/test_notebooks.py runs one of these functions in a notebook's kernel after its last
cell, on the notebook's variables (`ns`, its globals). Each recomputes what the notebook
shows with plain Python or numpy (finite differences, a hand-written forward and backward
pass), never with the minigrad function whose output it checks, so that a notebook whose
own `assert` cells were weakened or deleted still fails here when its numbers are wrong.
"""
import math

import numpy as np

EPS = 1e-6      # central differences in float64: error ~ EPS**2, well below the tolerances


def central_difference(f, value):
    return (f(value + EPS) - f(value - EPS)) / (2 * EPS)


def parameters(layer, suffix=""):
    """(W_ih, W_hh, b_ih, b_hh) of a one-layer recurrent layer as float64 numpy arrays."""
    return tuple(getattr(layer, name + suffix).numpy().astype(np.float64)
                 for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))


def weights(layer, suffix=""):
    """(W_ih, W_hh, b_ih + b_hh): what an Elman or LSTM step reads."""
    W_ih, W_hh, b_ih, b_hh = parameters(layer, suffix)
    return W_ih, W_hh, b_ih + b_hh


def elman_states(W_ih, W_hh, b, x, h=None, activation=np.tanh, W_hh_at=None):
    """The states h_t (T, N, H) of h_t = f(x_t W_ih^T + h_{t-1} W_hh^T + b), h_{-1} = h or 0.
    W_hh_at(t) replaces W_hh at step t alone (a per-step copy of the weight)."""
    h = np.zeros((x.shape[1], W_hh.shape[0])) if h is None else h
    states = []
    for t in range(len(x)):
        recurrent = W_hh if W_hh_at is None else W_hh_at(t)
        h = activation(x[t] @ W_ih.T + h @ recurrent.T + b)
        states.append(h)
    return np.stack(states)


def backward_norms(states, W_hh, grad_last, derivative):
    """||dL/dh_t|| for t = 0 .. T-1 when L reads only the last state with dL/dh_{T-1} =
    grad_last: dL/dh_{t-1} = (f'(z_t) * dL/dh_t) W_hh, written out step by step."""
    grad, norms = grad_last, [np.linalg.norm(grad_last)]
    for t in range(len(states) - 1, 0, -1):
        grad = (derivative(states[t]) * grad) @ W_hh
        norms.append(np.linalg.norm(grad))
    return np.array(norms[::-1])


def tanh_derivative(h):
    return 1.0 - h ** 2


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def check_bptt_by_hand(ns):
    """dL/dw_i, dL/dw_h and each step's term, by central differences of the scalar RNN."""
    x, w_i, w_h, w_o, b = ns["x"], ns["w_i"], ns["w_h"], ns["w_o"], ns["b"]

    def loss(w_i_at, w_h_at):             # w_i_at(t), w_h_at(t): the weight read at step t
        o = 0.0
        for t in (1, 2, 3):
            o = math.tanh(x[t] * w_i_at(t) + o * w_h_at(t) + b)
        return -math.log(1.0 / (1.0 + math.exp(-o * w_o)))

    same = lambda value: (lambda t: value)
    assert math.isclose(loss(same(w_i), same(w_h)), ns["loss"].item(), rel_tol=1e-12)
    d_wi = central_difference(lambda v: loss(same(v), same(w_h)), w_i)
    d_wh = central_difference(lambda v: loss(same(w_i), same(v)), w_h)
    assert math.isclose(ns["grad_wi"].item(), d_wi, rel_tol=1e-7), (ns["grad_wi"], d_wi)
    assert math.isclose(ns["grad_wh"].item(), d_wh, rel_tol=1e-7), (ns["grad_wh"], d_wh)
    for step in (1, 2, 3):                 # step t's term: w_i perturbed at step t alone
        only_at = lambda v: (lambda t: v if t == step else w_i)
        term = central_difference(lambda v: loss(only_at(v), same(w_h)), w_i)
        assert math.isclose(ns["paths_wi"][step], term, rel_tol=1e-6), (step, term)
        assert math.isclose(ns["hand_wi"][step], term, rel_tol=1e-6), (step, term)
        assert math.isclose(ns["per_step"][step], term, rel_tol=1e-6), (step, term)


def check_vanishing_exploding(ns):
    """||dL/dh_t|| of the tanh RNN and of the exploding ReLU RNN, by a numpy BPTT."""
    x, v = ns["x"].numpy(), ns["v"].numpy()
    for name, model, activation, derivative in (
            ("tanh RNN", ns["layer"]("RNN"), np.tanh, tanh_derivative),
            ("ReLU RNN, W_hh x 2.5", ns["relu_rnn"](2.5), lambda z: np.maximum(z, 0.0),
             lambda h: (h > 0).astype(np.float64))):
        W_ih, W_hh, b = weights(model)
        states = elman_states(W_ih, W_hh, b, x, activation=activation)
        expected = backward_norms(states, W_hh, v, derivative)
        shown = {**ns["vanishing"], **ns["exploding"]}[name]
        assert np.allclose(shown, expected, rtol=1e-9, atol=0), name
    assert ns["norm_clip"][0] == ns["norm_plain"][0]          # the same first batch


def lstm_reference(layer, x):
    """PyTorch's LSTM equations in numpy: {name: (T, N, H)} of i, f, g, o, c, h."""
    W_ih, W_hh, b = weights(layer)
    H = W_hh.shape[1]
    h = c = np.zeros((x.shape[1], H))
    found = {name: [] for name in "ifgohc"}
    for x_t in x:
        z = x_t @ W_ih.T + h @ W_hh.T + b
        i, f, o = sigmoid(z[:, :H]), sigmoid(z[:, H:2 * H]), sigmoid(z[:, 3 * H:])
        g = np.tanh(z[:, 2 * H:3 * H])
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in zip("ifgohc", (i, f, g, o, h, c)):
            found[name].append(value)
    return {name: np.stack(values) for name, values in found.items()}


def gru_reference(layer, x):
    """PyTorch's GRU equations in numpy: {name: (T, N, H)} of r, z, n, h."""
    W_ih, W_hh, b_ih, b_hh = parameters(layer)
    H = W_hh.shape[1]
    h = np.zeros((x.shape[1], H))
    found = {name: [] for name in "rznh"}
    for x_t in x:
        a, u = x_t @ W_ih.T + b_ih, h @ W_hh.T + b_hh
        r, z = sigmoid(a[:, :H] + u[:, :H]), sigmoid(a[:, H:2 * H] + u[:, H:2 * H])
        n = np.tanh(a[:, 2 * H:] + r * u[:, 2 * H:])
        h = (1.0 - z) * n + z * h
        for name, value in zip("rznh", (r, z, n, h)):
            found[name].append(value)
    return {name: np.stack(values) for name, values in found.items()}


def check_lstm_gru_gates(ns):
    """The gate and state values drawn in the heatmaps, against the cells' equations."""
    x = ns["x_pair"].numpy().astype(np.float64)
    for shown, expected in ((ns["lstm_values"], lstm_reference(ns["lstm"], x)),
                            (ns["gru_values"], gru_reference(ns["gru"], x))):
        assert sorted(shown) == sorted(expected)
        for name in expected:             # float32 models: float32 tolerances
            assert np.allclose(shown[name], expected[name], rtol=1e-4, atol=1e-5), name


def check_truncated_bptt(ns):
    """Full BPTT's per-step terms and the chunk's gradient, by central differences of a
    numpy forward, with W_hh perturbed at one step alone or in the chunk alone."""
    rnn, head, T, k = ns["rnn"], ns["head"], ns["T"], ns["k"]
    W_ih, W_hh, b = weights(rnn)
    x, y = ns["x"].numpy(), ns["y"].numpy()
    W_out, b_out = head.weight.numpy(), head.bias.numpy()
    carried_in = ns["carried_in"].numpy()[0]

    def loss(states, targets):
        return ((states @ W_out.T + b_out - targets) ** 2).mean()

    def full_loss(W_hh_at):
        return loss(elman_states(W_ih, W_hh, b, x, W_hh_at=W_hh_at)[T - k:], y[T - k:])

    def chunk_loss(W_chunk):
        return loss(elman_states(W_ih, W_chunk, b, x[T - k:], h=carried_in), y[T - k:])

    assert np.isclose(full_loss(None), ns["loss_full"].item(), rtol=1e-12)
    assert np.allclose(elman_states(W_ih, W_hh, b, x)[T - k - 1], carried_in, rtol=1e-12)
    for step in range(T):
        term, chunk_grad = np.zeros_like(W_hh), np.zeros_like(W_hh)
        for index in np.ndindex(W_hh.shape):
            def perturbed(value):
                W = W_hh.copy()
                W[index] = value
                return W
            term[index] = central_difference(
                lambda v: full_loss(lambda t: perturbed(v) if t == step else W_hh), W_hh[index])
            if step == 0:
                chunk_grad[index] = central_difference(lambda v: chunk_loss(perturbed(v)),
                                                       W_hh[index])
        assert np.allclose(ns["full_terms"][step], term, rtol=1e-5, atol=1e-10), step
        if step == 0:
            assert np.allclose(ns["truncated_grad"], chunk_grad, rtol=1e-5, atol=1e-10)


def check_bidirectional(ns):
    """||dL/dh_t|| of each direction, by a numpy forward and backward of both directions."""
    birnn, m, H = ns["birnn"], ns["m"], ns["H"]
    x, v = ns["x"].numpy(), ns["v"].numpy()
    forward_weights, reverse_weights = weights(birnn), weights(birnn, "_reverse")
    forward_states = elman_states(*forward_weights, x)
    reverse_states = elman_states(*reverse_weights, x[::-1])[::-1]   # reverse_states[t]: step t
    out = ns["out"].numpy()
    assert np.allclose(out, np.concatenate([forward_states, reverse_states], axis=-1),
                       rtol=1e-12)
    expected_forward = np.zeros(len(x))
    expected_forward[:m + 1] = backward_norms(forward_states[:m + 1], forward_weights[1],
                                              v[:, :H], tanh_derivative)
    expected_reverse = np.zeros(len(x))   # back in the reverse direction's time: t = m .. T-1
    expected_reverse[m:] = backward_norms(reverse_states[m:][::-1], reverse_weights[1],
                                          v[:, H:], tanh_derivative)[::-1]
    assert np.allclose(ns["forward"], expected_forward, rtol=1e-9, atol=0)
    assert np.allclose(ns["reverse"], expected_reverse, rtol=1e-9, atol=0)


def check_attention(ns):
    """The tasks are what the notebook says, the weights are distributions, and the exact
    match it prints is the share of decoded strings equal to their target."""
    X_test, y_test, X_sort, y_sort = ns["X_test"], ns["y_test"], ns["X_sort"], ns["y_sort"]
    assert np.array_equal(y_test, X_test[:, ::-1]) and np.array_equal(y_sort, np.sort(X_sort))
    for model, X, y, accuracy in ((ns["model"], X_test, y_test, ns["accuracy"]),
                                  (ns["sorter"], X_sort, y_sort, ns["sort_accuracy"])):
        ids, attention = model.greedy_decode(ns["mg"].tensor(X), ns["LENGTH"])
        attention = np.asarray(attention)
        assert attention.shape == (len(X), ns["LENGTH"], X.shape[1])
        assert np.all(attention >= 0) and np.allclose(attention.sum(axis=-1), 1.0, atol=1e-5)
        assert math.isclose(accuracy, (np.asarray(ids) == y).all(axis=1).mean())


CHECKS = {
    "01_bptt_by_hand": check_bptt_by_hand,
    "02_vanishing_exploding": check_vanishing_exploding,
    "03_lstm_gru_gates": check_lstm_gru_gates,
    "04_truncated_bptt": check_truncated_bptt,
    "05_bidirectional": check_bidirectional,
    "06_attention": check_attention,
}
