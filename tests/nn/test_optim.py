"""Each optimizer against its published update rule, worked out by hand for two steps.

The gradients are set directly (g1 then g2), so every expected value below is plain
arithmetic on p0, g1, g2 and the hyper-parameters.
"""

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

P0 = np.array([1.0, -2.0])
G1 = np.array([0.5, 0.25])
G2 = np.array([-0.05, 0.4])


def two_steps(make):
    p = mg.nn.Parameter(mg.tensor(P0.copy(), dtype=mg.float64))
    opt = make([p])
    seen = []
    for g in (G1, G2):
        p.grad = mg.tensor(g.copy())
        opt.step()
        seen.append(p.data.copy())
    return seen


def check(make, step1, step2):
    got1, got2 = two_steps(make)
    np.testing.assert_allclose(got1, step1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got2, step2, rtol=1e-12, atol=1e-15)


def test_sgd_plain_and_weight_decay():
    lr, wd = 0.1, 0.01
    p1 = P0 - lr * G1
    check(lambda ps: optim.SGD(ps, lr=lr), p1, p1 - lr * G2)
    p1 = P0 - lr * (G1 + wd * P0)
    check(lambda ps: optim.SGD(ps, lr=lr, weight_decay=wd), p1, p1 - lr * (G2 + wd * p1))


def test_sgd_momentum_dampening_nesterov():
    lr, mu, damp = 0.1, 0.9, 0.3
    b1 = G1                              # first step: buffer = gradient, no dampening
    b2 = mu * b1 + (1 - damp) * G2
    p1 = P0 - lr * b1
    check(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, dampening=damp), p1, p1 - lr * b2)
    b2 = mu * G1 + G2
    p1 = P0 - lr * (G1 + mu * G1)
    p2 = p1 - lr * (G2 + mu * b2)
    check(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, nesterov=True), p1, p2)
    with pytest.raises(ValueError):
        optim.SGD([mg.nn.Parameter(mg.zeros(1))], lr=0.1, nesterov=True)


def adam_by_hand(lr, b1, b2, eps, wd=0.0, amsgrad=False, decoupled=False):
    p, m, v, vmax, out = P0.copy(), 0.0, 0.0, 0.0, []
    for t, g in enumerate((G1, G2), start=1):
        if decoupled:
            p = p * (1 - lr * wd)
        elif wd:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        m_hat = m / (1 - b1 ** t)
        v_hat = (vmax if amsgrad else v) / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


@pytest.mark.parametrize("wd,amsgrad", [(0.0, False), (0.1, False), (0.0, True), (0.05, True)])
def test_adam(wd, amsgrad):
    # PyTorch divides sqrt(v) by sqrt(1 - b2^t) and then adds eps: the same as above.
    lr, b1, b2, eps = 0.01, 0.8, 0.9, 1e-3
    step1, step2 = adam_by_hand(lr, b1, b2, eps, wd, amsgrad)
    check(lambda ps: optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd,
                                amsgrad=amsgrad), step1, step2)


def test_amsgrad_changes_the_second_step_here():
    # with these gradients v shrinks in coordinate 0, so amsgrad must differ from Adam
    plain = adam_by_hand(0.01, 0.8, 0.9, 1e-3)[1]
    ams = adam_by_hand(0.01, 0.8, 0.9, 1e-3, amsgrad=True)[1]
    assert not np.allclose(plain, ams)


def test_adam_first_step_is_lr_times_sign():
    got1, _ = two_steps(lambda ps: optim.Adam(ps, lr=0.01, eps=0.0))
    np.testing.assert_allclose(got1, P0 - 0.01 * np.sign(G1), rtol=1e-12)


def test_adamw_decouples_weight_decay():
    step1, step2 = adam_by_hand(0.01, 0.9, 0.999, 1e-8, wd=0.1, decoupled=True)
    check(lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.1), step1, step2)


@pytest.mark.parametrize("momentum,centered,wd", [(0.0, False, 0.0), (0.5, False, 0.1),
                                                  (0.0, True, 0.0), (0.5, True, 0.1)])
def test_rmsprop(momentum, centered, wd):
    lr, alpha, eps = 0.01, 0.9, 1e-6
    p, s, a, buf, expected = P0.copy(), 0.0, 0.0, 0.0, []
    for g in (G1, G2):
        g = g + wd * p
        s = alpha * s + (1 - alpha) * g ** 2
        a = alpha * a + (1 - alpha) * g
        denom = np.sqrt(s - a ** 2 if centered else s) + eps
        if momentum:
            buf = momentum * buf + g / denom
            p = p - lr * buf
        else:
            p = p - lr * g / denom
        expected.append(p)
    check(lambda ps: optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps, weight_decay=wd,
                                   momentum=momentum, centered=centered), *expected)


