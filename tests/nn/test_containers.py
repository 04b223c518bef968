"""ModuleList, ModuleDict, ParameterList and Identity, as in torch.nn (checked without torch)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
        self.scales = nn.ParameterList([nn.Parameter(mg.ones(2))])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x) * self.scales[0]
        return x


def test_module_list_registers_indexes_and_grows():
    model = Stack()
    assert list(model.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                        "layers.1.bias", "scales.0"]
    assert len(model.layers) == 2 and model.layers[-1] is model.layers[1]
    with pytest.raises(IndexError):
        model.layers[2]
    assert model.layers.append(nn.Tanh()) is model.layers
    model.layers.extend([nn.ReLU(), nn.ReLU()])
    assert [type(m).__name__ for m in model.layers] == ["Linear", "Linear", "Tanh", "ReLU",
                                                         "ReLU"]
    assert list(model.layers[3:]._modules) == ["0", "1"]  # a slice is a new list
    model.layers[2] = nn.Sigmoid()
    assert isinstance(model.layers[2], nn.Sigmoid)
    assert repr(model.layers) == (
        "ModuleList(\n"
        "  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (2): Sigmoid()\n"
        "  (3-4): 2 x ReLU()\n"
        ")")
    assert repr(nn.ModuleList()) == "ModuleList()"
    with pytest.raises(TypeError):
        nn.ModuleList([mg.zeros(1)])


def test_parameter_list_registers_its_parameters_for_training():
    model = Stack()
    model.scales.append(mg.zeros(3))  # a Tensor becomes a Parameter
    model.scales.extend([nn.Parameter(mg.zeros(1))])
    assert len(model.scales) == 3 and isinstance(model.scales[1], nn.Parameter)
    assert [n for n, _ in model.named_parameters()][-3:] == ["scales.0", "scales.1",
                                                            "scales.2"]
    assert model.scales[-1] is list(model.scales)[2]
    with pytest.raises(IndexError):
        model.scales[3]
    with pytest.raises(TypeError):
        model.scales.append(1.0)
    model(mg.ones(1, 2)).sum().backward()
    assert model.scales[0].grad is not None and model.layers[0].weight.grad is not None
    assert repr(nn.ParameterList([nn.Parameter(mg.zeros(2, 3, dtype=mg.float64))])) == \
        "ParameterList(  (0): Parameter containing: [float64 of size 2x3])"


def test_module_dict_and_identity():
    blocks = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.Tanh()})
    blocks["dec"] = nn.Linear(3, 1)
    del blocks["act"]
    assert list(blocks) == list(blocks.keys()) == ["enc", "dec"] and len(blocks) == 2
    assert "enc" in blocks and blocks["enc"] is dict(blocks.items())["enc"]
    assert list(blocks.state_dict()) == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    with pytest.raises(KeyError):
        blocks["keys"] = nn.Tanh()  # would hide the method
    with pytest.raises(KeyError):
        blocks["a.b"] = nn.Tanh()  # would make an ambiguous state_dict key
    x = mg.tensor(np.ones((2, 3)))
    assert nn.Identity(3, unused=1)(x) is x
    assert repr(nn.Identity()) == "Identity()"
