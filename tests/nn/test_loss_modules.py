"""The loss modules: each gives its functional's value and gradient for its options, has
torch's constructor arguments (in torch's order), repr, buffers and legacy arguments."""
import inspect
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((5, 4))
TARGET = np.array([0, 3, -100, 1, 3])
LOGITS_3D = RNG.standard_normal((2, 4, 3))
TARGET_2D = np.array([[0, 3, 1], [2, 2, -100]])
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5])
Y = RNG.uniform(0, 1, (5, 4))

CASES = [  # (module, functional with the same options, input, target)
    (nn.MSELoss(), lambda x, y: F.mse_loss(x, y), LOGITS, Y),
    (nn.MSELoss(reduction="sum"), lambda x, y: F.mse_loss(x, y, reduction="sum"), LOGITS, Y),
    (nn.MSELoss(reduction="none"), lambda x, y: F.mse_loss(x, y, reduction="none"), LOGITS, Y),
    (nn.CrossEntropyLoss(), F.cross_entropy, LOGITS, TARGET),
    (nn.CrossEntropyLoss(weight=mg.tensor(WEIGHT), label_smoothing=0.2, reduction="sum"),
     lambda x, y: F.cross_entropy(x, y, weight=WEIGHT, label_smoothing=0.2, reduction="sum"),
     LOGITS, TARGET),
    (nn.CrossEntropyLoss(ignore_index=3, reduction="none"),
     lambda x, y: F.cross_entropy(x, y, ignore_index=3, reduction="none"), LOGITS_3D,
     np.where(TARGET_2D < 0, 0, TARGET_2D)),
    (nn.CrossEntropyLoss(label_smoothing=0.1),
     lambda x, y: F.cross_entropy(x, y, label_smoothing=0.1), LOGITS, Y / Y.sum(1, keepdims=True)),
    (nn.NLLLoss(), F.nll_loss, LOGITS, TARGET),
    (nn.NLLLoss(weight=mg.tensor(WEIGHT), ignore_index=1),
     lambda x, y: F.nll_loss(x, y, weight=WEIGHT, ignore_index=1), LOGITS_3D,
     np.where(TARGET_2D < 0, 0, TARGET_2D)),
    (nn.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits, LOGITS, Y),
    (nn.BCEWithLogitsLoss(weight=mg.tensor(WEIGHT), pos_weight=mg.tensor(WEIGHT[::-1].copy()),
                          reduction="none"),
     lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=WEIGHT, reduction="none",
                                                     pos_weight=WEIGHT[::-1].copy()),
     LOGITS, Y),
]


@pytest.mark.parametrize("module, functional, input, target", CASES,
                         ids=[f"{i}-{c[0].__class__.__name__}" for i, c in enumerate(CASES)])
def test_a_module_gives_its_functionals_value_and_gradient(module, functional, input, target):
    x, x_ref = (mg.tensor(input, requires_grad=True) for _ in range(2))
    out, ref = module(x, mg.tensor(target)), functional(x_ref, mg.tensor(target))
    np.testing.assert_array_equal(out.data, ref.data)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_array_equal(x.grad.data, x_ref.grad.data)


def test_reductions_differ_so_that_the_option_is_really_passed():
    x, y = mg.tensor(LOGITS), mg.tensor(TARGET)
    mean, total = nn.CrossEntropyLoss()(x, y).item(), nn.CrossEntropyLoss(reduction="sum")(x, y)
    assert total.item() == pytest.approx(mean * 4)  # 4 targets counted (one ignored)
    assert nn.NLLLoss(reduction="none")(x, y).shape == (5,)
    smoothed = nn.CrossEntropyLoss(label_smoothing=0.3)(x, y).item()
    assert smoothed != pytest.approx(mean)


@pytest.mark.parametrize("cls", [nn.MSELoss, nn.CrossEntropyLoss, nn.NLLLoss,
                                 nn.BCEWithLogitsLoss])
def test_repr_is_torchs(cls):
    assert repr(cls()) == f"{cls.__name__}()"
    assert repr(cls(reduction="sum")) == f"{cls.__name__}()"  # torch shows no options


def test_weights_are_buffers_in_the_state_and_follow_to_dtype():
    loss = nn.CrossEntropyLoss(weight=mg.tensor([1.0, 2.0]))
    assert list(loss.parameters()) == []
    assert list(loss.state_dict()) == ["weight"]
    assert loss.weight.dtype == np.float32
    loss.double()
    assert loss.weight.dtype == np.float64
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    bce = nn.BCEWithLogitsLoss(weight=mg.ones(2), pos_weight=mg.ones(2))
    assert list(bce.state_dict()) == ["weight", "pos_weight"]
    model = nn.Sequential(nn.Linear(3, 2), nn.NLLLoss(weight=mg.ones(2)))
    assert "1.weight" in model.state_dict()


def test_legacy_size_average_and_reduce_map_as_torch_with_its_warning():
    for kwargs, reduction in [(dict(size_average=False), "sum"), (dict(reduce=False), "none"),
                              (dict(size_average=True, reduce=True), "mean"),
                              (dict(size_average=False, reduce=False), "none")]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = nn.MSELoss(**kwargs)
        assert loss.reduction == reduction
        assert [w.filename for w in caught] == [__file__]
        assert "size_average and reduce args will be deprecated" in str(caught[0].message)


def test_positional_arguments_line_up_with_torchs():
    loss = nn.CrossEntropyLoss(mg.tensor(WEIGHT), None, 2, None, "sum", 0.1)
    assert (loss.ignore_index, loss.reduction, loss.label_smoothing) == (2, "sum", 0.1)
    assert nn.NLLLoss(None, None, 7).ignore_index == 7
    assert nn.BCEWithLogitsLoss(None, None, None, "none").reduction == "none"


def test_signatures_are_torchs():
    torch = pytest.importorskip("torch")
    for name in ("MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss"):
        ours = inspect.signature(getattr(nn, name).__init__).parameters
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters
        assert list(ours) == list(theirs)
        assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


def test_values_and_gradients_against_torch():
    torch = pytest.importorskip("torch")
    w, pw = WEIGHT, WEIGHT[::-1].copy()
    pairs = [
        (nn.MSELoss(), torch.nn.MSELoss(), LOGITS, Y),
        (nn.CrossEntropyLoss(weight=mg.tensor(w), label_smoothing=0.1),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1), LOGITS, TARGET),
        (nn.CrossEntropyLoss(reduction="none"), torch.nn.CrossEntropyLoss(reduction="none"),
         LOGITS_3D, TARGET_2D),
        (nn.NLLLoss(weight=mg.tensor(w), reduction="sum"),
         torch.nn.NLLLoss(weight=torch.tensor(w), reduction="sum"), LOGITS, TARGET),
        (nn.BCEWithLogitsLoss(pos_weight=mg.tensor(pw)),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw)), LOGITS, Y),
    ]
    for ours, theirs, input, target in pairs:
        x, t = mg.tensor(input, requires_grad=True), torch.tensor(input, requires_grad=True)
        out, t_out = ours(x, mg.tensor(target)), theirs(t, torch.tensor(target))
        np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-12, atol=1e-14)
        out.sum().backward()
        t_out.sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-14)
