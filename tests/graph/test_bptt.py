"""BPTT analysis checked against hand-written backward passes in plain numpy."""
import numpy as np
import pytest

import minigrad as mg
import models

XS = [0.5, -1.0, 2.0]
H0 = 0.3
W_HH, W_XH = 0.8, -0.6


def scalar_rnn(xs=XS, h0=H0, w_hh=W_HH, w_xh=W_XH):
    """h_t = tanh(w_hh * h_{t-1} + w_xh * x_t) for t = 1..T, step t in scope "t{t-1}"."""
    w_hh = mg.tensor(w_hh, requires_grad=True, dtype=mg.float64)
    w_xh = mg.tensor(w_xh, requires_grad=True, dtype=mg.float64)
    h = mg.tensor(h0, dtype=mg.float64)
    states = []
    for t, x in enumerate(xs):
        with mg.name_scope(f"t{t}"):
            h = (w_hh * h + w_xh * x).tanh()
        states.append(h)
    return w_hh, w_xh, states


def scalar_bptt_by_hand(xs=XS, h0=H0, w_hh=W_HH, w_xh=W_XH):
    """Loss = h_T. Returns per-step terms for w_hh and w_xh and dL/dh_t, in numpy."""
    hs = [h0]
    for x in xs:
        hs.append(np.tanh(w_hh * hs[-1] + w_xh * x))
    T = len(xs)
    d_hh, d_xh, d_h = np.zeros(T), np.zeros(T), np.zeros(T)
    dh = 1.0
    for t in reversed(range(T)):          # step t computes hs[t + 1] from hs[t]
        d_h[t] = dh
        delta = dh * (1.0 - hs[t + 1] ** 2)
        d_hh[t] = delta * hs[t]
        d_xh[t] = delta * xs[t]
        dh = delta * w_hh
    return d_hh, d_xh, d_h


def test_per_step_grads_scalar_rnn_match_hand_bptt():
    w_hh, w_xh, states = scalar_rnn()
    loss = states[-1]
    expected_hh, expected_xh, _ = scalar_bptt_by_hand()
    terms_hh = mg.bptt.per_step_grads(loss, w_hh)
    terms_xh = mg.bptt.per_step_grads(loss, w_xh)
    assert terms_hh.shape == (3,) and terms_xh.shape == (3,)
    np.testing.assert_allclose(terms_hh, expected_hh, rtol=1e-12)
    np.testing.assert_allclose(terms_xh, expected_xh, rtol=1e-12)
    # the graph was retained: the ordinary backward still works and agrees
    loss.backward()
    assert w_hh.grad.item() == pytest.approx(terms_hh.sum(), rel=1e-12)
    assert w_xh.grad.item() == pytest.approx(terms_xh.sum(), rel=1e-12)


def vector_rnn(T=5, H=3, D=2, seed=0):
    rng = np.random.default_rng(seed)
    params = {"W_ih": rng.normal(size=(H, D)) * 0.7, "W_hh": rng.normal(size=(H, H)) * 0.7,
              "b": rng.normal(size=H) * 0.1}
    xs = rng.normal(size=(T, D))
    v = rng.normal(size=H)
    return params, xs, v


def run_vector_rnn(params, xs, v):
    W_ih = mg.tensor(params["W_ih"], requires_grad=True)
    W_hh = mg.tensor(params["W_hh"], requires_grad=True)
    b = mg.tensor(params["b"], requires_grad=True)
    h = mg.zeros(W_hh.shape[0], dtype=mg.float64)
    states = []
    for t, x in enumerate(xs):
        with mg.name_scope("rnn"), mg.name_scope(f"t{t}"):
            h = (W_ih @ mg.tensor(x) + W_hh @ h + b).tanh()
        states.append(h)
    loss = (states[-1] * mg.tensor(v)).sum()
    return (W_ih, W_hh, b), states, loss


