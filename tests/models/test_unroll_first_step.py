"""`first_step`: the unroll loop numbers its time-step scopes from a given step, so a
sequence run piece by piece (a decoder, one step per call) keeps one time step per step."""
from collections import Counter

import numpy as np
import pytest

import minigrad as mg
from models import GRU, LSTM, RNN


def timed_ops(*outputs):
    """Counter of (direction, time step) over the ops that have a time step."""
    graph = mg.trace(*outputs)
    return Counter((a["direction"], a["time_step"]) for a in graph.nodes.values()
                   if a["time_step"] is not None)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_first_step_shifts_the_scopes_and_changes_no_value(cls, bidirectional):
    layer = cls(3, 4, num_layers=2, bidirectional=bidirectional)
    x = mg.randn(5, 2, 3)
    lengths = np.array([5, 3])
    out, state = layer(x, lengths=lengths)
    shifted_out, shifted_state = layer(x, lengths=lengths, first_step=7)
    np.testing.assert_array_equal(shifted_out.data, out.data)
    for a, b in zip(state if isinstance(state, tuple) else (state,),
                    shifted_state if isinstance(shifted_state, tuple) else (shifted_state,)):
        np.testing.assert_array_equal(b.data, a.data)
    plain, shifted = timed_ops(out), timed_ops(shifted_out)
    assert {t for _, t in plain} == set(range(5))
    assert shifted == Counter({(d, t + 7): n for (d, t), n in plain.items()})


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_step_by_step_with_first_step_splits_like_the_whole_sequence(cls):
    """A sequence fed one step per call, each call told its step, gives the same
    per-step gradients as the sequence run in one call."""
    layer = cls(3, 4)
    x = mg.randn(4, 2, 3)
    target = mg.randn(4, 2, 4)

    whole, _ = layer(x)
    whole_loss = ((whole - target) ** 2).sum()
    h, outputs = None, []
    for t in range(4):
        out, h = layer(x[t:t + 1], h, first_step=t)
        outputs.append(out[0])
    stepped_loss = ((mg.stack(outputs) - target) ** 2).sum()

    params = (layer.weight_hh_l0, layer.weight_ih_l0, layer.bias_hh_l0)
    rows = {id(p): mg.bptt.per_step_grads(stepped_loss, p) for p in params}
    stepped_loss.backward()
    for param in params:
        expected = mg.bptt.per_step_grads(whole_loss, param)
        assert rows[id(param)].shape == expected.shape == (4,) + tuple(param.shape)
        np.testing.assert_allclose(rows[id(param)], expected, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(rows[id(param)].sum(0), param.grad.data,
                                   rtol=1e-10, atol=1e-12)


def test_steps_before_first_step_get_zero_rows():
    layer = GRU(3, 4)
    out, _ = layer(mg.randn(2, 1, 3), first_step=3)
    rows = mg.bptt.per_step_grads(out.sum(), layer.weight_ih_l0)
    assert rows.shape == (5,) + tuple(layer.weight_ih_l0.shape)
    assert not rows[:3].any() and rows[3].any() and rows[4].any()


def test_first_step_accepts_numpy_ints():
    layer = RNN(3, 4)
    out, _ = layer(mg.randn(1, 2, 3), first_step=np.int64(2))
    assert set(timed_ops(out)) == {("forward", 2)}


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2", None])
def test_bad_first_step_is_explained(bad):
    layer = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"LSTM: first_step must be an int >= 0"):
        layer(mg.randn(2, 1, 3), first_step=bad)
