"""Losses against hand computations, reductions, ignore_index, stability at 1e4, gradchecks."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F


def hand_cross_entropy_rows(logits, target):
    """-log softmax(x)[y] for each row, written out with math.exp."""
    out = []
    for row, y in zip(logits, target):
        total = sum(math.exp(v) for v in row)
        out.append(-(row[y] - math.log(total)))
    return np.array(out)


LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0], [2.0, 2.0, 2.0], [-0.5, 0.0, 0.5]])
TARGET = np.array([1, 2, -100, 0])


def test_cross_entropy_reductions_and_ignore_index():
    rows = hand_cross_entropy_rows(LOGITS[[0, 1, 3]], TARGET[[0, 1, 3]])
    x = mg.tensor(LOGITS)
    none = F.cross_entropy(x, mg.tensor(TARGET), reduction="none").data
    np.testing.assert_allclose(none, [rows[0], rows[1], 0.0, rows[2]], rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(x, mg.tensor(TARGET), reduction="sum").data,
                               rows.sum(), rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(x, mg.tensor(TARGET)).data, rows.mean(),
                               rtol=1e-12)
    custom = F.cross_entropy(x, mg.tensor(np.array([1, 2, 0, 0])), ignore_index=0).data
    np.testing.assert_allclose(custom, hand_cross_entropy_rows(LOGITS[:2], [1, 2]).mean())


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_mean_with_every_target_ignored_is_nan_with_a_zero_gradient(smoothing):
    # PyTorch: the mean over no counted targets is NaN, and the gradient is zero
    logits = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, dtype=mg.float64)
    loss = F.cross_entropy(logits, np.array([-100, -100]), label_smoothing=smoothing)
    assert math.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(logits.grad.data, np.zeros((2, 3)))
    summed = F.cross_entropy(logits, np.array([-100, -100]), reduction="sum")
    assert summed.item() == 0.0


def test_cross_entropy_class_weights_mean_divides_by_weight_sum():
    weight = np.array([0.5, 2.0, 1.0])
    rows = hand_cross_entropy_rows(LOGITS[[0, 1, 3]], [1, 2, 0])
    w = weight[[1, 2, 0]]
    out = F.cross_entropy(mg.tensor(LOGITS), mg.tensor(TARGET), weight=weight)
    np.testing.assert_allclose(out.data, (w * rows).sum() / w.sum(), rtol=1e-12)


def test_cross_entropy_label_smoothing():
    eps = 0.2
    target = np.array([1, 2, 0, 0])
    expected = []
    for row, y in zip(LOGITS, target):
        logp = row - math.log(sum(math.exp(v) for v in row))
        q = np.full(3, eps / 3)
        q[y] += 1 - eps
        expected.append(-(q * logp).sum())
    out = F.cross_entropy(mg.tensor(LOGITS), mg.tensor(target), label_smoothing=eps)
    np.testing.assert_allclose(out.data, np.mean(expected), rtol=1e-12)
    # the same distribution given as probabilities
    probs = np.eye(3)[target]
    soft = F.cross_entropy(mg.tensor(LOGITS), mg.tensor(probs), label_smoothing=eps)
    np.testing.assert_allclose(soft.data, np.mean(expected), rtol=1e-12)


def test_cross_entropy_with_extra_dimensions():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 3))  # (N, C, L)
    target = np.array([[0, 3, 1], [2, 2, -100]])
    out = F.cross_entropy(mg.tensor(logits), mg.tensor(target), reduction="none")
    assert out.shape == (2, 3)
    for n in range(2):
        for l in range(3):
            if target[n, l] == -100:
                assert out.data[n, l] == 0
            else:
                expected = hand_cross_entropy_rows(logits[n, :, l][None], [target[n, l]])[0]
                np.testing.assert_allclose(out.data[n, l], expected, rtol=1e-12)
    mean = F.cross_entropy(mg.tensor(logits), mg.tensor(target)).data
    np.testing.assert_allclose(mean, out.data.sum() / 5, rtol=1e-12)


def test_losses_stay_finite_and_exact_at_1e4():
    logits = mg.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4 - 1.0]], dtype=np.float32),
                       requires_grad=True)
    target = mg.tensor(np.array([1, 2]))
    loss = F.cross_entropy(logits, target, reduction="none")
    # row 0: logsumexp = 1e4, so -log p[1] = 2e4; row 1: logsumexp = 1e4 + log(1 + e^-1)
    np.testing.assert_allclose(loss.data, [2e4, 1.0 + math.log1p(math.exp(-1.0))], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(logits.grad.data).all()
    x = mg.tensor(np.array([1e4, -1e4, 1e4, -1e4]), requires_grad=True)
    y = mg.tensor(np.array([1.0, 0.0, 0.0, 1.0]))
    bce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(bce.data, [0.0, 0.0, 1e4, 1e4])
    bce.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 1.0, -1.0])
    assert np.isfinite(F.log_softmax(logits, dim=1).data).all()
    np.testing.assert_allclose(F.softmax(logits, dim=1).data.sum(axis=1), [1.0, 1.0], rtol=1e-6)


def test_nll_loss_picks_log_probabilities():
    logp = np.log(np.array([[0.2, 0.8], [0.6, 0.4]]))
    out = F.nll_loss(mg.tensor(logp), mg.tensor(np.array([1, 0])))
    np.testing.assert_allclose(out.data, -(math.log(0.8) + math.log(0.6)) / 2, rtol=1e-12)
    with pytest.raises(IndexError):
        F.nll_loss(mg.tensor(logp), mg.tensor(np.array([2, 0])))


def test_bce_with_logits_by_hand_and_pos_weight():
    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.0, 0.25])
    s = 1 / (1 + np.exp(-x))
    plain = -(y * np.log(s) + (1 - y) * np.log(1 - s))
    out = F.binary_cross_entropy_with_logits(mg.tensor(x), mg.tensor(y))
    np.testing.assert_allclose(out.data, plain.mean(), rtol=1e-12)
    weighted = -(3.0 * y * np.log(s) + (1 - y) * np.log(1 - s))
    out = F.binary_cross_entropy_with_logits(mg.tensor(x), mg.tensor(y), reduction="sum",
                                             pos_weight=mg.tensor(np.array(3.0)))
    np.testing.assert_allclose(out.data, weighted.sum(), rtol=1e-12)


def test_mse_loss():
    a, b = np.array([1.0, 2.0, 4.0]), np.array([0.0, 2.0, 1.0])
    np.testing.assert_allclose(F.mse_loss(mg.tensor(a), mg.tensor(b)).data, 10.0 / 3)
    np.testing.assert_allclose(F.mse_loss(mg.tensor(a), mg.tensor(b), reduction="sum").data, 10)
    with pytest.raises(ValueError):
        F.mse_loss(mg.tensor(a), mg.tensor(b), reduction="avg")


def test_losses_gradcheck():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    t = mg.tensor(np.array([0, 2, -100, 1]))
    w = np.array([1.0, 0.5, 2.0])
    assert mg.gradcheck(lambda x: F.cross_entropy(x, t, weight=w, label_smoothing=0.1), (x,))
    x3 = mg.tensor(rng.normal(size=(2, 3, 2)), requires_grad=True)
    t3 = mg.tensor(np.array([[0, 1], [2, 2]]))
    assert mg.gradcheck(lambda x: F.cross_entropy(x, t3, reduction="sum"), (x3,))
    y = mg.tensor(rng.random(size=(4, 3)))
    assert mg.gradcheck(lambda x: F.binary_cross_entropy_with_logits(
        x, y, pos_weight=mg.tensor(np.array([1.0, 2.0, 0.5]))), (x,))
    z = mg.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    assert mg.gradcheck(lambda x, z: F.mse_loss(x, z), (x, z))


def test_linear_and_one_hot():
    x, w, b = np.ones((2, 3)), np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0])
    np.testing.assert_allclose(F.linear(mg.tensor(x), mg.tensor(w), mg.tensor(b)).data,
                               [[4.0, 11.0], [4.0, 11.0]])
    hot = F.one_hot(mg.tensor(np.array([[0, 2], [1, 0]])), 3)
    assert hot.dtype == np.int64 and hot.shape == (2, 2, 3)
    np.testing.assert_array_equal(hot.data[0], [[1, 0, 0], [0, 0, 1]])
    assert F.one_hot(mg.tensor(np.array([3, 1]))).shape == (2, 4)


def test_cross_entropy_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, t = rng.normal(size=(5, 4, 3)), rng.integers(0, 4, size=(5, 3))
    t[0, 0] = -100
    w = rng.random(4)
    ours = F.cross_entropy(mg.tensor(x), mg.tensor(t), weight=w, label_smoothing=0.3).data
    theirs = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t),
                                               weight=torch.tensor(w), label_smoothing=0.3)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10)


def test_target_errors_name_the_loss_and_explain_float_labels():
    logits = mg.tensor(LOGITS)
    with pytest.raises(ValueError, match=r"^nll_loss: expected a target of shape \(4,\)"):
        F.cross_entropy(logits, mg.tensor(np.array([0, 1, 2])))
    # float labels of the index shape are the usual slip (labels loaded as floats)
    with pytest.raises(ValueError, match="integer target") as info:
        F.cross_entropy(logits, mg.tensor(np.array([0.0, 1.0, 2.0, 1.0])))
    assert "(4, 3)" in str(info.value) and "float" in str(info.value)
