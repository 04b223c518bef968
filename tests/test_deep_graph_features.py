"""Deep graphs beyond the bare engine: every public feature on long unrolled graphs.

The promise (README): nothing recurses over the graph, so 100,000 time steps must
work. tests/engine/test_deep_graphs.py checks the engine on a scalar chain; this file
checks the features built on it: the recurrent layers and cells, truncated BPTT,
create_graph, hooks and retain_grad, anomaly mode, trace / render / bptt, deepcopy,
freeing, and the interpreter's recursion limit.

Two tools keep the file fast while still saying something about depth:
- `shallow_stack()` lowers the recursion limit to the current depth + 200 frames for
  the block, so anything that recursed over a graph of thousands of steps would raise
  RecursionError here already (and the limit is restored before pytest reports).
- sizes are chosen per feature so that the whole file runs in well under a minute;
  each test says which larger T was verified by hand, with its time (2-core VM, under
  load from other processes: treat the times as upper bounds).

Tests of features that used to break (per_step_grads of input weights, enumerate_paths,
deepcopy of graph tensors) are sized so that a regression fails within seconds.
"""
import copy
import os
import subprocess
import sys
import textwrap
import tracemalloc
import weakref
from contextlib import contextmanager

import numpy as np
import pytest

import minigrad as mg
import models
from tests.reference.numpy_scalar_chain import scalar_chain_w_gradient

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def float64_and_seed():
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    mg.manual_seed(0)
    try:
        yield
    finally:
        mg.set_default_dtype(previous)


@contextmanager
def shallow_stack(room=200):
    """Allow only `room` more Python frames than the caller has, for the block."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + room)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def inputs(T, N=1, F=1, seed=0, requires_grad=False):
    data = np.random.default_rng(seed).standard_normal((T, N, F))
    return mg.tensor(data, requires_grad=requires_grad)


def scalar_chain(w, xs, scoped=False, each=None):
    """h_t = tanh(w h_{t-1} + x_t), h_0 = 0 (0-d tensors). Returns (h_T, [h_1..h_T])."""
    h, states = mg.tensor(0.0), []
    for t, x in enumerate(xs):
        if scoped:
            with mg.name_scope(f"t{t}"):
                h = (w * h + x).tanh()
        else:
            h = (w * h + x).tanh()
        if each is not None:
            each(h)
        states.append(h)
    return h, states


def chain_inputs(T, seed=0):
    return (np.random.default_rng(seed).standard_normal(T) * 0.5).tolist()


# ------------------------------------------------------------------ interpreter
def test_minigrad_leaves_the_default_recursion_limit_alone():
    # a fresh interpreter: importing minigrad and models, then a deep forward and
    # backward, must not touch sys.getrecursionlimit()
    script = textwrap.dedent("""
        import sys
        before = sys.getrecursionlimit()
        import minigrad as mg, models
        after_import = sys.getrecursionlimit()
        w = mg.tensor(0.5, requires_grad=True)
        h = mg.tensor(0.0)
        for _ in range(20_000):
            h = (w * h + 0.1).tanh()
        h.backward()
        mg.trace(w * 2.0)
        print(before, after_import, sys.getrecursionlimit())
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after_import, after_run = map(int, done.stdout.split())
    assert before == after_import == after_run


def test_shallow_stack_catches_recursion_over_a_graph():
    # the guard the tests below rely on: a recursive walk of a 1,000-step chain fails
    def depth(tensor):
        return 1 + max((depth(i) for i in tensor.inputs), default=0)

    w = mg.tensor(0.6, requires_grad=True)
    h, _ = scalar_chain(w, chain_inputs(1_000))
    limit = sys.getrecursionlimit()
    with shallow_stack(), pytest.raises(RecursionError):
        depth(h)
    assert sys.getrecursionlimit() == limit


