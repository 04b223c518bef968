"""In-place updates: `x -= y` under no_grad (a hand-written optimizer step), the `_`
methods, `x[i] = v`, and PyTorch's rules for when they are refused."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.errors import ShapeError, ShapeIndexError


def linear_problem(seed=0):
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((16, 3))
    targets = inputs @ np.array([[1.0], [-2.0], [0.5]]) + 0.3  # a line the model can fit
    return mg.tensor(inputs, dtype=mg.float32), mg.tensor(targets, dtype=mg.float32)


def test_a_hand_written_sgd_step_updates_the_parameters_themselves():
    mg.manual_seed(0)
    model = mg.nn.Linear(3, 1)
    x, y = linear_problem()
    weight, array = model.weight, model.weight.data
    losses = []
    for _ in range(20):
        loss = ((model(x) - y) ** 2).mean()
        model.zero_grad()
        loss.backward()
        with mg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        losses.append(loss.item())
    assert model.weight is weight and model.weight.data is array  # updated in place
    assert losses[-1] < 0.05 * losses[0]


def test_the_hand_written_step_equals_optim_sgd():
    mg.manual_seed(1)
    ours, theirs = mg.nn.Linear(3, 2), mg.nn.Linear(3, 2)
    theirs.load_state_dict(ours.state_dict())
    optimizer = mg.optim.SGD(theirs.parameters(), lr=0.05)
    x, _ = linear_problem(1)
    for _ in range(5):
        for model in (ours, theirs):
            model.zero_grad()
            (model(x) ** 2).sum().backward()
        with mg.no_grad():
            for p in ours.parameters():
                p.sub_(p.grad, alpha=0.05)
        optimizer.step()
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name], value, rtol=1e-6, atol=1e-7)


def test_a_leaf_that_requires_grad_is_refused_with_grad_enabled():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    for update in (lambda: w.add_(1.0), lambda: w.zero_(), lambda: w.__setitem__(0, 3.0)):
        with pytest.raises(RuntimeError, match="a leaf tensor that requires grad is used in "
                                               "an in-place operation.*no_grad"):
            update()
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w += 1.0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])  # nothing changed


def test_a_tensor_made_by_an_op_keeps_its_values_for_backward():
    w = mg.tensor([1.0, 2.0], requires_grad=True, dtype=mg.float64)
    h = (w * w).tanh()
    for update in (lambda: h.mul_(2.0), lambda: h.__setitem__(0, 0.0)):
        with pytest.raises(RuntimeError, match="made by tanh: its graph needs its values"):
            update()
    with mg.no_grad(), pytest.raises(RuntimeError, match="made by tanh"):
        h.add_(1.0)
    h.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), (1 - np.tanh([1.0, 4.0]) ** 2) * [2.0, 4.0])


def test_augmented_assignment_on_a_graph_tensor_is_computed_out_of_place():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3.0
    before = h
    h += w          # PyTorch records this in place; minigrad makes h = h + w
    h *= w
    assert h is not before and h.op == "mul"
    np.testing.assert_array_equal(before.numpy(), [3.0, 6.0])
    h.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 8.0 * np.array([1.0, 2.0]))  # d(4 w^2)/dw


def test_accumulating_into_a_constant_keeps_the_gradient():
    w = mg.tensor([1.0, -1.0], requires_grad=True)
    total = mg.zeros(2)
    for k in range(4):
        total += w * float(k)
    assert total.requires_grad
    total.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [6.0, 6.0])


def test_explicit_methods_refuse_an_update_that_would_need_a_gradient():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    buffer = mg.zeros(2)
    with pytest.raises(RuntimeError, match="reads a tensor that requires grad"):
        buffer.add_(w)
    with pytest.raises(RuntimeError, match="reads a tensor that requires grad"):
        buffer[0] = w[1]
    with mg.no_grad():
        buffer.add_(w)
        buffer[0] = w[1]
    np.testing.assert_array_equal(buffer.numpy(), [2.0, 2.0])


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
def test_methods_compute_as_numpy_and_keep_shape_and_dtype(dtype):
    rng = np.random.default_rng(2)
    start = rng.standard_normal((2, 3))
    other = rng.standard_normal(3)  # broadcast along the first axis
    cases = {
        "add_": (lambda t: t.add_(mg.tensor(other), alpha=2.0), start + 2.0 * other),
        "sub_": (lambda t: t.sub_(other), start - other),
        "mul_": (lambda t: t.mul_(mg.tensor(other)), start * other),
        "div_": (lambda t: t.div_(2.0), start / 2.0),
        "clamp_": (lambda t: t.clamp_(-0.5, 0.5), np.clip(start, -0.5, 0.5)),
        "zero_": (lambda t: t.zero_(), np.zeros((2, 3))),
        "fill_": (lambda t: t.fill_(1.5), np.full((2, 3), 1.5)),
        "copy_": (lambda t: t.copy_(mg.tensor(other)), np.broadcast_to(other, (2, 3))),
    }
    for name, (update, expected) in cases.items():
        t = mg.tensor(start, dtype=dtype)
        array = t.data
        assert update(t) is t, name
        assert t.data is array and t.dtype == dtype and t.shape == (2, 3), name
        np.testing.assert_allclose(t.numpy(), expected.astype(dtype), rtol=1e-6, err_msg=name)


def test_zero_d_tensors_are_updated_too():
    s = mg.tensor(2.0, dtype=mg.float32)
    s += 1
    s *= mg.tensor(3.0, dtype=mg.float64)
    s -= 0.5
    s /= 2
    assert s.item() == 4.25 and s.dtype == mg.float32 and s.data.shape == ()
    assert isinstance(s.data, np.float32)  # 0-d data stays a numpy scalar
    s.zero_()
    assert s.item() == 0.0


def test_bad_updates_name_the_op_and_the_line():
    t = mg.zeros(2, 3)
    with pytest.raises(ShapeError, match=r"add_: .*\n.*\n  created at .*test_inplace.py:\d+"):
        t.add_(mg.ones(4))
    with pytest.raises(ShapeError, match="copy_"):
        t.copy_(mg.ones(3, 3))
    i = mg.tensor([1, 2])
    with pytest.raises(TypeError, match="add_: .*int64"):
        i += 0.5
    with pytest.raises(ShapeError, match=r"shape \(2,\)"):
        mg.tensor(1.0).add_(mg.ones(2))
    np.testing.assert_array_equal(t.numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(i.numpy(), [1, 2])


def test_setitem_as_numpy_with_tensor_indices_and_values():
    t = mg.zeros(3, 4)
    expected = np.zeros((3, 4))
    t[0] = 1.0
    expected[0] = 1.0
    t[:, 1] = mg.tensor([5.0, 6.0, 7.0])
    expected[:, 1] = [5.0, 6.0, 7.0]
    t[mg.tensor([2, 2])] = mg.tensor(9.0)
    expected[[2, 2]] = 9.0
    t[t > 6.5] = -1.0
    expected[expected > 6.5] = -1.0
    t[1, mg.tensor(3)] = 4.0
    expected[1, 3] = 4.0
    np.testing.assert_array_equal(t.numpy(), expected)
    s = mg.tensor(1.0)
    s[()] = 2.0
    assert s.item() == 2.0 and s.data.shape == ()
    with pytest.raises(ShapeIndexError, match="setitem"):
        t[3] = 0.0
    with pytest.raises(ShapeError, match="setitem"):
        t[0] = mg.ones(5)


def test_gradients_can_be_updated_in_place():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    w.grad.mul_(0.5)
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 2.0])
    w.grad.zero_()
    (3.0 * w).sum().backward()  # accumulates into the zeroed gradient
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


def test_same_values_and_refusals_as_torch():
    torch = pytest.importorskip("torch")
    start, other = np.arange(6.0).reshape(2, 3), np.array([0.5, -1.0, 2.0])
    ours, theirs = mg.tensor(start), torch.tensor(start)
    for t, o in ((ours, mg.tensor(other)), (theirs, torch.tensor(other))):
        t.add_(o, alpha=3.0)
        t.mul_(o)
        t.clamp_(max=4.0)
        t[0, 1] = 7.0
        t[t < 0] = 0.0
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for leaf in (mg.tensor([1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)):
        with pytest.raises(RuntimeError, match="leaf"):
            leaf.add_(1.0)
