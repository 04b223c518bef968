"""register_hook: observing, replacing, and removing gradient hooks."""
import numpy as np
import pytest

import minigrad as mg


def f64(values):
    return mg.tensor(values, dtype=mg.float64, requires_grad=True)


def test_hook_on_non_leaf_sees_its_gradient():
    x = f64([1.0, 2.0])
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    (h * h).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [4.0, 8.0])     # d(h^2)/dh = 2h


def test_hook_returning_a_tensor_replaces_the_gradient_downstream():
    x = f64([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [80.0, 160.0])  # 10 * 2h * 2


def test_hook_on_leaf_replaces_what_is_accumulated():
    x = f64([1.0, 2.0])
    x.register_hook(lambda g: g * 0 + 7)
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [7.0, 7.0])


def test_hook_sees_the_total_gradient_once_under_fan_out():
    x = f64(1.0)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 3).backward()
    assert calls == [5.0]


def test_removed_hook_is_not_called():
    x = f64([1.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 100)
    handle.remove()
    (x * 3).sum().backward()
    assert calls == []
    np.testing.assert_allclose(x.grad.numpy(), [3.0])


def test_hooks_run_in_registration_order_and_chain():
    x = f64(1.0)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 2).backward()
    assert x.grad.item() == (2 + 1) * 10


def test_hook_on_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError):
        mg.tensor([1.0]).register_hook(lambda g: g)


def test_retained_grad_of_a_non_leaf_accumulates_over_backward_calls_as_in_pytorch():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=mg.float64)
    h = x * 1.0
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    first = h.grad
    y.backward()
    np.testing.assert_allclose(h.grad.data, [4.0, 8.0])  # 2 * (2 h)
    np.testing.assert_allclose(first.data, [2.0, 4.0])   # the first result is not mutated
