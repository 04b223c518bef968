"""copy.deepcopy and copy.copy of tensors, as in PyTorch: a leaf is copied, a graph
node is refused clearly, and nothing walks the graph (no RecursionError)."""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def chain(w, steps):
    h = mg.tensor(0.0)
    for t in range(steps):
        h = (w * h + 0.01 * t).tanh()
    return h


def test_deepcopy_of_a_leaf_copies_data_flag_name_and_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    w.name = "w"
    (w * w).sum().backward()
    twin = copy.deepcopy(w)
    assert twin is not w and twin.is_leaf and twin.requires_grad and twin.name == "w"
    np.testing.assert_array_equal(twin.data, [1.0, 2.0])
    np.testing.assert_array_equal(twin.grad.data, [2.0, 4.0])
    twin.data[0] = 5.0
    twin.grad.data[0] = 5.0
    assert w.data[0] == 1.0 and w.grad.data[0] == 2.0      # nothing shared
    frozen = copy.deepcopy(mg.tensor([1, 2]))
    assert not frozen.requires_grad and frozen.grad is None


def test_deepcopy_keeps_the_parameter_class_and_shared_tensors_shared():
    p = nn.Parameter(np.ones(3))
    twin_list = copy.deepcopy([p, p])
    assert type(twin_list[0]) is nn.Parameter and twin_list[0] is twin_list[1]
    assert twin_list[0] is not p


def test_deepcopy_of_a_deep_graph_node_is_refused_clearly_without_recursing():
    w = mg.tensor(0.6, requires_grad=True)
    h = chain(w, 5_000)
    # 5,000 steps under the default recursion limit: a walk over the graph would fail
    with pytest.raises(RuntimeError, match=r"deepcopy: only leaf tensors .*made by tanh"
                                           r".*\.detach\(\)\.clone\(\)"):
        copy.deepcopy(h)
    values = copy.deepcopy(h.detach().clone())              # the way out the message names
    assert values.is_leaf and values.item() == h.item()


def test_a_create_graph_gradient_is_deep_copied_detached():
    w = mg.tensor(0.6, requires_grad=True)
    chain(w, 2_000).backward(create_graph=True)
    assert not w.grad.is_leaf
    twin = copy.deepcopy(w)
    assert twin.grad.is_leaf and not twin.grad.requires_grad
    assert twin.grad.item() == w.grad.item()


def test_deepcopy_of_a_module_holding_create_graph_gradients():
    layer = nn.Linear(1, 1)
    w = mg.tensor(0.6, requires_grad=True)
    h = chain(w, 2_000)
    layer(h.reshape(1, 1)).sum().backward(create_graph=True)
    assert not layer.weight.grad.is_leaf
    twin = copy.deepcopy(layer)
    for original, copied in zip(layer.parameters(), twin.parameters()):
        assert copied is not original and type(copied) is nn.Parameter
        np.testing.assert_array_equal(copied.data, original.data)
        assert copied.grad.is_leaf
        np.testing.assert_array_equal(copied.grad.data, original.grad.data)


def test_copy_copy_is_a_new_leaf_sharing_data_as_in_pytorch():
    a = mg.tensor(1.0, requires_grad=True)
    a.register_hook(lambda g: g * 10.0)
    b = copy.copy(a)
    assert b is not a and b.data is a.data and b.requires_grad and b.grad is None
    (a * 2.0 + b * 3.0).backward()
    assert a.grad.item() == 20.0 and b.grad.item() == 3.0  # own gradient, no hooks copied
    h = (a * 2.0).tanh()
    c = copy.copy(h)                                        # a graph node: a leaf copy
    assert c.is_leaf and c.requires_grad and c.data is h.data
