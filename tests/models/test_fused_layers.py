"""The recurrent layers run each layer and direction as one fused op (models/fused.py);
the same layers under `mg.unrolled()` run the unroll loop op by op. Nobody can tell them
apart but by speed: the same numbers, and the same graph wherever anyone looks."""
import numpy as np
import pytest

import minigrad as mg
import models
from minigrad.graph.layer_states import layer_states
from models.fused import kernel_kind

T, N, F, H = 5, 3, 4, 3

# (layer, constructor options, forward options): the grid tests/reference covers
GRID = [
    (layer, dict(options, **extra), forward)
    for layer, options in (("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}),
                           ("LSTM", {"proj_size": 2}), ("GRU", {}))
    for extra, forward in (
        ({}, {}),
        ({"num_layers": 2, "bidirectional": True}, {"lengths": [5, 2, 4]}),
        ({"batch_first": True}, {"lengths": [3, 5, 1]}),
        ({"bias": False, "bidirectional": True}, {"hx": True}),
        ({"num_layers": 2, "dropout": 0.3, "recurrent_dropout": 0.4}, {"train": True}),
        ({}, {"unbatched": True}),
    )]
IDS = [f"{layer}-{'-'.join(f'{k}={v}' for k, v in {**o, **f}.items()) or 'plain'}"
       for layer, o, f in GRID]


def build(layer, options, dtype=mg.float64, seed=0):
    mg.manual_seed(seed)
    return getattr(models, layer)(F, H, **options).to(dtype)


def run(model, forward, unrolled, dtype=mg.float64, seed=1):
    """Output, final states and a scalar loss reading all of them; the same random
    draws (inputs, hx, dropout masks) whichever path runs."""
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    shape = (T, F) if forward.get("unbatched") else \
        (N, T, F) if model.batch_first else (T, N, F)
    x = mg.tensor(rng.normal(size=shape), dtype=dtype, requires_grad=True)
    hx = None
    if forward.get("hx"):
        D = 2 if model.bidirectional else 1
        sizes = model.cells[0][0].state_sizes()
        hx = tuple(mg.tensor(rng.normal(size=(D * model.num_layers, N, s)), dtype=dtype,
                             requires_grad=True) for s in sizes)
        hx = hx[0] if len(hx) == 1 else hx
    model.train(bool(forward.get("train")))
    with mg.unrolled(unrolled):
        out, final = model(x, hx, forward.get("lengths"))
    finals = final if isinstance(final, tuple) else (final,)
    loss = (out * mg.tensor(rng.normal(size=out.shape), dtype=dtype)).sum()
    for f in finals:
        loss = loss + (f * mg.tensor(rng.normal(size=f.shape), dtype=dtype)).sum()
    leaves = [x] + ([] if hx is None else list(hx if isinstance(hx, tuple) else (hx,)))
    return out, finals, loss, leaves


def gradients(model, loss, leaves):
    model.zero_grad()
    loss.backward()
    grads = {name: p.grad.data.copy() for name, p in model.named_parameters()}
    grads.update({f"leaf{i}": leaf.grad.data.copy() for i, leaf in enumerate(leaves)})
    return grads


@pytest.mark.parametrize("layer, options, forward", GRID, ids=IDS)
def test_fused_and_unrolled_layers_agree_in_float64(layer, options, forward):
    model = build(layer, options)
    fused = run(model, forward, unrolled=False)
    unrolled = run(model, forward, unrolled=True)
    np.testing.assert_allclose(fused[0].data, unrolled[0].data, rtol=1e-10, atol=1e-14)
    for a, b in zip(fused[1], unrolled[1]):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-10, atol=1e-14)
    g_fused, g_unrolled = gradients(model, *fused[2:]), gradients(model, *unrolled[2:])
    assert sorted(g_fused) == sorted(g_unrolled)
    for name in g_fused:
        np.testing.assert_allclose(g_fused[name], g_unrolled[name], rtol=1e-10, atol=1e-13,
                                   err_msg=name)