def vector_bptt_by_hand(params, xs, v):
    """Loss = v . h_T. Returns (per-step dW_hh terms (T, H, H), dL/dh_t (T, H))."""
    hs = [np.zeros(params["W_hh"].shape[0])]
    for x in xs:
        hs.append(np.tanh(params["W_ih"] @ x + params["W_hh"] @ hs[-1] + params["b"]))
    T = len(xs)
    terms = np.zeros((T,) + params["W_hh"].shape)
    d_h = np.zeros((T, len(v)))
    dh = v.copy()
    for t in reversed(range(T)):
        d_h[t] = dh
        delta = dh * (1.0 - hs[t + 1] ** 2)
        terms[t] = np.outer(delta, hs[t])
        dh = params["W_hh"].T @ delta
    return terms, d_h


def test_per_step_grads_vector_rnn_match_hand_bptt_and_sum_to_gradient():
    params, xs, v = vector_rnn()
    (W_ih, W_hh, b), states, loss = run_vector_rnn(params, xs, v)
    terms = mg.bptt.per_step_grads(loss, W_hh)
    expected, _ = vector_bptt_by_hand(params, xs, v)
    assert terms.shape == (5, 3, 3)
    np.testing.assert_allclose(terms, expected, rtol=1e-10, atol=1e-14)
    (full,) = mg.grad(loss, W_hh, retain_graph=True)
    np.testing.assert_allclose(terms.sum(axis=0), full.data, rtol=1e-10, atol=1e-14)
    # h_0 = 0: step 0 contributes nothing to dW_hh, but it does to the bias
    np.testing.assert_allclose(terms[0], 0.0)
    assert np.abs(mg.bptt.per_step_grads(loss, b)[0]).sum() > 0


def test_per_step_grads_uses_outside_time_steps():
    w = mg.tensor(0.5, requires_grad=True, dtype=mg.float64)
    h = mg.tensor(1.0, dtype=mg.float64)
    for t in range(2):
        with mg.name_scope(f"t{t}"):
            h = (w * h).tanh()
    loss = h * w                       # a use of w outside any time step
    with pytest.raises(ValueError, match="outside"):
        mg.bptt.per_step_grads(loss, w)
    terms = mg.bptt.per_step_grads(loss, w, outside="append")
    assert terms.shape == (3,)
    h1 = np.tanh(0.5)
    h2 = np.tanh(0.5 * h1)
    assert terms[2] == pytest.approx(h2, rel=1e-12)             # d(h w)/dw at fixed h
    (full,) = mg.grad(loss, w)
    assert terms.sum() == pytest.approx(full.item(), rel=1e-12)


def test_per_step_grads_leaves_grad_untouched_and_steps_without_use_are_zero():
    w = mg.tensor(2.0, requires_grad=True, dtype=mg.float64)
    with mg.name_scope("t3"):
        loss = w * w
    terms = mg.bptt.per_step_grads(loss, w)
    np.testing.assert_allclose(terms, [0.0, 0.0, 0.0, 4.0])
    assert w.grad is None


def test_hidden_grad_norms_scalar_and_vector_match_numpy_bptt():
    _, _, states = scalar_rnn()
    _, _, expected = scalar_bptt_by_hand()
    norms = mg.bptt.hidden_grad_norms(states[-1], states)
    np.testing.assert_allclose(norms, np.abs(expected), rtol=1e-12)

    params, xs, v = vector_rnn(T=6, H=4, D=3, seed=1)
    _, states, loss = run_vector_rnn(params, xs, v)
    _, d_h = vector_bptt_by_hand(params, xs, v)
    norms = mg.bptt.hidden_grad_norms(loss, states)
    assert norms.shape == (6,)
    np.testing.assert_allclose(norms, np.linalg.norm(d_h, axis=1), rtol=1e-10)
    # retained graph: a second call gives the same answer
    np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, states), norms)


def test_hidden_grad_norms_unused_state_is_an_error_or_zero_when_allowed():
    x = mg.tensor(1.0, requires_grad=True)
    a, b = x * 2.0, x * 3.0
    with pytest.raises(ValueError, match=r"1 of the 2 states \(first: state 1, shape \(\)\) "
                                         r"do not reach the loss.*allow_unused=True"):
        mg.bptt.hidden_grad_norms(a * 1.5, [a, b])
    np.testing.assert_allclose(mg.bptt.hidden_grad_norms(a * 1.5, [a, b], allow_unused=True),
                               [1.5, 0.0])


