"""Truncated BPTT: chunks, detached state, gradients stop at the chunk boundary."""
import numpy as np
import pytest

import minigrad as mg
from models import LSTM, Bidirectional, GRU, detach_state, tbptt_chunks


def test_chunks_cover_the_sequence_in_order():
    x, y = mg.arange(14.0).reshape(7, 2), np.arange(7 * 3).reshape(7, 3)
    chunks = list(tbptt_chunks(x, y, 3))
    assert [c[0].shape[0] for c in chunks] == [3, 3, 1]
    np.testing.assert_array_equal(np.concatenate([c[0].data for c in chunks]), x.data)
    np.testing.assert_array_equal(np.concatenate([c[1] for c in chunks]), y)
    batch_first = list(tbptt_chunks(mg.randn(2, 5, 1), k=2, time_axis=1))
    assert [c.shape for c in batch_first] == [(2, 2, 1), (2, 2, 1), (2, 1, 1)]
    with pytest.raises(ValueError, match="k must be >= 1"):
        list(tbptt_chunks(x, k=0))


def test_stateful_chunks_equal_one_long_run():
    lstm = LSTM(2, 3)
    x = mg.randn(7, 2, 2)
    full, (h_full, _) = lstm(x)
    state, outs = None, []
    for chunk in tbptt_chunks(x, k=3):
        out, state = lstm(chunk, state)
        state = detach_state(state)
        outs.append(out.data)
    np.testing.assert_allclose(np.concatenate(outs), full.data, atol=1e-12)
    np.testing.assert_allclose(state[0].data, h_full.data, atol=1e-12)


def test_gradient_stops_at_the_chunk_boundary():
    lstm = LSTM(2, 3)
    first = mg.randn(3, 2, 2, requires_grad=True)
    second = mg.randn(3, 2, 2, requires_grad=True)
    _, state = lstm(first)
    out, _ = lstm(second, detach_state(state))
    (g_first,) = mg.grad(out.sum(), [first], retain_graph=True, allow_unused=True)
    assert g_first is None
    # control: without detaching, the later chunk's loss does reach the earlier input
    _, state = lstm(first)
    out, _ = lstm(second, state)
    (g_first,) = mg.grad(out.sum(), [first])
    assert np.abs(g_first.data).max() > 1e-6


def test_detach_state_keeps_structure_and_values():
    _, state = Bidirectional(LSTM(2, 3))(mg.randn(4, 1, 2, requires_grad=True))
    detached = detach_state(state)
    assert detach_state(None) is None
    for (a, b), (c, d) in zip(state, detached):
        assert not c.requires_grad and not d.requires_grad
        np.testing.assert_array_equal(a.data, c.data)
        np.testing.assert_array_equal(b.data, d.data)
    _, h = GRU(2, 3)(mg.randn(4, 1, 2, requires_grad=True))
    assert h.requires_grad and not detach_state(h).requires_grad
