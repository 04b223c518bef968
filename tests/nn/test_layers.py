"""Linear, Embedding, Sequential, Dropout, Flatten and activation modules; their reprs."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def test_linear_shapes_init_and_gradcheck():
    mg.manual_seed(0)
    layer = nn.Linear(16, 5)
    assert layer.weight.shape == (5, 16) and layer.bias.shape == (5,)
    bound = 1 / np.sqrt(16)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.8 * bound  # actually uses the range
    layer.double()
    x = mg.tensor(np.random.default_rng(0).normal(size=(3, 16)), requires_grad=True)
    np.testing.assert_allclose(layer(x).data, x.data @ layer.weight.data.T + layer.bias.data)
    assert mg.gradcheck(lambda x, w, b: nn.functional.linear(x, w, b),
                        (x, layer.weight, layer.bias))
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]


def test_embedding_lookup_and_padding_row_gets_no_gradient():
    mg.manual_seed(0)
    emb = nn.Embedding(6, 3, padding_idx=0).double()
    np.testing.assert_array_equal(emb.weight.data[0], 0)
    ids = mg.tensor(np.array([[0, 2, 2], [5, 0, 1]]))
    out = emb(ids)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data, emb.weight.data[ids.data])
    (out * out).sum().backward()
    grad = emb.weight.grad.data
    np.testing.assert_array_equal(grad[0], 0)
    np.testing.assert_allclose(grad[2], 2 * 2 * emb.weight.data[2])  # used twice
    np.testing.assert_array_equal(grad[3], 0)
    # a non-zero padding row (e.g. loaded) is still returned, and still gets no gradient
    emb.weight.data[0] = 7.0
    emb.weight.grad = None
    out = emb(mg.tensor(np.array([0])))
    np.testing.assert_array_equal(out.data, [[7.0, 7.0, 7.0]])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[0], 0)


def test_embedding_normal_init_and_bad_ids():
    mg.manual_seed(1)
    emb = nn.Embedding(1000, 8)
    assert abs(emb.weight.data.mean()) < 0.05 and abs(emb.weight.data.std() - 1) < 0.05
    with pytest.raises(IndexError):
        emb(mg.tensor(np.array([1000])))


def test_sequential_naming_indexing_and_forward():
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2), nn.Sigmoid())
    assert len(model) == 4
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert isinstance(model[1], nn.Tanh) and model[-1] is model[3]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    with pytest.raises(IndexError):
        model[4]
    x = mg.randn(5, 4)
    expected = model[2](model[0](x).tanh()).sigmoid()
    np.testing.assert_allclose(model(x).data, expected.data, rtol=1e-6)
    out = model(mg.randn(2, 4, requires_grad=True))
    assert out.scope == ("sequential", "3")  # each child runs in its own name scope


def test_dropout_module_follows_training_mode():
    mg.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = mg.ones(100)
    assert (drop(x).data == 0).any()
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(-0.1)


def test_flatten_and_activations():
    x = mg.tensor(np.arange(24.0).reshape(2, 3, 4) - 12)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    np.testing.assert_array_equal(nn.ReLU()(x).data, np.maximum(x.data, 0))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x.data))
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x.data)), rtol=1e-6)


def test_reprs_as_pytorch():
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Linear(4, 2, bias=False),
                          nn.ReLU(), nn.Dropout(0.25), nn.Flatten())
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Embedding(10, 4, padding_idx=0)\n"
        "  (1): Linear(in_features=4, out_features=2, bias=False)\n"
        "  (2): ReLU()\n"
        "  (3): Dropout(p=0.25, inplace=False)\n"
        "  (4): Flatten(start_dim=1, end_dim=-1)\n"
        ")")
