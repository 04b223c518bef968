"""RNN / LSTM / GRU options: errors, dropout, recurrent dropout, state dicts, scopes, torch."""
import numpy as np
import pytest

import minigrad as mg
from models import GRU, LSTM, RNN
from tests.reference.numpy_recurrent import init_params, recurrent_forward

T, N, H_IN, H = 4, 3, 3, 2


# ------------------------------------------------------------------ errors
def test_wrong_input_size_names_layer_argument_and_shapes():
    with pytest.raises(ValueError, match=r"LSTM: input has feature size 5 \(shape \(4, 3, 5\)\) "
                                         r"but input_size=3"):
        LSTM(H_IN, H)(mg.randn(T, N, 5))


def test_input_dtype_must_match_the_parameters():
    with pytest.raises(TypeError, match=r"LSTM: input has dtype float32 but the parameters "
                                        r"are float64"):
        LSTM(H_IN, H).double()(mg.randn(T, N, H_IN, dtype=mg.float32))
    with pytest.raises(TypeError, match=r"linear: input has dtype float64 but the weight is "
                                        r"float32"):
        mg.nn.Linear(H_IN, H).float()(mg.randn(N, H_IN, dtype=mg.float64))
    out, _ = LSTM(H_IN, H).double()(mg.randn(T, N, H_IN).double())
    assert out.dtype == np.float64


def test_wrong_rank_is_an_error():
    with pytest.raises(ValueError, match=r"GRU: input must be 3-D .* got shape \(4,\)"):
        GRU(H_IN, H)(mg.randn(4))


@pytest.mark.parametrize("bad", [[0, 2, 3], [5, 2, 3]])
def test_lengths_out_of_range(bad):
    with pytest.raises(ValueError, match=r"RNN: lengths must be in \[1, L=4\]; got "
                                         rf"{bad[0]} for sequence 0"):
        RNN(H_IN, H)(mg.randn(T, N, H_IN), lengths=bad)


def test_lengths_wrong_count():
    with pytest.raises(ValueError, match=r"GRU: lengths must be 3 integers"):
        GRU(H_IN, H)(mg.randn(T, N, H_IN), lengths=[1, 2])


def test_wrong_hx_shape():
    with pytest.raises(ValueError, match=r"GRU: hx \(h_0\) has shape \(1, 3, 2\), "
                                         r"expected \(4, 3, 2\)"):
        GRU(H_IN, H, num_layers=2, bidirectional=True)(mg.randn(T, N, H_IN), mg.zeros(1, N, H))


