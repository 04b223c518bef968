"""no_grad / enable_grad as contexts and decorators; which dtypes may require grad."""
import numpy as np
import pytest

import minigrad as mg


def leaf():
    return mg.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_records_nothing():
    x = leaf()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.op is None
    np.testing.assert_allclose(y.numpy(), [2.0, 4.0])


def test_enable_grad_inside_no_grad_records_again():
    x = leaf()
    with mg.no_grad():
        with mg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and y.op == "mul"
    assert not z.requires_grad


def test_no_grad_as_decorator():
    @mg.no_grad()
    def double(t):
        return t * 2

    y = double(leaf())
    assert not y.requires_grad
    assert mg.is_grad_enabled()
    assert double.__name__ == "double"


def test_enable_grad_as_decorator_inside_no_grad():
    @mg.enable_grad()
    def double(t):
        return t * 2

    with mg.no_grad():
        y = double(leaf())
    assert y.requires_grad


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()


def test_set_grad_enabled():
    with mg.set_grad_enabled(False):
        assert not (leaf() * 2).requires_grad
    with mg.set_grad_enabled(True):
        assert (leaf() * 2).requires_grad


@pytest.mark.parametrize("values", [[1, 2], [True, False]], ids=["int", "bool"])
def test_integer_and_bool_tensors_cannot_require_grad(values):
    with pytest.raises(TypeError, match="floating point"):
        mg.tensor(values, requires_grad=True)
    t = mg.tensor(values)
    with pytest.raises(TypeError, match="floating point"):
        t.requires_grad_()
    assert not t.requires_grad


def test_integer_results_of_float_inputs_do_not_require_grad():
    x = leaf()
    assert not x.argmax().requires_grad
    assert not (x > 1).requires_grad


def test_requires_grad_cannot_be_switched_off_on_a_non_leaf():
    y = leaf() * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)