def test_enumerate_paths_three_step_rnn():
    w_hh, w_xh, states = scalar_rnn()
    loss = states[-1]
    expected_hh, expected_xh, _ = scalar_bptt_by_hand()
    for weight, expected in ((w_xh, expected_xh), (w_hh, expected_hh)):
        paths = mg.bptt.enumerate_paths(loss, weight)
        # one path per use of the weight: the use at step t reaches h_3 only through
        # h_t -> h_{t+1} -> ... -> h_3, since each h feeds exactly the next step
        assert len(paths) == 3
        products = sorted(p for _, p in paths)
        np.testing.assert_allclose(products, sorted(expected), rtol=1e-12)
        (full,) = mg.grad(loss, weight, retain_graph=True)
        assert sum(p for _, p in paths) == pytest.approx(full.item(), rel=1e-12)
    # each path starts at the weight and ends at the loss; the longest path is the one
    # through step 0: weight -> mul -> add -> tanh, then (mul -> add -> tanh) twice
    graph = mg.trace(loss)
    paths = mg.bptt.enumerate_paths(loss, w_xh, graph=graph)
    for nodes, _ in paths:
        assert nodes[0] == graph.node_id(w_xh) and nodes[-1] == graph.node_id(loss)
    assert sorted(len(nodes) for nodes, _ in paths) == [4, 7, 10]
    assert [graph.nodes[n]["label"] for n in max(paths, key=lambda p: len(p[0]))[0]] == \
        ["w_xh", "mul", "add", "tanh", "mul", "add", "tanh", "mul", "add", "tanh"]


def test_enumerate_paths_counts_parallel_edges():
    x = mg.tensor(1.5, requires_grad=True, dtype=mg.float64)
    b = x + x
    c = b * b
    paths = mg.bptt.enumerate_paths(c, x)
    assert len(paths) == 4                 # 2 edges x->b times 2 edges b->c
    assert all(p == pytest.approx(3.0) for _, p in paths)   # db/dx = 1 times dc/db along one edge = b
    assert sum(p for _, p in paths) == pytest.approx(8 * 1.5)


