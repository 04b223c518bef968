"""Composite ops (minigrad/composite.py): fused when nobody looks, the unrolled graph
wherever anyone looks, with the same numbers either way.

The composite under test is a scalar recurrence over a sequence, h_t = tanh(w h_{t-1}
+ x_t), returning every h_t: a fused numpy loop with a hand-written BPTT, and a
decomposition into one minigrad op per step, scoped t{k}, each state marked "h".
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.composite import Composite, composite, expand
from minigrad.structure import graph_inputs


def scan_forward(x, w, h0, save):
    states, h = np.empty_like(x), h0
    for t in range(x.shape[0]):
        h = np.tanh(w * h + x[t])
        states[t] = h
    return states, (states if save else None)


# made directly, not with @composite: the registry (mg.PRIMITIVES) holds the library's
# ops, each with a gradcheck case (test_primitive_coverage.py)
scan = Composite("test_scan", scan_forward)


@scan.defvjp
def scan_vjp(g, out, wanted, x, w, h0, saved):
    gx, gw, dh = np.zeros_like(x), np.zeros_like(w), np.zeros_like(h0)
    for t in range(x.shape[0] - 1, -1, -1):
        da = (g[t] + dh) * (1 - saved[t] ** 2)
        gx[t] = da
        gw = gw + da * (saved[t - 1] if t else h0)
        dh = da * w
    return gx, gw, dh


@scan.defdecomposition
def scan_unrolled(x, w, h0):
    h, states = h0, []
    for t in range(x.shape[0]):
        with mg.name_scope(f"t{t}"):
            h = mg.mark((w * h + x[t]).tanh(), "state", "h")
        states.append(h)
    return mg.stack(states)


def leaves(seed=0, T=6):
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.normal(size=T), dtype=mg.float64, requires_grad=True)
    w = mg.tensor(0.9, dtype=mg.float64, requires_grad=True)
    h0 = mg.tensor(0.3, dtype=mg.float64, requires_grad=True)
    return x, w, h0


def loss_of(states):
    weights = mg.tensor(np.linspace(1.0, 2.0, states.shape[0]), dtype=mg.float64)
    return (states * weights).sum()


def run(unrolled, seed=0):
    x, w, h0 = leaves(seed)
    with mg.unrolled(unrolled):
        states = scan(x, w, h0)
    return (x, w, h0), states, loss_of(states)


def structure(graph):
    nodes = [(a["kind"], a["op"], a["shape"], a["scope"]) for _, a in sorted(graph.nodes.items())]
    return nodes, sorted((s, d, a["input_index"]) for s, d, a in graph.edges)


def test_the_fused_op_is_one_node_and_the_unrolled_path_one_op_per_step():
    (x, w, h0), fused, _ = run(unrolled=False)
    assert fused.op == "test_scan" and graph_inputs(fused, expand=False) == (x, w, h0)
    _, unrolled_states, _ = run(unrolled=True)
    assert unrolled_states.op == "stack" and len(graph_inputs(unrolled_states)) == 6


def test_fused_and_unrolled_give_the_same_values_and_gradients():
    (x, w, h0), fused, loss = run(unrolled=False)
    loss.backward()
    (ux, uw, uh0), unrolled_states, unrolled_loss = run(unrolled=True)
    unrolled_loss.backward()
    np.testing.assert_allclose(fused.data, unrolled_states.data, rtol=1e-14)
    for a, b in ((x, ux), (w, uw), (h0, uh0)):
        np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-12)


def test_trace_sees_the_unrolled_graph():
    _, _, loss = run(unrolled=False)
    _, _, unrolled_loss = run(unrolled=True)
    assert structure(mg.trace(loss)) == structure(mg.trace(unrolled_loss))
    roles = {mg.trace(loss).tensor(n).role for n in mg.trace(loss).nodes}
    assert ("state", "h") in roles


def test_the_expanded_node_keeps_its_fused_value_and_its_consumers():
    (x, w, h0), fused, loss = run(unrolled=False)
    value = fused.data
    expand(fused)
    assert fused.op == "stack" and fused.data is value
    assert graph_inputs(loss)[0] is fused or fused in graph_inputs(graph_inputs(loss)[0])


def test_per_step_grads_split_the_fused_gradient_by_step():
    (x, w, h0), _, loss = run(unrolled=False)
    (_, uw, _), _, unrolled_loss = run(unrolled=True)
    terms = mg.bptt.per_step_grads(loss, w)
    np.testing.assert_allclose(terms, mg.bptt.per_step_grads(unrolled_loss, uw), rtol=1e-12)
    assert terms.shape == (6,) and np.all(terms != 0)   # every step reads w
    (total,) = mg.grad(loss, w)
    np.testing.assert_allclose(terms.sum(), total.data, rtol=1e-12)


def test_create_graph_differentiates_the_decomposition_twice():
    (x, w, h0), _, loss = run(unrolled=False)
    (g,) = mg.grad(loss, w, create_graph=True)
    (gg,) = mg.grad(g, w)
    (ux, uw, uh0), _, unrolled_loss = run(unrolled=True)
    (ug,) = mg.grad(unrolled_loss, uw, create_graph=True)
    (ugg,) = mg.grad(ug, uw)
    np.testing.assert_allclose(g.data, ug.data, rtol=1e-12)
    np.testing.assert_allclose(gg.data, ugg.data, rtol=1e-12)
    # and against finite differences of the fused first derivative
    eps = 1e-6

    def first_derivative(value):
        x2, _, h2 = leaves()
        w2 = mg.tensor(value, dtype=mg.float64, requires_grad=True)
        return mg.grad(loss_of(scan(x2, w2, h2)), w2)[0].item()
    numeric = (first_derivative(0.9 + eps) - first_derivative(0.9 - eps)) / (2 * eps)
    np.testing.assert_allclose(gg.item(), numeric, rtol=1e-6)


def test_gradcheck_and_gradgradcheck_of_the_fused_op():
    x, w, h0 = leaves(T=4)
    assert mg.gradcheck(lambda a, b, c: scan(a, b, c), (x, w, h0))
    assert mg.gradgradcheck(lambda a, b, c: scan(a, b, c), (x, w, h0))


def test_anomaly_mode_names_the_op_inside_the_step():
    x, w, h0 = leaves()
    x.data[3] = np.nan
    with mg.detect_anomaly():
        # x[3], the slice step 3 reads, is the first op to hold the NaN
        with pytest.raises(mg.AnomalyError, match="forward of getitem produced NaN"):
            scan(x, w, h0)


def test_a_backward_in_anomaly_mode_checks_every_op_of_the_decomposition():
    x, w, h0 = leaves()
    states = scan(x, w, h0)           # fused: no check in the forward
    loss = (states[2] * mg.tensor(np.inf, dtype=mg.float64))
    with mg.detect_anomaly():
        with pytest.raises(mg.AnomalyError, match="backward of mul"):
            loss.backward()


def test_hooks_and_retain_grad_on_per_step_states_after_expansion():
    (x, w, h0), fused, loss = run(unrolled=False)
    graph = mg.trace(loss)                       # expands the composite
    states = {graph.nodes[n]["time_step"]: graph.tensor(n) for n in graph.nodes
              if graph.tensor(n).role == ("state", "h")}
    seen = {}
    for t, state in states.items():
        state.retain_grad()
        state.register_hook(lambda g, t=t: seen.setdefault(t, float(g.item())))
    loss.backward()
    _, unrolled_states, unrolled_loss = run(unrolled=True)
    direct = mg.bptt.hidden_grad_norms(unrolled_loss, graph_inputs(unrolled_states))
    assert sorted(seen) == list(range(6))
    np.testing.assert_allclose([abs(seen[t]) for t in range(6)], direct, rtol=1e-12)
    np.testing.assert_allclose([abs(states[t].grad.item()) for t in range(6)], direct,
                               rtol=1e-12)


def test_after_a_fused_backward_the_structure_is_the_unrolled_one():
    _, _, loss = run(unrolled=False)
    loss.backward()                              # the fused VJP ran: nothing was expanded
    _, _, unrolled_loss = run(unrolled=True)
    assert structure(mg.trace(loss)) == structure(mg.trace(unrolled_loss))
    with pytest.raises(mg.GraphFreedError):
        loss.backward()


def test_no_grad_runs_fused_and_saves_nothing():
    x, w, h0 = leaves()
    with mg.no_grad():
        states = scan(x, w, h0)
    assert states.op is None and not states.requires_grad
    np.testing.assert_allclose(states.data, run(unrolled=True)[1].data, rtol=1e-14)


def test_composite_registers_the_op_once():
    try:
        op = composite("test_registered_scan")(scan_forward)
        assert mg.PRIMITIVES["test_registered_scan"] is op and op.decompose is None
        with pytest.raises(ValueError, match="already registered"):
            composite("test_registered_scan")(scan_forward)
    finally:
        mg.PRIMITIVES.pop("test_registered_scan", None)


def test_unrolled_is_a_context_and_a_decorator_and_per_call():
    assert not mg.is_unrolled()
    with mg.unrolled():
        assert mg.is_unrolled()
        with mg.unrolled(False):
            assert not mg.is_unrolled()
        assert mg.is_unrolled()
    assert not mg.is_unrolled()

    @mg.unrolled()
    def inside():
        return mg.is_unrolled()
    assert inside() and not mg.is_unrolled()


def per_step_states(loss):
    """{t: the state h_t} of the (expanded) graph behind `loss`, found by role."""
    graph = mg.trace(loss)
    return {graph.nodes[n]["time_step"]: graph.tensor(n) for n in graph.nodes
            if graph.tensor(n).role == ("state", "h")}


def test_a_new_use_of_a_state_inside_an_expansion_gets_its_whole_gradient():
    """The expansion's nodes are made after the op's consumers but ordered before the op
    (composite.py): a later loss reading h_2 directly must still get the gradient
    through h_2's later steps, as the unrolled graph does."""
    (x, w, h0), _, loss = run(unrolled=False)
    total = loss + per_step_states(loss)[2] * 3.0
    total.backward()
    (ux, uw, uh0), _, unrolled_loss = run(unrolled=True)
    (unrolled_loss + per_step_states(unrolled_loss)[2] * 3.0).backward()
    for a, b in ((x, ux), (w, uw), (h0, uh0)):
        np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-12)


def test_an_expansion_too_large_for_the_numbering_is_refused_clearly():
    from minigrad.composite import _renumber
    x, w, h0 = leaves()
    node = scan(x, w, h0)
    node._seq = 2 ** 60   # as if 2**60 tensors had been made: no floats left below it
    with pytest.raises(mg.MinigradError, match="mg.unrolled"):
        _renumber([mg.tensor(1.0), mg.tensor(2.0)], node)