# ----------------------------------------------------------------- recurrent layers
def test_rnn_layer_over_100k_steps_matches_numpy_bptt():
    # T = 100,000: forward 2.5 s, backward 2.4 s, 290 MB (by hand: GRU 17 s + 10 s,
    # 1 GB; LSTM 13 s + 7 s, 830 MB; RNN bidirectional 4.6 + 5.8 s; RNN with lengths,
    # bidirectional and batch_first together 12 + 8 s; 2 layers 4.7 + 4.9 s)
    T = 100_000
    rnn = models.RNN(1, 1)
    x = inputs(T)
    out, h_n = rnn(x)
    out[-1].sum().backward()
    w_hh = rnn.weight_hh_l0.data.item()
    drive = (x.data[:, 0, 0] * rnn.weight_ih_l0.data.item()
             + (rnn.bias_ih_l0.data.item() + rnn.bias_hh_l0.data.item()))
    expected_h, expected_dw = scalar_chain_w_gradient(w_hh, drive.tolist())
    np.testing.assert_allclose(h_n.data.item(), expected_h, rtol=1e-12)
    np.testing.assert_allclose(rnn.weight_hh_l0.grad.data.item(), expected_dw, rtol=1e-10)


@pytest.mark.parametrize("layer", [models.LSTM, models.GRU])
def test_lstm_and_gru_with_lengths_bidirectional_batch_first_do_not_recurse(layer):
    # T = 3,000 under shallow_stack (by hand at T = 100,000 without options: LSTM
    # 13 s + 7 s, GRU 17 s + 10 s; linear: 10k/30k/100k took 1.0/3.2/12.6 s (LSTM))
    T = 3_000
    model = layer(1, 2, bidirectional=True, batch_first=True)
    x = mg.tensor(np.random.default_rng(1).standard_normal((2, T, 1)), requires_grad=True)
    with shallow_stack():
        out, state = model(x, lengths=[T, T // 2])
        h_n = state[0] if isinstance(state, tuple) else state
        (out.sum() + h_n.sum()).backward()
    assert out.shape == (2, T, 4)
    assert np.all(out.data[1, T // 2:] == 0.0)          # padding outputs are zero
    assert np.all(x.grad.data[1, T // 2:] == 0.0)       # and padding gets no gradient
    assert np.all(x.grad.data[1, :T // 2] != 0.0)
    assert np.isfinite(model.weight_hh_l0_reverse.grad.data).all()


def test_bidirectional_wrapper_and_jordan_rnn_do_not_recurse():
    # T = 3,000 under shallow_stack (by hand at T = 100,000: Bidirectional(GRU) 43 s
    # + 20 s, JordanRNN 3.4 s + 8.9 s, JordanRNN with x.grad 5.7 s + 9.4 s)
    T = 3_000
    x = inputs(T, requires_grad=True)
    wrapper = models.Bidirectional(models.GRU(1, 1), merge_mode="sum")
    jordan = models.JordanRNN(1, 2, 1)
    with shallow_stack():
        out, _ = wrapper(x, lengths=[T])
        out.sum().backward()
        ys, y_n = jordan(x)
        (ys.sum() + y_n.sum()).backward()
    assert x.grad.shape == (T, 1, 1) and np.isfinite(x.grad.data).all()
    assert jordan.cell.weight_yh.grad is not None
    assert wrapper.backward_layer.weight_hh_l0.grad is not None


def test_cells_in_a_user_loop_do_not_recurse():
    # T = 5,000 each under shallow_stack (by hand at T = 100,000: RNNCell 8.3 s +
    # 7.4 s, LSTMCell 19.6 s + 12.3 s)
    T = 5_000
    xs = [mg.tensor(v) for v in np.random.default_rng(2).standard_normal((T, 1, 1))]
    rnn_cell, lstm_cell = models.RNNCell(1, 2), models.LSTMCell(1, 2)
    with shallow_stack():
        h = mg.zeros((1, 2))
        for x in xs:
            h = rnn_cell(x, h)
        h.sum().backward()
        h, c = mg.zeros((1, 2)), mg.zeros((1, 2))
        for x in xs:
            h, c = lstm_cell(x, (h, c))
        (h.sum() + c.sum()).backward()
    assert np.isfinite(rnn_cell.weight_hh.grad.data).all()
    assert np.isfinite(lstm_cell.weight_hh.grad.data).all()


def test_truncated_bptt_over_a_long_sequence():
    # T = 10,000 in chunks of 500 (by hand: T = 100,000, k = 1,000, 15.7 s; each
    # chunk's backward stops at its first step, so time is linear in T)
    T, k = 10_000, 500
    lstm = models.LSTM(1, 2)
    x = inputs(T)
    state, chunks = None, 0
    with shallow_stack():
        for chunk in models.tbptt_chunks(x, k=k):
            out, state = lstm(chunk, state)
            lstm.zero_grad()
            out[-1].sum().backward()
            state = models.detach_state(state)
            chunks += 1
    assert chunks == T // k
    assert state[0].is_leaf and state[1].is_leaf
    assert np.isfinite(lstm.weight_hh_l0.grad.data).all()


# ------------------------------------------------------------------ create_graph
def test_second_derivative_through_a_20k_step_chain():
    # T = 20,000 (by hand at T = 100,000: mg.grad(create_graph=True) 4.6 s, second
    # grad 5.1 s, backward(create_graph=True) 4.0 s then grad.backward() 2.4 s)
    T = 20_000
    xs = chain_inputs(T)
    w = mg.tensor(0.6, requires_grad=True)
    with shallow_stack():
        h, _ = scalar_chain(w, xs)
        (dw,) = mg.grad(h, w, create_graph=True)
        (d2w,) = mg.grad(dw, w)
    eps = 1e-6
    numeric = (scalar_chain_w_gradient(0.6 + eps, xs)[1] - scalar_chain_w_gradient(0.6 - eps, xs)[1]) / (2 * eps)
    np.testing.assert_allclose(dw.item(), scalar_chain_w_gradient(0.6, xs)[1], rtol=1e-10)
    np.testing.assert_allclose(d2w.item(), numeric, rtol=1e-5)


def test_hessian_vector_product_of_an_lstm():
    # T = 1,000 (by hand, linear: LSTM T = 10k / 20k: grad(create_graph) 5.9 / 9.5 s,
    # HVP 5.3 / 8.6 s; GRU 6.7 / 14.2 s and 4.0 / 8.8 s; a gradient penalty on x through
    # RNN and JordanRNN at T = 2.5k ... 20k scaled linearly)
    T = 1_000
    lstm = models.LSTM(1, 2)
    x = inputs(T)
    params = list(lstm.parameters())
    rng = np.random.default_rng(3)
    vs = [rng.standard_normal(p.shape) for p in params]

    def gradients(create_graph=False):
        out, _ = lstm(x)
        loss = (out[-3:] ** 2).sum()
        return mg.grad(loss, params, create_graph=create_graph)

    with shallow_stack():
        gs = gradients(create_graph=True)
        dot = sum((g * mg.tensor(v)).sum() for g, v in zip(gs, vs))
        hvp = mg.grad(dot, params)
    eps = 1e-5
    for p, v in zip(params, vs):
        p.data += eps * v
    plus = [g.data.copy() for g in gradients()]
    for p, v in zip(params, vs):
        p.data -= 2 * eps * v
    minus = [g.data.copy() for g in gradients()]
    for p, v in zip(params, vs):
        p.data += eps * v
    for analytic, a, b in zip(hvp, plus, minus):
        np.testing.assert_allclose(analytic.data, (a - b) / (2 * eps), rtol=1e-4, atol=1e-7)


def test_gradgradcheck_on_a_2k_step_chain():
    # T = 2,000: 1.2 s (by hand: T = 20,000 in 17 s, linear)
    xs = chain_inputs(2_000, seed=4)

    def fn(w):
        h = w * 0.0
        for x in xs:
            h = (w * h + x).tanh()
        return h

    w = mg.tensor(0.6, requires_grad=True)
    with shallow_stack():
        assert mg.gradgradcheck(fn, (w,))


# ------------------------------------------------ hooks, retain_grad, anomaly mode
def test_retain_grad_and_hooks_on_every_step_and_retain_graph():
    # T = 20,000 (by hand at T = 100,000: retain_grad on every state 0.8 s, a hook on
    # every state 0.8 s, backward(retain_graph=True) 0.5 s then again 0.6 s)
    T = 20_000
    xs = chain_inputs(T, seed=5)
    w = mg.tensor(0.6, requires_grad=True)
    calls = []
    with shallow_stack():
        h, states = scalar_chain(w, xs, each=lambda s: s.retain_grad())
        h.backward()
        assert states[-1].grad.item() == 1.0
        assert all(s.grad is not None for s in states)
        # d h_T / d h_{T-2} by the chain rule, from the retained gradients
        np.testing.assert_allclose(states[-2].grad.item(),
                                   w.item() * (1 - h.item() ** 2), rtol=1e-12)

        h, states = scalar_chain(w, xs, each=lambda s: s.register_hook(
            lambda g: calls.append(1)))
        h.backward()
        assert len(calls) == T

        w.grad = None
        h, _ = scalar_chain(w, xs)
        h.backward(retain_graph=True)
        first = w.grad.item()
        h.backward()
    np.testing.assert_allclose(first, scalar_chain_w_gradient(0.6, xs)[1], rtol=1e-10)
    np.testing.assert_allclose(w.grad.item(), 2 * first, rtol=1e-12)


def test_detect_anomaly_over_a_long_chain_finds_the_bad_op_at_the_far_end():
    # T = 20,000 (by hand at T = 100,000: forward 3.5 s, backward 2.2 s with checks on)
    T = 20_000
    xs = chain_inputs(T, seed=6)
    w = mg.tensor(0.6, requires_grad=True)
    with shallow_stack(), np.errstate(all="ignore"), mg.detect_anomaly():
        h, _ = scalar_chain(w, xs)
        h.backward()                                  # finite: no complaint
        start = (w * 0.0).sqrt()                      # d sqrt / dx is infinite at 0
        h = start
        for x in xs:
            h = (w * h + x).tanh()
        with pytest.raises(mg.AnomalyError, match="backward of sqrt"):
            h.backward()


# ------------------------------------------------------------ trace, render, bptt
def test_trace_networkx_depth_and_recorded_backward_on_a_long_graph():
    # T = 10,000 (by hand at T = 100,000, 400,002 nodes: trace 4.1 s, to_networkx
    # 4.9 s, depth 8.5 s, graph.backward 6.5 s, 1.9 GB; an LSTM T = 100k traces in
    # 12-38 s, 2.7 GB)
    T = 10_000
    xs = chain_inputs(T, seed=7)
    w = mg.tensor(0.6, requires_grad=True)
    with shallow_stack():
        h, _ = scalar_chain(w, xs, scoped=True)
        graph = mg.trace(h)
        network = graph.to_networkx()
        depth = graph.depth()
        graph.backward()
    assert len(graph) == 4 * T + 2 and network.number_of_edges() == 5 * T
    assert depth == 3 * T
    np.testing.assert_allclose(w.grad.item(), scalar_chain_w_gradient(0.6, xs)[1], rtol=1e-10)
    w_id = graph.node_id(w)
    assert graph.nodes[w_id]["grad_norm"] == pytest.approx(abs(w.grad.item()))


def test_render_collapses_long_graphs():
    # scalar chain T = 10,000 and LSTM T = 1,000 here (by hand, linear in T: the scalar
    # chain at T = 100,000 renders in 11 s, 24 s with highlight=w, 17.5 s with
    # backward=True; an LSTM T = 10k / 20k / 40k in 4.8 / 9.2 / 20 s, T = 100k in 76 s
    # and 4.4 GB, 128 s and 4.6 GB with highlight=weight_hh_l0 (T = 2k / 4k / 8k:
    # 1.8 / 3.8 / 7.3 s), 60 s with detail="cells", backward=True; a create_graph gradient
    # graph of a T = 20k chain in 10.6 s, 18.8 s with highlight). dot gets a collapsed
    # graph: piping it to SVG takes under 1.5 s at any T.
    T = 10_000
    w = mg.tensor(0.6, requires_grad=True)
    h, _ = scalar_chain(w, chain_inputs(T, seed=8), scoped=True)
    lstm = models.LSTM(1, 2)
    out, _ = lstm(inputs(1_000))
    loss = out[-1].sum()
    with shallow_stack():
        scalar = mg.render(h)
        highlighted = mg.render(loss, highlight=lstm.weight_hh_l0, modules=lstm)
    assert "collapsed" in scalar.source and "collapsed" in highlighted.source
    assert len(scalar.source) < 500_000   # (the times: benchmarks/bench_scaling.py)


def test_hidden_grad_norms_over_100k_states():
    # T = 100,000: forward 1.6 s, hidden_grad_norms 1.9 s (also by hand: per_step_grads
    # of w on this chain 4.0 s)
    T = 100_000
    xs = chain_inputs(T, seed=9)
    w = mg.tensor(0.6, requires_grad=True)
    h, states = scalar_chain(w, xs, scoped=True)
    norms = mg.bptt.hidden_grad_norms(h, states)
    assert norms.shape == (T,) and norms[-1] == 1.0
    np.testing.assert_allclose(norms[-2], abs(0.6 * (1 - h.item() ** 2)), rtol=1e-12)
    assert norms[0] < 1e-100                            # vanished, as it should
    assert w.grad is None                               # no .grad touched


def test_per_step_grads_of_the_recurrent_weight_is_linear():
    # RNN layer, T = 5,000 here (by hand: weight_hh_l0 of an RNN at T = 1k / 2k / 4k /
    # 100k in 0.18 / 0.20 / 0.42 / 14 s; of an LSTM at T = 10k in 2.9 s). Peak traced
    # memory stays small: compare with the weight_ih test below.
    T = 5_000
    rnn = models.RNN(1, 2)
    out, _ = rnn(inputs(T))
    loss = out[-1].sum()
    with shallow_stack():
        terms = mg.bptt.per_step_grads(loss, rnn.weight_hh_l0)
        (full,) = mg.grad(loss, rnn.weight_hh_l0, retain_graph=True)
    assert terms.shape == (T, 2, 2)
    np.testing.assert_allclose(terms.sum(axis=0), full.data, rtol=1e-10, atol=1e-14)
    # the control of the weight_ih test below: same T, same memory bound
    assert per_step_grads_peak("weight_hh_l0") < PER_STEP_PEAK_BOUND


PER_STEP_T = 1_500
PER_STEP_PEAK_BOUND = 12 * 2 ** 20


def per_step_grads_peak(name):
    """Peak traced memory of per_step_grads(loss, rnn.<name>) on an RNN of PER_STEP_T steps."""
    rnn = models.RNN(1, 2)
    out, _ = rnn(inputs(PER_STEP_T))
    loss = out[-1].sum()
    param = getattr(rnn, name)
    tracemalloc.start()
    try:
        terms = mg.bptt.per_step_grads(loss, param)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert terms.shape == (PER_STEP_T,) + param.shape
    return peak


def test_per_step_grads_of_the_input_weight_has_linear_memory():
    # T = 1,500: the quadratic version (slice gradients scattered to full size, the
    # whole projection replayed per step) peaked at ~36 MB traced (T^2 * 2 * 8 bytes);
    # weight_hh at the same T (the control above) at ~1.5 MB. Now the collector keeps
    # slice gradients and graph/step_replay.py replays row t only
    peak = per_step_grads_peak("weight_ih_l0")
    assert peak < PER_STEP_PEAK_BOUND, f"peak {peak / 2 ** 20:.1f} MB for T = {PER_STEP_T}"


def test_enumerate_paths_refuses_a_long_graph_before_listing_any_path(monkeypatch):
    # T = 5,000 steps give 5,000 paths > max_paths = 100: a ValueError is due, from the
    # count (one pass over the graph), before any path is walked (it used to walk for
    # minutes; times in benchmarks/bench_scaling.py)
    from minigrad.graph import paths

    def walked(*args):
        raise AssertionError("enumerate_paths walked paths before refusing")
    monkeypatch.setattr(paths, "_walk_paths", walked)
    T = 5_000
    w = mg.tensor(0.6, requires_grad=True)
    h, _ = scalar_chain(w, chain_inputs(T, seed=10))
    with pytest.raises(ValueError, match="max_paths"):
        mg.bptt.enumerate_paths(h, w, max_paths=100)


# ------------------------------------------------------------------------ deepcopy
def test_deepcopy_of_a_module_after_a_long_forward_and_backward():
    # T = 2,000 (the same at T = 10,000: the module holds no graph, 0.00 s)
    lstm = models.LSTM(1, 2)
    out, _ = lstm(inputs(2_000))
    twin = copy.deepcopy(lstm)                          # graph alive
    out.sum().backward()
    twin_after = copy.deepcopy(lstm)                    # leaf gradients, no graph
    assert twin.weight_hh_l0.grad is None
    np.testing.assert_array_equal(twin_after.weight_hh_l0.grad.data,
                                  lstm.weight_hh_l0.grad.data)
    assert twin_after.weight_hh_l0 is not lstm.weight_hh_l0


def test_deepcopy_of_a_deep_non_leaf_tensor_copies_or_refuses_clearly():
    w = mg.tensor(0.6, requires_grad=True)
    h, _ = scalar_chain(w, chain_inputs(200, seed=11))
    try:
        twin = copy.deepcopy(h)
    except RecursionError:
        raise
    except (RuntimeError, TypeError):
        return                                          # a clear refusal will do
    assert twin.item() == h.item()


def test_deepcopy_of_a_module_holding_create_graph_gradients():
    rnn = models.RNN(1, 2)
    out, _ = rnn(inputs(200))
    out.sum().backward(create_graph=True)
    assert not rnn.weight_hh_l0.grad.is_leaf
    try:
        twin = copy.deepcopy(rnn)
    except RecursionError:
        raise
    except (RuntimeError, TypeError):
        return                                          # a clear refusal will do
    np.testing.assert_array_equal(twin.weight_hh_l0.data, rnn.weight_hh_l0.data)


# ---------------------------------------------------------------------- freeing
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_repeated_long_lstm_build_and_backward_frees_each_graph():
    # T = 2,000, 8 iterations: each graph is gone right after its backward (weakref,
    # no gc.collect needed) and RSS stays within 2 MB; each kept graph adds ~14 MB. By
    # hand at T = 10,000: RSS 79 -> 92 MB over 6 iterations, tracemalloc's current
    # size 0.35 MB after every iteration (peak 69 MB during each).
    T = 2_000
    lstm = models.LSTM(1, 2)
    x = inputs(T)
    sizes = []
    for _ in range(8):
        out, (h, c) = lstm(x)
        first_step = weakref.ref(out.inputs[0])       # h_0: the far end of the graph
        out.sum().backward()
        del out, h, c
        assert first_step() is None
        sizes.append(rss_mb())
    assert max(sizes[2:]) - sizes[2] < 8, f"RSS per iteration: {sizes}"


def test_long_graphs_freed_without_backward_do_not_crash():
    # in a subprocess: blowing the C stack while freeing would kill the interpreter.
    # Here an RNN layer of T = 20,000, the create_graph gradient graph of a 20,000-step
    # chain, a Graph from mg.trace and a chain whose every node is in a reference cycle
    # (a hook closing over it). By hand at T = 100,000: LSTM layer graph freed in 0.9 s,
    # gradient graph 0.4 s, hook cycles with gc.collect() 0.4 s, Graph + networkx 0.6 s.
    script = textwrap.dedent("""
        import gc
        import numpy as np
        import minigrad as mg, models
        mg.set_default_dtype(mg.float64)
        T = 20_000
        out, h_n = models.RNN(1, 2)(mg.tensor(np.ones((T, 1, 1))))
        del out, h_n
        w = mg.tensor(0.6, requires_grad=True)
        h = mg.tensor(0.0)
        for _ in range(T):
            h = (w * h + 0.1).tanh()
        (g,) = mg.grad(h, w, create_graph=True)
        graph = mg.trace(g)
        del h, g
        del graph
        h = mg.tensor(0.0)
        for _ in range(T):
            h = (w * h + 0.1).tanh()
            h.register_hook(lambda grad, h=h: None)
        del h
        gc.collect()
        print("freed")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "freed"