def test_enumerate_paths_refuses_too_many_and_non_scalar():
    x = mg.tensor(1.0, requires_grad=True, dtype=mg.float64)
    y = x
    for _ in range(4):
        y = y * y                          # 2^4 paths
    assert len(mg.bptt.enumerate_paths(y, x)) == 16
    with pytest.raises(ValueError, match="max_paths"):
        mg.bptt.enumerate_paths(y, x, max_paths=10)
    v = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="scalar"):
        mg.bptt.enumerate_paths((v * v).sum(), v)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_per_step_grads_through_a_recurrent_layer_match_per_step_weight_copies(name):
    """models.* transpose W_hh once before the loop and project the whole input
    sequence with W_ih at once; per_step_grads must still split by time step. The
    reference unrolls one cell per step, each with its own copy of the weights, so
    the gradient of copy t is exactly step t's term."""
    import models
    T, N, D, H = 4, 2, 3, 2
    mg.manual_seed(3)
    layer = getattr(models, name)(D, H).double()
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(T, N, D))
    v = mg.tensor(rng.normal(size=(N, H)))
    output, _ = layer(mg.tensor(xs))
    loss = (output[-1] * v).sum()

    cells = []
    for _ in range(T):
        cell = getattr(models, name + "Cell")(D, H).double()
        cell.load_state_dict({k: layer.state_dict()[k + "_l0"] for k in cell.state_dict()})
        cells.append(cell)
    state = None
    for t, cell in enumerate(cells):
        x_t = mg.tensor(xs[t])
        state = cell(x_t) if state is None else cell(x_t, state)
    h_last = state[0] if isinstance(state, tuple) else state
    reference_loss = (h_last * v).sum()
    assert reference_loss.item() == pytest.approx(loss.item(), rel=1e-12)

    of_the_layer = mg.bptt.per_step_grads(loss, layer)      # the layer itself: every weight
    assert list(of_the_layer) == [name for name, _ in layer.named_parameters()]
    for short in ("weight_hh", "weight_ih", "bias_ih", "bias_hh"):
        terms = mg.bptt.per_step_grads(loss, getattr(layer, short + "_l0"))
        expected = np.stack([g.data for g in mg.grad(
            reference_loss, [getattr(c, short) for c in cells], retain_graph=True)])
        assert terms.shape == expected.shape
        np.testing.assert_allclose(terms, expected, rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(of_the_layer[short + "_l0"], expected, rtol=1e-9,
                                   atol=1e-13)


def test_per_step_grads_two_layer_bidirectional_lstm_sum_to_gradient():
    import models
    mg.manual_seed(0)
    lstm = models.LSTM(3, 2, num_layers=2, bidirectional=True).double()
    output, _ = lstm(mg.tensor(np.random.default_rng(0).normal(size=(5, 2, 3))))
    loss = (output * output).sum()
    for name, param in lstm.named_parameters():
        terms = mg.bptt.per_step_grads(loss, param)
        (full,) = mg.grad(loss, param, retain_graph=True)
        assert terms.shape == (5,) + param.shape, name
        np.testing.assert_allclose(terms.sum(axis=0), full.data, rtol=1e-9, atol=1e-13)
        per_step = np.abs(terms).reshape(5, -1).sum(axis=1)
        if name.startswith("weight_hh"):
            # W_hh multiplies h = 0 at the first step of its direction: no term there
            first = 4 if name.endswith("_reverse") else 0
            assert per_step[first] == 0.0, name
            per_step = np.delete(per_step, first)
        assert np.all(per_step > 0), name


def test_per_step_grads_param_used_directly_and_through_an_untimed_transpose():
    data = np.array([[0.5, -0.2], [0.1, 0.3]])
    h0 = np.array([0.2, 0.4])
    W = mg.tensor(data, requires_grad=True)
    Wt = W.T                               # taken once, outside any time step
    h = mg.tensor(h0)
    for t in range(3):
        with mg.name_scope(f"t{t}"):
            h = (Wt @ h + W @ h).tanh()
    terms = mg.bptt.per_step_grads(h.sum(), W)
    # hand BPTT: pre_t = (W^T + W) h_{t-1}; term_t = outer(h_{t-1}, d) + outer(d, h_{t-1})
    hs = [h0]
    for _ in range(3):
        hs.append(np.tanh((data.T + data) @ hs[-1]))
    dh, expected = np.ones(2), np.zeros((3, 2, 2))
    for t in reversed(range(3)):
        delta = dh * (1 - hs[t + 1] ** 2)
        expected[t] = np.outer(hs[t], delta) + np.outer(delta, hs[t])
        dh = (data.T + data).T @ delta
    np.testing.assert_allclose(terms, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("lengths", [None, [5, 3]])
def test_row_replay_of_the_input_projection_matches_the_whole_replay(monkeypatch, lengths):
    """A weight used before the loop (the projection of the whole sequence, sliced per
    step) is pulled back through row t alone (graph/step_replay.py); pulling the slice's
    gradient back through the whole-sequence ops must give the same terms."""
    import models
    from minigrad.graph import bptt
    mg.manual_seed(1)
    gru = models.GRU(3, 2, num_layers=2, bidirectional=True, batch_first=True).double()
    output, _ = gru(mg.tensor(np.random.default_rng(1).normal(size=(2, 5, 3))),
                    lengths=lengths)
    loss = (output * output).sum()
    names = [n for n, _ in gru.named_parameters() if "_ih_" in n]
    rows = {n: mg.bptt.per_step_grads(loss, getattr(gru, n)) for n in names}
    replays = []
    original = bptt._pull_back_one_row
    monkeypatch.setattr(bptt, "_pull_back_one_row",
                        lambda *args: replays.append(original(*args)))  # always None
    for name in names:
        whole = mg.bptt.per_step_grads(loss, getattr(gru, name))
        np.testing.assert_allclose(rows[name], whole, rtol=1e-10, atol=1e-14, err_msg=name)
    assert replays and all(term is not None for term in replays)  # the row path ran


def test_an_op_mixing_time_rows_falls_back_to_the_whole_replay():
    """softmax over the time axis mixes rows: row t cannot be replayed alone, and the
    terms still sum to the gradient."""
    rng = np.random.default_rng(2)
    W = mg.tensor(rng.normal(size=(3, 2)), requires_grad=True, dtype=mg.float64)
    x = mg.tensor(rng.normal(size=(4, 2)), dtype=mg.float64)
    mixed = (x @ W.T).softmax(axis=0)          # (4, 3), outside any time step
    h = mg.zeros(3, dtype=mg.float64)
    for t in range(4):
        with mg.name_scope(f"t{t}"):
            h = (h + mixed[t]).tanh()
    loss = (h * h).sum()
    terms = mg.bptt.per_step_grads(loss, W)
    (full,) = mg.grad(loss, W)
    assert terms.shape == (4, 3, 2)
    np.testing.assert_allclose(terms.sum(axis=0), full.data, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------------------------
# hidden_grad_norms on a whole-sequence layer, against a hand-written loop over cells
# ---------------------------------------------------------------------------------
CELLS = {"RNN": models.RNNCell, "LSTM": models.LSTMCell, "GRU": models.GRUCell}


def cell_copy(layer, name, k, d):
    """A cell of `name` holding the layer's weights of layer k, direction d."""
    inputs = layer.input_size if k == 0 else layer.hidden_size * (1 + layer.bidirectional)
    cell = CELLS[name](inputs, layer.hidden_size).double()
    suffix = f"_l{k}" + ("_reverse" if d else "")
    cell.load_state_dict({key: layer.state_dict()[key + suffix] for key in cell.state_dict()})
    return cell


def hand_loop(cells, xs, num_layers, directions):
    """Run one sequence (xs: list of (1, F) tensors) through per-step cell calls.

    Returns {(k, d): [h_t for t in range(T)]} (and the same for c under (k, d, "c"))."""
    T = len(xs)
    states, layer_input = {}, xs
    for k in range(num_layers):
        for d in range(directions):
            cell, h, c, hs, cs = cells[k, d], None, None, [None] * T, [None] * T
            for t in (reversed(range(T)) if d else range(T)):
                if isinstance(cell, models.LSTMCell):
                    h, c = cell(layer_input[t]) if h is None else cell(layer_input[t], (h, c))
                else:
                    h = cell(layer_input[t]) if h is None else cell(layer_input[t], h)
                hs[t], cs[t] = h, c
            states[k, d], states[k, d, "c"] = hs, cs
        layer_input = [mg.concat([states[k, d][t] for d in range(directions)], axis=-1)
                       for t in range(T)]
    return states


def reference_norms(layer, name, xs, lengths, V, v, loss_on, layer_index=None, directions=None,
                    state="h"):
    """||dL/dh_t|| from hand-written loops, one sequence at a time (each run for its own
    length only: no masking at all), norms taken over the batch.

    loss_on="all": L = sum over valid t of V[t, i] . out_t (the top layer, both
    directions); "last": L = sum over the top layer's directions of v[d, i] . h_n."""
    D = 2 if layer.bidirectional else 1
    top = layer.num_layers - 1
    k_read = top if layer_index is None else layer_index
    dirs = range(D) if directions is None else directions
    T, N = xs.shape[0], xs.shape[1]
    lengths = [T] * N if lengths is None else lengths
    squares = np.zeros(T)
    for i in range(N):
        L = lengths[i]
        cells = {(k, d): cell_copy(layer, name, k, d) for k in range(layer.num_layers)
                 for d in range(D)}
        states = hand_loop(cells, [mg.tensor(xs[t, i:i + 1]) for t in range(L)],
                           layer.num_layers, D)
        if loss_on == "all":
            loss = sum((mg.concat([states[top, d][t] for d in range(D)], axis=-1)
                        * mg.tensor(V[t, i:i + 1])).sum() for t in range(L))
        else:
            finals = [states[top, 0][L - 1]] + ([states[top, 1][0]] if D == 2 else [])
            loss = sum((h * mg.tensor(v[d, i:i + 1])).sum() for d, h in enumerate(finals))
        key = (lambda d: (k_read, d)) if state == "h" else (lambda d: (k_read, d, "c"))
        wanted = [(t, states[key(d)][t]) for d in dirs for t in range(L)]
        grads = mg.grad(loss, [s for _, s in wanted], allow_unused=True)
        for (t, _), g in zip(wanted, grads):
            if g is not None:
                squares[t] += float((g.data ** 2).sum())
    return np.sqrt(squares)


def layer_and_losses(name, T=5, N=3, F=2, H=3, seed=0, lengths=None, **options):
    mg.manual_seed(seed)
    layer = getattr(models, name)(F, H, **options).double()
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, N, F))
    D = 2 if layer.bidirectional else 1
    V, v = rng.normal(size=(T, N, D * H)), rng.normal(size=(D, N, H))
    x = mg.tensor(xs.transpose(1, 0, 2) if layer.batch_first else xs)
    out, final = layer(x, lengths=lengths)
    h_n = final[0] if isinstance(final, tuple) else final
    out_tm = out.permute(1, 0, 2) if layer.batch_first else out
    losses = {"all": (out_tm * mg.tensor(V)).sum(),
              "last": (h_n[-D:] * mg.tensor(v)).sum()}
    return layer, out, final, xs, V, v, losses


OPTIONS = [dict(), dict(lengths=[5, 2, 4]), dict(bidirectional=True),
           dict(bidirectional=True, lengths=[5, 2, 4]), dict(num_layers=2),
           dict(num_layers=2, bidirectional=True, lengths=[3, 5, 1]), dict(batch_first=True),
           dict(batch_first=True, lengths=[2, 5, 5])]


def option_id(options):
    return ",".join(f"{k}={v}" for k, v in options.items()) or "plain"


@pytest.mark.parametrize("options", OPTIONS, ids=option_id)
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_hidden_grad_norms_of_a_layer_output_equal_a_hand_written_cell_loop(name, options):
    options = dict(options)
    lengths = options.pop("lengths", None)
    layer, out, final, xs, V, v, losses = layer_and_losses(name, lengths=lengths, **options)
    T = xs.shape[0]
    slices = [out[:, t] if layer.batch_first else out[t] for t in range(T)]
    for loss_on, loss in losses.items():
        expected = reference_norms(layer, name, xs, lengths, V, v, loss_on)
        assert expected[-1] > 0 or loss_on == "last"
        for given in (out, slices, layer):
            norms = mg.bptt.hidden_grad_norms(loss, given)
            assert norms.shape == (T,)
            np.testing.assert_allclose(norms, expected, rtol=1e-10, atol=1e-15,
                                       err_msg=f"{loss_on} {type(given).__name__}")


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_hidden_grad_norms_per_direction_and_per_layer(name):
    lengths = [4, 5, 2]
    layer, out, final, xs, V, v, losses = layer_and_losses(
        name, lengths=lengths, num_layers=2, bidirectional=True, seed=4)
    for loss_on, loss in losses.items():
        for k in (0, 1):
            for d, direction in enumerate(("forward", "reverse")):
                expected = reference_norms(layer, name, xs, lengths, V, v, loss_on,
                                           layer_index=k, directions=[d])
                norms = mg.bptt.hidden_grad_norms(loss, out, layer=k, direction=direction)
                np.testing.assert_allclose(norms, expected, rtol=1e-10, atol=1e-15,
                                           err_msg=f"{loss_on} layer {k} {direction}")
                assert norms.max() > 0
        both = reference_norms(layer, name, xs, lengths, V, v, loss_on, layer_index=0)
        np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, layer, layer=0), both,
                                   rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_a_layer_whose_output_was_dropped_is_read_through_its_final_states(name):
    """A classifier on h_n keeps no `out`: the layer's last forward is then its h_n."""
    import gc
    lengths = [5, 2, 4]
    layer, out, final, xs, V, v, losses = layer_and_losses(
        name, lengths=lengths, num_layers=2, bidirectional=True, seed=6)
    expected = reference_norms(layer, name, xs, lengths, V, v, "last")
    loss = losses["last"]
    h_n = final[0] if isinstance(final, tuple) else final
    del out, final, losses
    gc.collect()
    assert len(layer.last_forward_tensors()) == 1          # h_n: out and c_n are gone
    for given in (layer, h_n):
        np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, given), expected,
                                   rtol=1e-10, atol=1e-15)


