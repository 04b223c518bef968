"""mg.bptt.connectivity, ||d y_t / d x_s||, against one mg.grad per output step and a
plain-numpy Jacobian; the causal structure; the batch reductions; memory_profile."""
import numpy as np
import pytest

import minigrad as mg
import models


def by_one_grad_per_step(y, x):
    """(T_out, T_in, N): for each output step t, mg.grad of y[t] summed over the batch,
    then the norm over the features of each input step and sequence. y (T, N), x (T, N, F)."""
    T_out, T_in, N = y.shape[0], x.shape[0], x.shape[1]
    result = np.zeros((T_out, T_in, N))
    for t in range(T_out):
        (g,) = mg.grad(y[t].sum(), [x], retain_graph=True)
        result[t] = np.sqrt((g.data.astype(np.float64) ** 2).sum(axis=-1))
    return result


def layer_run(kind, bidirectional=False, T=7, N=3, F=2, H=4, seed=0):
    mg.manual_seed(seed)
    layer = getattr(models, kind)(F, H, bidirectional=bidirectional).double()
    x = mg.randn(T, N, F, dtype=mg.float64, requires_grad=True)
    out, _ = layer(x)
    v = mg.tensor(np.random.default_rng(seed).normal(size=out.shape[-1]), dtype=mg.float64)
    return (out * v).sum(axis=-1), x          # y (T, N): one readout per step and sequence


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_connectivity_equals_one_grad_per_output_step(kind, bidirectional):
    y, x = layer_run(kind, bidirectional)
    expected = by_one_grad_per_step(y, x)
    np.testing.assert_allclose(mg.bptt.connectivity(y, x, reduce="none"), expected,
                               rtol=1e-12, atol=0)
    np.testing.assert_allclose(mg.bptt.connectivity(y, x), expected.mean(axis=2), rtol=1e-12)
    np.testing.assert_allclose(mg.bptt.connectivity(y, x, reduce="max"), expected.max(axis=2),
                               rtol=1e-12)
    C = mg.bptt.connectivity(y, x)
    upper = np.triu(np.ones_like(C, dtype=bool), k=1)
    if bidirectional:        # the reverse direction reads every later input
        assert (C[upper] > 0).all()
    else:                    # y_t cannot depend on x_s for s > t: exactly zero
        assert (C[upper] == 0).all()
    assert (C[~upper] > 0).all()


def test_a_tanh_rnn_matches_the_numpy_jacobian_product():
    """d y_t / d x_s = v^T J_t ... J_{s+1} D_s W_ih, J_k = D_k W_hh, D_k = diag(1 - h_k^2)."""
    T, F, H = 6, 2, 3
    rng = np.random.default_rng(1)
    w_ih, w_hh = rng.normal(size=(H, F)), rng.normal(size=(H, H)) * 0.8
    v, xs = rng.normal(size=H), rng.normal(size=(T, F))
    hs, h = [], np.zeros(H)
    for t in range(T):
        h = np.tanh(w_ih @ xs[t] + w_hh @ h)
        hs.append(h)
    expected = np.zeros((T, T))
    for t in range(T):
        row = v.copy()                           # d y_t / d h_t
        for s in range(t, -1, -1):
            local = row * (1 - hs[s] ** 2)        # d y_t / d (pre-activation at step s)
            expected[t, s] = np.linalg.norm(local @ w_ih)
            row = local @ w_hh
    x = mg.tensor(xs, dtype=mg.float64, requires_grad=True)      # (T, F): one sequence
    W_ih, W_hh = mg.tensor(w_ih, dtype=mg.float64), mg.tensor(w_hh, dtype=mg.float64)
    h, ys = mg.zeros(H, dtype=mg.float64), []
    for t in range(T):
        h = (W_ih @ x[t] + W_hh @ h).tanh()
        ys.append((h * mg.tensor(v)).sum())
    np.testing.assert_allclose(mg.bptt.connectivity(ys, x), expected, rtol=1e-12)
    np.testing.assert_allclose(mg.bptt.connectivity(mg.stack(ys), x), expected, rtol=1e-12)


def test_lists_of_steps_and_the_batch_first_layout_give_the_same_matrix():
    mg.manual_seed(2)
    gru = models.GRU(2, 3, batch_first=True).double()
    steps = [mg.randn(4, 2, dtype=mg.float64, requires_grad=True) for _ in range(5)]
    x = mg.stack(steps, axis=1)                                 # (N=4, T=5, F=2)
    out, _ = gru(x)
    y = out.sum(axis=-1)                                        # (N, T)
    batch_first = mg.bptt.connectivity(y, x, time_axis=1)
    lists = mg.bptt.connectivity([y[:, t] for t in range(5)], steps)
    np.testing.assert_allclose(lists, batch_first, rtol=1e-12)
    expected = np.zeros((5, 5))
    for t in range(5):
        grads = mg.grad(y[:, t].sum(), steps, retain_graph=True)
        expected[t] = [np.linalg.norm(g.data, axis=-1).mean() for g in grads]
    np.testing.assert_allclose(batch_first, expected, rtol=1e-12)


