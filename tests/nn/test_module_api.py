"""Module registration, traversal, state_dict, apply, casts and repr, as torch.nn does them
(checked here without torch; tests/nn/test_torch_parity_nn.py compares with torch itself)."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from tests.nn.module_cases import SharedChildAndBuffer, Tree, WithBuffer, WithExtraRepr


def test_replacing_a_child_keeps_its_place_in_the_forward_order():
    model = nn.Sequential(nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 1))
    replacement = nn.Linear(1, 1)
    setattr(model, "0", replacement)
    assert model[0] is replacement
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    model[1] = nn.ReLU()
    x = mg.tensor([[-3.0]])
    np.testing.assert_allclose(model(x).data, model[2](model[0](x).relu()).data)


def test_reassigning_a_parameter_keeps_its_position():
    layer = nn.Linear(2, 2)
    layer.weight = nn.Parameter(mg.zeros(2, 2))
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    layer.weight = None  # an empty slot, still first
    assert list(layer.state_dict()) == ["bias"]
    layer.weight = nn.Parameter(mg.zeros(2, 2))
    assert list(layer.state_dict()) == ["weight", "bias"]
    no_bias = nn.Linear(2, 2, bias=False)
    no_bias.bias = nn.Parameter(mg.zeros(2))
    assert list(no_bias.state_dict()) == ["weight", "bias"]


def test_a_registered_name_only_takes_its_own_kind_or_none():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign a Tensor as parameter 'weight'"):
        layer.weight = mg.zeros(2, 2)
    with pytest.raises(TypeError, match="Parameter or None"):
        layer.register_parameter("extra", mg.zeros(1))
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    model = nn.Sequential(layer)
    with pytest.raises(TypeError, match="child module '0'"):
        setattr(model, "0", mg.zeros(1))
    with pytest.raises(TypeError, match="not a Module"):
        model.add_module("1", [nn.Tanh()])
    holder = WithBuffer()
    with pytest.raises(TypeError, match="buffer 'running'"):
        holder.running = 3.0
    holder.running = nn.Linear(1, 1)  # a module may take a buffer's name (torch's rule)
    assert [n for n, _ in holder.named_buffers()] == []
    assert "running" in dict(holder.named_children())


def test_shared_objects_are_listed_once_but_saved_under_every_name():
    m = SharedChildAndBuffer()
    assert [n for n, _ in m.named_children()] == ["a"]
    assert len(list(m.children())) == 1
    assert [n for n, _ in m.named_modules()] == ["", "a"]
    assert len(list(m.modules())) == 2
    assert [n for n, _ in m.named_parameters()] == ["a.weight", "a.bias"]
    assert len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_buffers()] == ["x"]
    assert len(list(m.buffers())) == 1
    assert list(m.state_dict()) == ["x", "y", "a.weight", "a.bias", "b.weight", "b.bias"]
    assert [n for n, _ in m.named_modules(remove_duplicate=False)] == ["", "a", "b"]


def test_tied_weights_load_strictly_under_every_name():
    first, second = nn.Linear(2, 2), nn.Linear(2, 2)
    second.weight = first.weight
    model = nn.Sequential(first, second)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    state["0.weight"] = state["1.weight"] = np.full((2, 2), 7.0)
    model.load_state_dict(state)  # strict: both names are expected
    np.testing.assert_array_equal(second.weight.data, 7.0)
    assert second.weight is first.weight


def test_state_dict_goes_module_by_module_parameters_then_buffers():
    assert list(WithBuffer().state_dict()) == ["w", "running", "child.weight", "child.bias"]


def test_apply_visits_each_childs_subtree_then_the_module():
    seen = []
    tree = Tree()
    assert tree.apply(lambda m: seen.append(type(m).__name__)) is tree
    assert seen == ["Linear", "ReLU", "Sequential", "Tanh", "Tree"]


def test_dtype_cast_converts_gradients():
    layer = nn.Linear(2, 1, dtype=mg.float32)
    layer(mg.ones(1, 2, dtype=mg.float32)).sum().backward()
    layer.double()
    assert layer.weight.grad.dtype == np.float64
    np.testing.assert_array_equal(layer.weight.grad.data, [[1.0, 1.0]])
    before = layer.weight.data.copy()
    mg.optim.SGD(layer.parameters(), lr=0.5).step()
    np.testing.assert_allclose(layer.weight.data, before - 0.5)
    layer.float()
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


def test_sequential_from_an_ordered_dict_and_slices_keep_names():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 2)), ("act", nn.Tanh()),
                                       ("out", nn.Linear(2, 1))]))
    assert list(model.state_dict()) == ["fc.weight", "fc.bias", "out.weight", "out.bias"]
    x = mg.tensor([[0.5]])
    np.testing.assert_allclose(model(x).data, model.out(model.fc(x).tanh()).data)
    tail = model[1:]
    assert list(tail.state_dict()) == ["out.weight", "out.bias"]
    assert tail[1] is model.out
    numbered = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1), nn.Linear(1, 1))
    assert list(numbered[1:].state_dict()) == ["1.weight", "1.bias", "2.weight", "2.bias"]


def test_repr_puts_extra_repr_on_its_own_line_when_there_are_children():
    assert repr(WithExtraRepr()) == ("WithExtraRepr(\n"
                                     "  k=1\n"
                                     "  (l): Linear(in_features=1, out_features=1, bias=True)\n"
                                     ")")


def test_recurrent_and_conv_reprs_as_torch():
    import models
    assert repr(models.RNN(3, 2)) == "RNN(3, 2)"
    assert repr(models.RNN(3, 2, nonlinearity="relu")) == "RNN(3, 2)"  # torch hides it
    assert repr(models.RNNCell(3, 2, nonlinearity="relu")) == "RNNCell(3, 2, nonlinearity=relu)"
    assert repr(nn.Conv1d(2, 3, 3, padding="same")) == \
        "Conv1d(2, 3, kernel_size=(3,), stride=(1,), padding=same)"