def test_the_lstm_cell_state_is_reachable_with_state_c():
    lengths = [5, 3, 4]
    layer, out, final, xs, V, v, losses = layer_and_losses("LSTM", lengths=lengths,
                                                           bidirectional=True, seed=2)
    for loss_on, loss in losses.items():
        expected = reference_norms(layer, "LSTM", xs, lengths, V, v, loss_on, state="c")
        np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, layer, state="c"),
                                   expected, rtol=1e-10, atol=1e-15)
        assert not np.allclose(expected, reference_norms(layer, "LSTM", xs, lengths, V, v,
                                                         loss_on))
    # the output reads the c of every step too (each layer-direction is one op whose
    # value holds every step's state: models/fused.py), so from it alone they agree
    for loss in losses.values():
        np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, out, state="c"),
                                   mg.bptt.hidden_grad_norms(loss, layer, state="c"),
                                   rtol=1e-12, atol=1e-15)


def test_a_loss_on_one_step_leaves_the_later_steps_at_zero():
    mg.manual_seed(1)
    gru = models.GRU(2, 3).double()
    out, _ = gru(mg.randn(6, 1, 2, dtype=mg.float64))
    norms = mg.bptt.hidden_grad_norms((out[2] ** 2).sum(), out)
    np.testing.assert_array_equal(norms[3:], 0.0)
    assert np.all(norms[:3] > 0)
    assert norms[2] == pytest.approx(np.linalg.norm(2 * out.data[2]), rel=1e-12)