@pytest.mark.parametrize("layer, options, forward", GRID[::3], ids=IDS[::3])
def test_fused_float32_agrees_with_float64_to_float32_rounding(layer, options, forward):
    """In float32 both paths round; each stays within a few hundred float32 ulps of the
    float64 result (the longest sums here have T * N = 15 terms of magnitude ~1)."""
    bound = 256 * np.finfo(np.float32).eps
    exact = build(layer, options)
    reference = run(exact, forward, unrolled=True)
    g_reference = gradients(exact, *reference[2:])
    for unrolled in (False, True):
        model = build(layer, options, dtype=mg.float32)
        out, finals, loss, leaves = run(model, forward, unrolled, dtype=mg.float32)
        assert out.dtype == np.float32
        scale = max(1.0, np.abs(reference[0].data).max())
        np.testing.assert_allclose(out.data, reference[0].data, atol=bound * scale, rtol=0)
        for name, g in gradients(model, loss, leaves).items():
            assert g.dtype == np.float32, name
            scale = max(1.0, np.abs(g_reference[name]).max())
            np.testing.assert_allclose(g, g_reference[name], atol=bound * scale, rtol=0,
                                       err_msg=f"{name} unrolled={unrolled}")


def structure(loss):
    """The graph as capture sees it: per node (kind, op, shape, dtype, scope), edges."""
    graph = mg.trace(loss)
    nodes = [(a["kind"], a["op"], a["shape"], a["dtype"], a["scope"])
             for _, a in sorted(graph.nodes.items())]
    roles = [graph.tensor(n).role for n in sorted(graph.nodes)]
    return nodes, roles, sorted((s, d, a["input_index"]) for s, d, a in graph.edges)


TRANSPARENCY = [("LSTM", {"num_layers": 2, "bidirectional": True}, {"lengths": [5, 2, 4]}),
                ("GRU", {"batch_first": True}, {}), ("RNN", {}, {"unbatched": True})]


@pytest.mark.parametrize("layer, options, forward", TRANSPARENCY)
def test_trace_sees_the_same_graph_fused_or_unrolled(layer, options, forward):
    model = build(layer, options)
    assert structure(run(model, forward, False)[2]) == structure(run(model, forward, True)[2])


@pytest.mark.parametrize("layer, options, forward", TRANSPARENCY)
def test_after_a_fused_backward_the_structure_is_the_unrolled_one(layer, options, forward):
    model = build(layer, options)
    loss = run(model, forward, False)[2]
    loss.backward()
    assert structure(loss) == structure(run(model, forward, True)[2])


