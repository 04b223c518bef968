"""Error messages name the op, the shapes, the values, and the user's file:line."""
import inspect
import operator
import os

import numpy as np
import pytest

import minigrad as mg
from minigrad.registry import primitive, value

HERE = os.path.abspath(__file__)


def next_line():
    """The line number after the caller's current line (where the failing op is written)."""
    return inspect.currentframe().f_back.f_lineno + 1


def test_matmul_inner_dimension_mismatch_names_shapes_and_line():
    a, b = mg.zeros(32, 64), mg.zeros(128, 512)
    with pytest.raises(mg.ShapeError) as info:
        line = next_line()
        a @ b
    message = str(info.value)
    assert "matmul: (32, 64) @ (128, 512): inner dimensions 64 and 128 differ" in message
    assert f"{HERE}:{line}" in message


def test_matmul_batch_mismatch():
    with pytest.raises(mg.ShapeError, match=r"batch dimensions \(2,\) and \(3,\)"):
        mg.zeros(2, 4, 5) @ mg.zeros(3, 5, 6)


@pytest.mark.parametrize("name", ["add", "mul"])
def test_broadcast_failure_names_op_both_shapes_and_line(name):
    op = getattr(operator, name)  # calls Tensor.__add__ / __mul__ from this line
    x, y = mg.ones(2, 3), mg.ones(4)
    with pytest.raises(mg.ShapeError) as info:
        line = next_line()
        op(x, y)
    message = str(info.value)
    assert message.startswith(f"{name}:")
    assert "(2, 3)" in message and "(4,)" in message
    assert f"{HERE}:{line}" in message


def test_broadcast_failure_under_grad_names_the_line():
    x = mg.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError) as info:  # ShapeError is a ValueError
        line = next_line()
        x - mg.ones(3, 2)
    assert "sub:" in str(info.value) and f"{HERE}:{line}" in str(info.value)


def test_reshape_to_incompatible_shape():
    x = mg.ones(2, 3)
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\).*\(4,\)"):
        x.reshape(4)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        x.reshape(-1, 4)


def test_concat_and_stack_mismatch():
    with pytest.raises(mg.ShapeError, match=r"concat:.*\[\(2, 3\), \(2, 4\)\]"):
        mg.concat([mg.ones(2, 3), mg.ones(2, 4)])
    with pytest.raises(mg.ShapeError, match="stack:"):
        mg.stack([mg.ones(2), mg.ones(3)])


def test_index_out_of_range_names_op_and_shape():
    with pytest.raises(mg.MinigradError, match=r"getitem.*\(2, 3\)"):
        mg.ones(2, 3)[5]


def test_freed_graph_error_names_op_and_creation_line():
    x = mg.tensor(1.0, requires_grad=True)
    line = next_line()
    y = x.exp()
    y.backward()
    with pytest.raises(mg.GraphFreedError) as info:
        y.backward()
    message = str(info.value)
    assert "exp" in message and f"{HERE}:{line}" in message
    assert "retain_graph=True" in message


def test_non_scalar_backward_message():
    y = mg.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert "(2, 3)" in str(info.value) and "gradient" in str(info.value)


def test_detect_anomaly_forward_names_op_shape_and_line():
    x = mg.tensor([1.0, -1.0, 2.0], requires_grad=True)
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info, \
            np.errstate(invalid="ignore"):
        line = next_line()
        x.log()
    message = str(info.value)
    assert "forward of log" in message and "NaN" in message
    assert "(3,)" in message and f"{HERE}:{line}" in message
    assert not mg.is_anomaly_enabled()


def test_without_detect_anomaly_nan_passes_silently():
    with np.errstate(invalid="ignore"):
        y = mg.tensor([-1.0]).log()
    assert np.isnan(y.item())


def test_detect_anomaly_backward_names_op_shape_and_line():
    x = mg.tensor([0.0, 4.0], dtype=mg.float64, requires_grad=True)
    with mg.detect_anomaly():
        line = next_line()
        y = x.sqrt().sum()                      # forward is finite: sqrt(0) = 0
        with pytest.raises(mg.AnomalyError) as info, np.errstate(divide="ignore"):
            y.backward()                        # d sqrt/dx at 0 is inf
    message = str(info.value)
    assert "backward of sqrt" in message and "inf" in message
    assert "(2,)" in message and f"{HERE}:{line}" in message