def test_a_bidirectional_wrapper_gives_both_of_its_layers():
    mg.manual_seed(5)
    bi = models.Bidirectional(models.RNN(2, 3)).double()
    rng = np.random.default_rng(5)
    xs = rng.normal(size=(4, 2, 2))
    out, _ = bi(mg.tensor(xs))
    V = rng.normal(size=out.shape)
    loss = (out * mg.tensor(V)).sum()
    cells = {(0, 0): cell_copy(bi.forward_layer, "RNN", 0, 0),
             (0, 1): cell_copy(bi.backward_layer, "RNN", 0, 0)}
    squares = np.zeros(4)
    for i in range(2):
        states = hand_loop(cells, [mg.tensor(xs[t, i:i + 1]) for t in range(4)], 1, 2)
        ref = sum((mg.concat([states[0, 0][t], states[0, 1][t]], axis=-1)
                   * mg.tensor(V[t, i:i + 1])).sum() for t in range(4))
        wanted = states[0, 0] + states[0, 1]
        for t, g in enumerate(mg.grad(ref, wanted)):
            squares[t % 4] += float((g.data ** 2).sum())
    for given in (bi, out):
        np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, given), np.sqrt(squares),
                                   rtol=1e-10)


def test_hidden_grad_norms_of_a_jordan_network_read_its_output_y():
    mg.manual_seed(2)
    jordan = models.JordanRNN(2, 4, 3).double()
    rng = np.random.default_rng(2)
    xs = rng.normal(size=(5, 1, 2))
    out, _ = jordan(mg.tensor(xs))
    loss = (out[-1] ** 2).sum()
    y, ys = None, []
    for t in range(5):                      # the same cell, called by hand
        y = jordan.cell(mg.tensor(xs[t]), y)
        ys.append(y)
    expected = [np.linalg.norm(g.data) for g in mg.grad((ys[-1] ** 2).sum(), ys)]
    np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, out), expected, rtol=1e-10)