def test_rmsprop_first_step_written_out():
    # s1 = 0.01 * g^2, so the step is lr * g / (0.1 |g| + eps)
    got1, _ = two_steps(lambda ps: optim.RMSprop(ps, lr=0.01, eps=0.0))
    np.testing.assert_allclose(got1, P0 - 0.01 * np.sign(G1) / 0.1, rtol=1e-12)


def test_adagrad():
    lr, decay, init_acc, eps, wd = 0.1, 0.5, 0.2, 1e-10, 0.01
    g1 = G1 + wd * P0
    s1 = init_acc + g1 ** 2
    p1 = P0 - lr * g1 / (np.sqrt(s1) + eps)
    g2 = G2 + wd * p1
    s2 = s1 + g2 ** 2
    p2 = p1 - (lr / (1 + decay)) * g2 / (np.sqrt(s2) + eps)
    check(lambda ps: optim.Adagrad(ps, lr=lr, lr_decay=decay, weight_decay=wd,
                                   initial_accumulator_value=init_acc, eps=eps), p1, p2)


def test_param_groups_zero_grad_and_skipping_params_without_grad():
    a = mg.nn.Parameter(mg.ones(2, dtype=mg.float64))
    b = mg.nn.Parameter(mg.ones(2, dtype=mg.float64))
    c = mg.nn.Parameter(mg.ones(2, dtype=mg.float64))
    opt = optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    a.grad, b.grad = mg.ones(2, dtype=mg.float64), mg.ones(2, dtype=mg.float64)
    opt.step()
    np.testing.assert_allclose(a.data, 0.9)
    np.testing.assert_allclose(b.data, 0.5)
    np.testing.assert_allclose(c.data, 1.0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    with pytest.raises(ValueError):
        optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)


def test_training_a_linear_model_reduces_the_loss():
    mg.manual_seed(0)
    model = mg.nn.Linear(3, 1)
    x = mg.randn(32, 3)
    y = x @ mg.tensor([[1.0], [-2.0], [0.5]])
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = mg.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.01 * losses[0]


def test_step_lr():
    p = mg.nn.Parameter(mg.ones(1))
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]


def test_step_lr_is_chainable_with_manual_lr_changes():
    opt = optim.SGD([mg.nn.Parameter(mg.ones(1))], lr=0.5)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    sched.step()
    opt.param_groups[0]["lr"] = 1.0  # by hand: the schedule scales from here on
    lrs = []
    for _ in range(3):
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == pytest.approx([0.1, 0.1, 0.01], rel=1e-12)
    assert sched.get_last_lr() == pytest.approx([0.01], rel=1e-12)


@pytest.mark.parametrize("make", [
    lambda ps, **kw: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1, **kw),
    lambda ps, **kw: optim.Adam(ps, lr=0.1, weight_decay=0.1, **kw),
    lambda ps, **kw: optim.AdamW(ps, lr=0.1, **kw),
    lambda ps, **kw: optim.RMSprop(ps, lr=0.1, momentum=0.5, **kw),
    lambda ps, **kw: optim.Adagrad(ps, lr=0.1, weight_decay=0.1, **kw)])
def test_maximize_ascends_as_minimizing_the_negated_loss(make):
    """maximize=True negates the gradient first (before weight decay), as torch."""
    up, down = mg.nn.Parameter(mg.tensor(P0.copy())), mg.nn.Parameter(mg.tensor(P0.copy()))
    ascent, descent = make([up], maximize=True), make([down])
    assert ascent.param_groups[0]["maximize"] is True
    assert descent.param_groups[0]["maximize"] is False
    for g in (G1, G2):
        up.grad, down.grad = mg.tensor(g), mg.tensor(-g)
        ascent.step()
        descent.step()
        np.testing.assert_allclose(up.data, down.data, rtol=1e-12)


def test_adagrad_parameter_group_added_later():
    first, later = mg.nn.Parameter(mg.tensor(P0.copy())), mg.nn.Parameter(mg.tensor(P0.copy()))
    opt = optim.Adagrad([first], lr=0.1, initial_accumulator_value=0.0)
    opt.add_param_group({"params": [later], "initial_accumulator_value": 0.5})
    first.grad, later.grad = mg.tensor(G1), mg.tensor(G1)
    opt.step()  # the later parameter's state starts here, at its group's value
    np.testing.assert_allclose(later.data, P0 - 0.1 * G1 / (np.sqrt(0.5 + G1 * G1) + 1e-10))
    np.testing.assert_allclose(first.data, P0 - 0.1 * G1 / (np.abs(G1) + 1e-10))
    assert opt.state[later]["step"] == 1


def test_adam_against_torch():
    torch = pytest.importorskip("torch")
    ours = two_steps(lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True))
    p = torch.tensor(P0.copy(), requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01, weight_decay=0.1, amsgrad=True)
    for g, mine in zip((G1, G2), ours):
        p.grad = torch.tensor(g)
        opt.step()
        np.testing.assert_allclose(mine, p.detach().numpy(), rtol=1e-12)
