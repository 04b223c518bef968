"""Bidirectional wrapper: merge modes against a manual combination of two layers."""
import numpy as np
import pytest

import minigrad as mg
from models import GRU, LSTM, RNN, Bidirectional
from tests.reference.numpy_recurrent import recurrent_forward

T, N, H_IN, H = 4, 3, 3, 2


def reversed_reference(mode, x, params, lengths, **opts):
    """The backward copy by hand: reverse each sequence's valid part, run forward, reverse back."""
    out = np.zeros(x.shape[:2] + (H,))
    h_last = []
    for n in range(x.shape[1]):
        L = lengths[n] if lengths is not None else x.shape[0]
        seq = x[:L, n:n + 1][::-1]
        o, state = recurrent_forward(mode, seq, params, **opts)
        out[:L, n] = o[::-1, 0]
        h_last.append((state[0] if mode == "lstm" else state)[:, 0])
    return out, np.stack(h_last, axis=1)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("lengths", [None, [3, 1, 4]])
def test_merge_modes(merge_mode, lengths):
    wrapper = Bidirectional(GRU(H_IN, H), merge_mode=merge_mode)
    x = np.random.default_rng(0).normal(size=(T, N, H_IN))
    out, (h_f, h_b) = wrapper(mg.tensor(x), lengths=lengths)
    fwd, h_fwd = recurrent_forward("gru", x, wrapper.forward_layer.state_dict(), lengths=lengths)
    bwd, h_bwd = reversed_reference("gru", x, wrapper.backward_layer.state_dict(), lengths)
    expected = {"concat": np.concatenate([fwd, bwd], axis=-1), "sum": fwd + bwd,
                "mul": fwd * bwd, "ave": (fwd + bwd) / 2}[merge_mode]
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    np.testing.assert_allclose(h_f.data, h_fwd, atol=1e-12)
    np.testing.assert_allclose(h_b.data, h_bwd, atol=1e-12)


def test_concat_equals_a_bidirectional_layer_with_the_same_weights():
    wrapper = Bidirectional(LSTM(H_IN, H, batch_first=True))
    both = LSTM(H_IN, H, batch_first=True, bidirectional=True)
    state = {k: v for k, v in wrapper.forward_layer.state_dict().items()}
    state.update({k + "_reverse": v for k, v in wrapper.backward_layer.state_dict().items()})
    both.load_state_dict(state)
    x = mg.randn(N, T, H_IN)
    out_w, ((h_f, c_f), (h_b, c_b)) = wrapper(x, lengths=[2, 4, 1])
    out_b, (h_n, c_n) = both(x, lengths=[2, 4, 1])
    np.testing.assert_allclose(out_w.data, out_b.data, atol=1e-12)
    np.testing.assert_allclose(np.concatenate([h_f.data, h_b.data]), h_n.data, atol=1e-12)
    np.testing.assert_allclose(np.concatenate([c_f.data, c_b.data]), c_n.data, atol=1e-12)


def test_backward_copy_is_fresh_with_the_same_config():
    layer = RNN(H_IN, H, num_layers=2, nonlinearity="relu", bias=False)
    wrapper = Bidirectional(layer)
    copy = wrapper.backward_layer
    assert copy is not layer and type(copy) is RNN
    assert (copy.num_layers, copy.nonlinearity, copy.bias) == (2, "relu", False)
    assert not np.array_equal(copy.weight_ih_l0.data, layer.weight_ih_l0.data)
    names = [n for n, _ in wrapper.named_parameters()]
    assert names[0] == "forward_layer.weight_ih_l0" and "backward_layer.weight_hh_l1" in names


def test_backward_copy_ops_are_scoped_reverse():
    wrapper = Bidirectional(GRU(H_IN, H))
    out, _ = wrapper(mg.randn(T, N, H_IN, requires_grad=True))
    scopes, stack, seen = set(), [out], set()
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            scopes.add(node.scope[:4])
            stack.extend(node.inputs)
    assert ("bidirectional", "backward_layer", "layer0", "reverse") in scopes
    assert ("bidirectional", "forward_layer", "layer0", "forward") in scopes


def test_errors():
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        Bidirectional(GRU(H_IN, H), merge_mode="max")
    with pytest.raises(ValueError, match="must be unidirectional"):
        Bidirectional(GRU(H_IN, H, bidirectional=True))