def test_hidden_grad_norms_errors_say_what_to_pass():
    mg.manual_seed(0)
    rnn = models.RNN(2, 3)
    with pytest.raises(ValueError, match="RNN holds no tensors of a forward pass: run the "
                                         "layer first"):
        mg.bptt.hidden_grad_norms(mg.tensor(1.0, requires_grad=True) * 2, rnn)
    out, _ = rnn(mg.randn(4, 1, 2))
    loss = (out ** 2).sum()
    import copy
    with pytest.raises(ValueError, match="RNN holds no tensors of a forward pass"):
        mg.bptt.hidden_grad_norms(loss, copy.deepcopy(rnn))     # a copy ran no forward
    with pytest.raises(ValueError, match="no reverse direction in the layer read"):
        mg.bptt.hidden_grad_norms(loss, out, direction="reverse")
    with pytest.raises(ValueError, match="no layer 1 behind the tensors given; their layers "
                                         "are 0"):
        mg.bptt.hidden_grad_norms(loss, out, layer=1)
    with pytest.raises(ValueError, match="no state 'c' behind the tensors given; their "
                                         "states are h"):
        mg.bptt.hidden_grad_norms(loss, rnn, state="c")
    with pytest.raises(ValueError, match="direction must be None, 'forward' or 'reverse'"):
        mg.bptt.hidden_grad_norms(loss, out, direction="backward")
    with pytest.raises(ValueError, match=r"no per-step state behind the tensor of shape "
                                         r"\(2, 1, 3\).*pass the list of its h_t"):
        mg.bptt.hidden_grad_norms(loss, mg.randn(2, 1, 3, requires_grad=True))
    other, _ = rnn(mg.randn(4, 1, 2))       # a second forward: the layer's last is this one
    with pytest.raises(ValueError, match="the loss does not depend on the h_t of 4 steps"):
        mg.bptt.hidden_grad_norms(loss, rnn)
    with pytest.raises(ValueError, match="read two forwards of rnn layer 0 forward "
                                         r"\(two h's at step \d\)"):
        mg.bptt.hidden_grad_norms(loss + (other ** 2).sum(), [out, other])
    with mg.no_grad():
        evaluated = rnn(mg.randn(4, 1, 2))
    with pytest.raises(ValueError, match="the last forward of the RNN recorded no graph "
                                         r"\(it ran under no_grad\?\)"):
        mg.bptt.hidden_grad_norms(loss, rnn)
    del other, evaluated


