"""var/std without degrees of freedom warn once, in torch's words, at the user's line,
and give NaN (inf when the values differ); the mean of an empty tensor is NaN, silently.
numpy's own RuntimeWarnings (which name numpy's files) never reach the user."""
import warnings

import numpy as np
import pytest

import minigrad as mg

MESSAGE = ("{}(): degrees of freedom is <= 0. Correction should be strictly less than the "
           "reduction factor (input numel divided by output numel).")


def caught_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [(w.category, str(w.message), w.filename) for w in caught]


def one_warning(name):
    return [(UserWarning, MESSAGE.format(name), __file__)]


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("call, expected", [
    (lambda x, n: getattr(x, n)(), np.nan),
    (lambda x, n: getattr(mg, n)(x), np.nan),
    (lambda x, n: getattr(x, n)(dim=0, keepdim=True), [np.nan]),
    (lambda x, n: getattr(x, n)(correction=1), np.nan),
])
def test_one_element_warns_once_at_the_users_line_and_gives_nan(name, call, expected):
    x = mg.tensor([1.0], requires_grad=True)
    out, caught = caught_warnings(lambda: call(x, name))
    assert caught == one_warning(name)
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("name", ["var", "std"])
def test_correction_at_or_past_the_count_gives_inf_or_nan_as_torch(name):
    x = mg.tensor([[1.0, 2.0], [3.0, 3.0]])
    out, caught = caught_warnings(lambda: getattr(x, name)(dim=1, correction=2))
    assert caught == one_warning(name)
    np.testing.assert_array_equal(out.data, [np.inf, np.nan])
    out, caught = caught_warnings(lambda: getattr(x, name)(correction=5))
    assert caught == one_warning(name)
    assert np.isposinf(out.item())


def test_a_0d_and_an_empty_tensor_have_no_degrees_of_freedom():
    for x, expected in [(mg.tensor(2.0), np.nan), (mg.zeros(0), np.nan),
                        (mg.zeros(3, 0), np.zeros((0,)))]:
        out, caught = caught_warnings(lambda: x.var(0))
        assert caught == one_warning("var")
        np.testing.assert_array_equal(out.data, expected)


def test_the_backward_of_var_without_degrees_of_freedom_adds_no_warning():
    x = mg.tensor([1.0], requires_grad=True)
    out, _ = caught_warnings(x.var)
    _, caught = caught_warnings(out.backward)
    assert caught == []
    assert np.isnan(x.grad.data).all()


def test_var_and_std_with_degrees_of_freedom_do_not_warn():
    x = mg.tensor([[1.0, 2.0, 4.0]])
    out, caught = caught_warnings(lambda: (x.var(), x.std(1), x.var(dim=1, correction=2),
                                           x.var(0, correction=0)))
    assert caught == []
    assert out[0].item() == pytest.approx(7 / 3)
    assert out[2].item() == pytest.approx(14 / 3)
    np.testing.assert_array_equal(out[3].data, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("make, dim, expected", [
    (lambda: mg.zeros(0), None, np.nan),
    (lambda: mg.zeros(0, 3), 0, [np.nan] * 3),
    (lambda: mg.zeros(3, 0), 0, np.zeros(0)),
    (lambda: mg.zeros(2, 0, 3, dtype=mg.float64), (1, 2), [np.nan] * 2),
])
def test_mean_of_nothing_is_nan_without_a_warning_forward_or_backward(make, dim, expected):
    x = make().requires_grad_()
    out, caught = caught_warnings(lambda: x.mean() if dim is None else x.mean(dim))
    assert caught == []
    np.testing.assert_array_equal(out.data, expected)
    _, caught = caught_warnings(lambda: out.sum().backward())
    assert caught == []
    assert x.grad.shape == x.shape


def test_against_torch():
    torch = pytest.importorskip("torch")
    cases = [([1.0], dict()), ([[1.0, 2.0], [3.0, 3.0]], dict(dim=1, correction=2)),
             ([[1.0, 2.0]], dict(dim=0)), ([1.0, 2.0], dict(correction=3))]
    for data, kwargs in cases:
        for name in ("var", "std"):
            with warnings.catch_warnings(record=True) as theirs:
                warnings.simplefilter("always")
                expected = getattr(torch.tensor(data), name)(**kwargs).numpy()
            out, ours = caught_warnings(lambda: getattr(mg.tensor(data), name)(**kwargs))
            np.testing.assert_array_equal(out.data, expected)
            assert [m for _, m, _ in ours] == [str(w.message).split(" (Triggered")[0]
                                               for w in theirs]
    assert np.isnan(torch.zeros(0).mean().item()) and np.isnan(mg.zeros(0).mean().item())