def test_embeddings_of_a_character_model_are_inputs():
    from models.architectures import SequenceGenerator
    mg.manual_seed(3)
    model = SequenceGenerator(7, 4, 5).double()
    ids = mg.tensor(np.array([[1, 2, 3, 4, 5, 6]]))
    embedded = model.embedding(ids)                             # (1, T, E), in the graph
    out, _ = model.rnn(embedded)
    logit = model.fc(out)[..., 2]                               # (1, T): one logit per step
    C = mg.bptt.connectivity(logit, embedded, time_axis=1)
    assert C.shape == (6, 6) and (np.triu(C, 1) == 0).all() and (np.diag(C) > 0).all()
    (g,) = mg.grad(logit[0, 4], [embedded], retain_graph=True)
    np.testing.assert_allclose(C[4], np.linalg.norm(g.data[0], axis=-1), rtol=1e-12)


def test_an_output_that_depends_on_no_input_is_a_row_of_zeros():
    x = mg.randn(3, 1, 2, dtype=mg.float64, requires_grad=True)
    w = mg.tensor(1.5, requires_grad=True, dtype=mg.float64)
    ys = [(x[0] * 2).sum(axis=-1), (w * w).reshape(1), (x[2] ** 2).sum(axis=-1)]
    C = mg.bptt.connectivity(ys, x)
    np.testing.assert_allclose(C[0], [np.linalg.norm(2 * np.ones(2)), 0, 0])
    np.testing.assert_array_equal(C[1], 0.0)
    np.testing.assert_allclose(C[2], [0, 0, 2 * np.linalg.norm(x.data[2, 0])])


@pytest.mark.parametrize("outputs, inputs, message", [
    (lambda y, x: y, lambda y, x: x.detach(),
     r"connectivity: inputs \(shape \(7, 3, 2\)\) does not require grad"),
    (lambda y, x: y.detach(), lambda y, x: x,
     r"connectivity: outputs \(shape \(7, 3\)\) does not require grad"),
    (lambda y, x: y[..., None], lambda y, x: x,
     r"connectivity: outputs have shape \(7, 3, 1\); expected one scalar per step"),
    (lambda y, x: y[:, :2], lambda y, x: x,
     r"connectivity: the outputs hold a batch of 2 but the inputs hold a batch of 3"),
    (lambda y, x: y, lambda y, x: x * 1.0 + mg.randn(7, 3, 2, dtype=mg.float64,
                                                     requires_grad=True),
     r"connectivity: none of the 7 outputs depends on the inputs given"),
    (lambda y, x: [y[0], 3.0], lambda y, x: x,
     r"connectivity: output step 1 is float; expected a scalar or an \(N,\) Tensor"),
])
def test_bad_arguments_say_what_to_pass(outputs, inputs, message):
    y, x = layer_run("RNN")
    with pytest.raises(ValueError, match=message):
        mg.bptt.connectivity(outputs(y, x), inputs(y, x))


def test_bad_options_are_refused():
    y, x = layer_run("RNN")
    with pytest.raises(ValueError, match=r"time_axis must be 0 .* or 1"):
        mg.bptt.connectivity(y, x, time_axis=2)
    with pytest.raises(ValueError, match=r"reduce must be one of 'mean', 'max', 'none'"):
        mg.bptt.connectivity(y, x, reduce="sum")


def test_the_graph_is_retained_and_no_grad_is_touched():
    mg.manual_seed(0)
    rnn = models.RNN(2, 3).double()
    x = mg.randn(4, 1, 2, dtype=mg.float64, requires_grad=True)
    out, _ = rnn(x)
    y = out.sum(axis=-1)
    mg.bptt.connectivity(y, x)
    assert x.grad is None and all(p.grad is None for p in rnn.parameters())
    y.sum().backward()                            # the graph is still there
    assert x.grad is not None


def test_memory_profile_is_the_median_along_each_diagonal_of_the_relative_matrix():
    C = np.array([[2.0, 0.0, 0.0],
                  [1.0, 4.0, 0.0],
                  [0.3, 3.0, 6.0]])
    relative = C / C.max(axis=1, keepdims=True)
    expected = [np.median([1.0, 1.0, 1.0]), np.median([relative[1, 0], relative[2, 1]]),
                relative[2, 0]]
    np.testing.assert_allclose(mg.bptt.memory_profile(C), expected)
    np.testing.assert_allclose(mg.bptt.memory_profile(C, relative=False),
                               [4.0, 2.0, 0.3])
    with pytest.raises(ValueError, match=r"memory_profile: the matrix has shape \(3,\)"):
        mg.bptt.memory_profile(np.ones(3))