@pytest.mark.parametrize("layer, options, forward", TRANSPARENCY)
def test_bptt_analysis_is_the_same_fused_or_unrolled(layer, options, forward):
    model = build(layer, options)
    (out, _, loss, _), (u_out, _, u_loss, _) = (run(model, forward, False),
                                                run(model, forward, True))
    name = next(n for n, _ in model.named_parameters() if n.startswith("weight_hh_l0"))
    weight = dict(model.named_parameters())[name]
    np.testing.assert_allclose(mg.bptt.per_step_grads(loss, weight),
                               mg.bptt.per_step_grads(u_loss, weight), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(mg.bptt.hidden_grad_norms(loss, out),
                               mg.bptt.hidden_grad_norms(u_loss, u_out), rtol=1e-10, atol=1e-14)


def test_create_graph_through_a_fused_layer_is_the_unrolled_double_backward():
    """A gradient penalty ||dL/dW_hh||^2, differentiated again."""
    model = build("LSTM", {"bidirectional": True})
    results = []
    for unrolled in (False, True):
        loss = run(model, {"lengths": [5, 2, 4]}, unrolled)[2]
        (g,) = mg.grad(loss, model.weight_hh_l0, create_graph=True)
        penalty = (g * g).sum()
        results.append((g.data, mg.grad(penalty, model.weight_ih_l0)[0].data))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_detect_anomaly_names_the_op_inside_the_fused_layer():
    model = build("GRU", {})
    x = mg.randn(T, N, F, dtype=mg.float64)
    x.data[2, 1, 0] = np.nan
    with mg.detect_anomaly():
        with pytest.raises(mg.AnomalyError) as error:
            model(x)
    assert "forward of" in str(error.value) and "recurrent_layer" not in str(error.value)


def test_hooks_and_retain_grad_on_the_per_step_states_of_a_fused_layer():
    model = build("LSTM", {})
    out, _, loss, _ = run(model, {}, unrolled=False)
    states = layer_states(out)                       # unfolds the fused op
    seen = {}

    def record(t):
        def hook(g):   # returns None: the gradient passes on unchanged
            seen[t] = np.linalg.norm(g.data)
        return hook
    for t, (h,) in states.tensors.items():
        h.retain_grad()
        h.register_hook(record(t))
    loss.backward()
    u_out, _, u_loss, _ = run(model, {}, unrolled=True)
    expected = mg.bptt.hidden_grad_norms(u_loss, u_out)
    np.testing.assert_allclose([seen[t] for t in range(T)], expected, rtol=1e-10)
    np.testing.assert_allclose([np.linalg.norm(states.tensors[t][0].grad.data)
                                for t in range(T)], expected, rtol=1e-10)


def test_the_rendered_picture_is_the_same_fused_or_unrolled():
    model = build("LSTM", {"bidirectional": True})
    pictures = []
    for unrolled in (False, True):
        loss = run(model, {"lengths": [5, 2, 4]}, unrolled)[2]
        for detail in ("ops", "cells"):
            pictures.append(mg.render(loss, detail=detail, modules=model).source)
    assert pictures[:2] == pictures[2:]


def test_a_plain_forward_records_one_op_per_layer_and_direction():
    from tests.engine.graph_walk import ops_in_graph
    model = build("LSTM", {"num_layers": 2, "bidirectional": True})
    loss = run(model, {}, unrolled=False)[2]
    recorded = list(ops_in_graph(loss))
    assert "recurrent_layer" in recorded and "tanh" not in recorded and "sigmoid" not in recorded
    with mg.unrolled():
        assert "recurrent_layer" not in ops_in_graph(run(model, {}, unrolled=True)[2])


def test_a_cell_of_the_users_own_runs_its_own_step_unrolled():
    """A subclass that changes the step is not what the kernel computes: it runs the
    unroll loop over its own step (h_t = (tanh(.) + h_{t-1}) / 2 here)."""
    from tests.engine.graph_walk import ops_in_graph

    class LeakyCell(models.RNNCell):
        def recurrence(self, recurrent_mask=None):
            step = super().recurrence(recurrent_mask)

            def leaky(projected, state):
                h, _ = step(projected, state)
                h = (h + state[0]) * 0.5
                return h, (h,)
            return leaky

    class LeakyRNN(models.RNN):
        cell_type = LeakyCell

    mg.manual_seed(0)
    model = LeakyRNN(F, H).double()
    assert kernel_kind(model.cells[0][0]) is None
    assert kernel_kind(models.RNNCell(F, H)) == "rnn"
    x = np.random.default_rng(0).normal(size=(T, N, F))
    out, _ = model(mg.tensor(x, dtype=mg.float64))
    assert "recurrent_layer" not in ops_in_graph(out)
    w_ih, w_hh = model.weight_ih_l0.data, model.weight_hh_l0.data
    b = model.bias_ih_l0.data + model.bias_hh_l0.data
    h, expected = np.zeros((N, H)), []
    for t in range(T):
        h = (np.tanh(x[t] @ w_ih.T + h @ w_hh.T + b) + h) * 0.5
        expected.append(h)
    np.testing.assert_allclose(out.data, np.stack(expected), rtol=1e-12)


def test_no_grad_runs_fused_and_keeps_no_graph():
    model = build("GRU", {"num_layers": 2})
    x = mg.randn(T, N, F, dtype=mg.float64)
    with mg.no_grad():
        out, _ = model(x)
    assert not out.requires_grad and out.is_leaf
    with mg.unrolled():
        unrolled, _ = model(x)
    np.testing.assert_allclose(out.data, unrolled.data, rtol=1e-12)