def test_detect_anomaly_through_slices_finds_the_op_that_made_the_inf():
    """Slices add their gradient in place under anomaly mode too; the inf is still
    reported at the op that produced it, and finite gradients are unchanged."""
    x = mg.tensor([[0.0, 4.0], [1.0, 9.0]], dtype=mg.float64, requires_grad=True)
    with mg.detect_anomaly():
        y = (x[0].sqrt() + x[1] * x[0]).sum()
        with pytest.raises(mg.AnomalyError, match="backward of sqrt"), \
                np.errstate(divide="ignore"):
            y.backward()
        x.grad = None
        (x[1].sqrt() * x[0] + x[0]).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[2.0, 4.0], [0.0, 4.0 / 6.0]])


def test_detect_anomaly_without_inf_checks_lets_a_minus_inf_mask_pass_but_stops_at_nan():
    scores = mg.tensor([[0.5, 1.0, -2.0], [0.1, 0.2, 0.3]], requires_grad=True)
    keep = mg.tensor([[True, True, False], [True, True, True]])
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError,
                                            match=r"forward of where produced inf .*"
                                                  r"check_inf=False"):
        scores.masked_fill(~keep, float("-inf")).softmax(-1)
    with mg.detect_anomaly(check_inf=False), np.errstate(divide="ignore", invalid="ignore"):
        probs = scores.masked_fill(~keep, float("-inf")).softmax(-1)
        (probs * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
        x = mg.tensor([-1.0, 4.0], requires_grad=True)
        with pytest.raises(mg.AnomalyError, match="forward of sqrt produced NaN"):
            x.sqrt()
        y = mg.tensor([0.0, 4.0], dtype=mg.float64, requires_grad=True)
        y.sqrt().sum().backward()  # an inf gradient passes too
    assert np.isinf(y.grad.numpy()[0])
    assert scores.grad.numpy()[0, 2] == 0.0 and np.isfinite(scores.grad.numpy()).all()
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError, match="inf"), \
            np.errstate(divide="ignore"):
        mg.tensor([1.0]) / mg.tensor([0.0])  # the default checks inf again


@pytest.fixture
def wrong_double():
    """A throwaway primitive 2x whose VJP claims 3g; removed from the registry afterwards."""
    name = "engine_tests_wrong_double"
    prim = primitive(name)(lambda x: 2 * x)
    prim.defvjp(lambda g, out, wanted, x: (g * 3,))
    try:
        yield prim
    finally:
        del mg.PRIMITIVES[name]


def test_gradcheck_names_input_element_and_both_values(wrong_double):
    a = mg.tensor([0.5, 1.5], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mg.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda a, b: a * 1.0 + wrong_double(b).sum(), (a, b))
    message = str(info.value)
    assert "input 1" in message and "(2, 2)" in message
    assert "analytic 3" in message and "numerical 2" in message
    assert not mg.gradcheck(lambda b: wrong_double(b), (b,), raise_exception=False)


@pytest.fixture
def square_with_constant_vjp():
    """x^2 whose VJP is right in value but built from a constant: no second derivative."""
    name = "engine_tests_square_constant_vjp"
    prim = primitive(name)(lambda x: x * x)
    prim.defvjp(lambda g, out, wanted, x: (g * (2 * np.array(value(x))),))
    try:
        yield prim
    finally:
        del mg.PRIMITIVES[name]


def test_gradgradcheck_catches_a_vjp_that_is_not_differentiable(square_with_constant_vjp):
    x = mg.tensor([0.5, -1.5], dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(square_with_constant_vjp, (x,))
    with pytest.raises(mg.GradcheckError, match="input 0"):
        mg.gradgradcheck(square_with_constant_vjp, (x,))


def test_registry_refuses_a_duplicate_name():
    with pytest.raises(ValueError, match="already registered"):
        primitive("tanh")(np.tanh)


def test_gradcheck_refuses_float32_inputs():
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(lambda x: x * 2, (mg.ones(2, requires_grad=True),))


def test_detect_anomaly_names_a_python_number_operand_by_its_type():
    x = mg.tensor([1.0, 2.0])
    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        mg.where(x > 1, x, -np.inf)  # a Python float made the inf
    message = str(info.value)
    assert "where produced inf" in message and "(2,), float" in message
    assert "test_errors.py" in message