def test_lstm_hx_must_be_a_pair():
    with pytest.raises(ValueError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        LSTM(H_IN, H)(mg.randn(T, N, H_IN), mg.zeros(1, N, H))
    with pytest.raises(ValueError, match=r"LSTM: hx \(c_0\) has shape \(1, 2, 2\)"):
        LSTM(H_IN, H)(mg.randn(T, N, H_IN), (mg.zeros(1, N, H), mg.zeros(1, 2, H)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="num_layers must be >= 1"):
        LSTM(H_IN, H, num_layers=0)
    with pytest.raises(ValueError, match=r"recurrent_dropout must be in \[0, 1\)"):
        GRU(H_IN, H, recurrent_dropout=1.5)


# ---------------------------------------------------------------- dropouts
def test_inter_layer_dropout_only_in_training():
    layer = LSTM(H_IN, H, num_layers=2, dropout=0.5)
    x = mg.randn(T, N, H_IN)
    layer.eval()
    out_eval, _ = layer(x)
    ref, _ = recurrent_forward("lstm", x.data, layer.state_dict(), num_layers=2)
    np.testing.assert_allclose(out_eval.data, ref, atol=1e-12)
    layer.train()
    out_train, _ = layer(x)
    assert np.abs(out_train.data - ref).max() > 1e-3


def test_inter_layer_dropout_scales_the_lower_layer_output():
    """With p = 0.5, layer 1 sees layer 0's output times a mask of 0s and 2s."""
    mg.manual_seed(11)
    layer = RNN(H_IN, H, num_layers=2, dropout=0.5)
    x = mg.randn(T, N, H_IN)
    params = layer.state_dict()
    mg.manual_seed(5)
    out, _ = layer(x)
    mg.manual_seed(5)  # the same draws, made the way the layer makes them (step by step)
    masks = [(mg.generator().random((N, H)) >= 0.5) * 2.0 for _ in range(T)]
    low = {k: v for k, v in params.items() if k.endswith("l0")}
    high = {k.replace("l1", "l0"): v for k, v in params.items() if k.endswith("l1")}
    hidden, _ = recurrent_forward("rnn", x.data, low)
    top, _ = recurrent_forward("rnn", hidden * np.stack(masks), high)
    np.testing.assert_allclose(out.data, top, atol=1e-12)


def numpy_rnn_with_recurrent_mask(x, p, mask):
    h = np.zeros((x.shape[1], p["weight_hh_l0"].shape[1]))
    outs = []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"]
                    + (h * mask) @ p["weight_hh_l0"].T + p["bias_hh_l0"])
        outs.append(h)
    return np.stack(outs)


def test_recurrent_dropout_uses_one_mask_for_every_step():
    layer = RNN(H_IN, 6, recurrent_dropout=0.5)
    x = mg.randn(T, N, H_IN)
    mg.manual_seed(3)
    out, _ = layer(x)
    mg.manual_seed(3)
    mask = (mg.generator().random((N, 6)) >= 0.5) * 2.0
    assert 0 < mask.sum() < mask.size * 2  # some kept, some dropped
    expected = numpy_rnn_with_recurrent_mask(x.data, layer.state_dict(), mask)
    np.testing.assert_allclose(out.data, expected, atol=1e-12)


def test_recurrent_dropout_is_off_in_eval_and_by_default():
    layer = GRU(H_IN, H, recurrent_dropout=0.9)
    x = mg.randn(T, N, H_IN)
    ref, _ = recurrent_forward("gru", x.data, layer.state_dict())
    layer.eval()
    np.testing.assert_allclose(layer(x)[0].data, ref, atol=1e-12)
    assert GRU(H_IN, H).recurrent_dropout == 0.0


# ------------------------------------------------------------- state dicts
def test_state_dict_keys_are_pytorchs():
    layer = GRU(H_IN, H, num_layers=2, bidirectional=True)
    expected = [f"{w}_l{k}{s}" for k in range(2) for s in ("", "_reverse")
                for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    assert list(layer.state_dict()) == expected
    assert layer.state_dict()["weight_ih_l1"].shape == (3 * H, 2 * H)


def test_foreign_state_dict_loads_and_saves_back(tmp_path):
    params = init_params("lstm", H_IN, H, 2, True, rng=np.random.default_rng(9))
    mg.save(params, tmp_path / "torch_like.npz")
    layer = LSTM(H_IN, H, num_layers=2, bidirectional=True)
    layer.load_state_dict(mg.load(tmp_path / "torch_like.npz"))
    x = np.random.default_rng(1).normal(size=(T, N, H_IN))
    ref_out, _ = recurrent_forward("lstm", x, params, num_layers=2, bidirectional=True)
    np.testing.assert_allclose(layer(mg.tensor(x))[0].data, ref_out, atol=1e-12)
    mg.save(layer.state_dict(), tmp_path / "ours.npz")
    back = mg.load(tmp_path / "ours.npz")
    assert list(back) == list(params)
    for k, v in params.items():
        np.testing.assert_array_equal(back[k], v)


# ------------------------------------------------------------------ scopes
def test_every_step_op_carries_layer_direction_and_time_scope():
    layer = GRU(H_IN, H, num_layers=2, bidirectional=True)
    x = mg.randn(T, N, H_IN, requires_grad=True)
    out, _ = layer(x)
    seen, stack, scopes = set(), [out], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        scopes.add(node.scope)
        stack.extend(node.inputs)
    for k in range(2):
        for direction in ("forward", "reverse"):
            for t in range(T):
                assert ("gru", f"layer{k}", direction, f"t{t}") in scopes


def test_projection_ops_are_scoped_by_layer_direction_and_time():
    layer = LSTM(H_IN, 3, num_layers=2, bidirectional=True, proj_size=2)
    out, (h_n, _) = layer(mg.randn(T, N, H_IN, requires_grad=True))
    projections = {id(p): name for name, p in layer.named_parameters() if "weight_hr" in name}
    seen, stack, scopes = set(), [out, h_n], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        # the product h = m W_hr^T: a matmul whose second input is the transpose of W_hr
        if node.op == "matmul" and any(id(i) in projections for i in node.inputs[1].inputs):
            scopes.add(node.scope)
        stack.extend(node.inputs)
    assert scopes == {("lstm", f"layer{k}", direction, f"t{t}") for k in range(2)
                      for direction in ("forward", "reverse") for t in range(T)}


def test_reverse_direction_visits_time_backwards():
    """The reverse direction's step t uses the state made at step t + 1."""
    layer = RNN(H_IN, H, bidirectional=True)
    out, _ = layer(mg.randn(T, N, H_IN, requires_grad=True))
    rev_t1 = out[1]  # getitem on the stacked output; follow the graph to the tanh at t1
    stack = [rev_t1]
    found = []
    seen = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.op == "tanh" and n.scope[-2:] == ("reverse", "t1"):
            found.append(n)
        stack.extend(n.inputs)
    assert found
    scopes_feeding = set()
    stack, seen = list(found[0].inputs), set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.op == "tanh":
            scopes_feeding.add(n.scope[-2:])
        stack.extend(n.inputs)
    assert scopes_feeding == {("reverse", "t2"), ("reverse", "t3")}


# ------------------------------------------------------------------- torch
def test_torch_parity():
    torch = pytest.importorskip("torch")
    ref = torch.nn.GRU(H_IN, H, num_layers=2, bidirectional=True, batch_first=True).double()
    layer = GRU(H_IN, H, num_layers=2, bidirectional=True, batch_first=True)
    layer.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(N, T, H_IN))
    out_ref, h_ref = ref(torch.from_numpy(x))
    out, h_n = layer(mg.tensor(x))
    np.testing.assert_allclose(out.data, out_ref.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(h_n.data, h_ref.detach().numpy(), atol=1e-10)


def test_no_grad_path_with_hoisted_projection_gives_the_same_result():
    layer = LSTM(H_IN, H, num_layers=2, bidirectional=True)
    x = mg.randn(T, N, H_IN)
    recorded, (h_rec, _) = layer(x, lengths=[2, 4, 3])
    with mg.no_grad():
        hoisted, (h_hoist, _) = layer(x, lengths=[2, 4, 3])
    np.testing.assert_allclose(hoisted.data, recorded.data, atol=1e-12)
    np.testing.assert_allclose(h_hoist.data, h_rec.data, atol=1e-12)