def test_outputs_of_two_layers_are_refused():
    class Two(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.second = models.GRU(2, 3), models.GRU(3, 3)

        def forward(self, x):
            return self.second(self.first(x)[0])[0]
    two = Two()
    out = two(mg.randn(4, 1, 2))
    with pytest.raises(ValueError, match=r"read several recurrent layers "
                                         r"\(two.first, two.second\); pass one layer"):
        mg.bptt.hidden_grad_norms((out ** 2).sum(), two)
    np.testing.assert_allclose(mg.bptt.hidden_grad_norms((out ** 2).sum(), two.second),
                               mg.bptt.hidden_grad_norms((out ** 2).sum(), out))
    assert mg.bptt.hidden_grad_norms((out ** 2).sum(), two.first).min() > 0


def test_a_freed_graph_is_a_clear_error():
    rnn = models.RNN(2, 3)
    out, _ = rnn(mg.randn(3, 1, 2))
    loss = (out ** 2).sum()
    loss.backward()
    with pytest.raises(mg.GraphFreedError, match="hidden_grad_norms: the graph behind the "
                                                 "states was freed by a backward"):
        mg.bptt.hidden_grad_norms(loss, out)


def test_a_fused_layer_is_read_through_its_unrolled_decomposition():
    """A composite op (minigrad/composite.py) records one node; hidden_grad_norms unfolds
    it into its decomposition, the unroll loop with its roles and scopes, and reads the
    same states as the unrolled run."""
    from tests.graph.toy_fused_layer import toy_fused_layer
    layer = toy_fused_layer("test_tanh_layer", lambda x, h, w: np.tanh(x + h @ w.T),
                            lambda x, h, w: (x + h @ w.T).tanh())

    rng = np.random.default_rng(3)
    xs, ws = rng.normal(size=(6, 2, 3)), rng.normal(size=(3, 3))
    results = {}
    for unrolled_run in (False, True):
        x = mg.tensor(xs, requires_grad=True, dtype=mg.float64)
        w = mg.tensor(ws, requires_grad=True, dtype=mg.float64)
        with mg.unrolled(unrolled_run):
            out = layer(x, w)
        assert out.op == ("stack" if unrolled_run else "test_tanh_layer")
        loss = (out[-1] ** 2).sum()
        results[unrolled_run] = mg.bptt.hidden_grad_norms(loss, out)
    hs = [xs[0] * 0]
    for t in range(6):                            # by hand: dL/dh_t = J^T dL/dh_{t+1}
        hs.append(np.tanh(xs[t] + hs[-1] @ ws.T))
    g, expected = 2 * hs[-1], [None] * 6
    for t in range(5, -1, -1):
        expected[t] = np.linalg.norm(g)
        g = (g * (1 - hs[t + 1] ** 2)) @ ws
    np.testing.assert_allclose(results[False], expected, rtol=1e-12)
    np.testing.assert_allclose(results[True], expected, rtol=1e-12)
