"""Jordan (output-recurrent) RNN against a numpy loop written here."""
import numpy as np
import pytest

import minigrad as mg
from models import JordanCell, JordanRNN

T, N, H_IN, H, OUT = 5, 3, 3, 4, 2


def numpy_jordan(x, p, y0, act=np.tanh, lengths=None):
    y = y0.copy()
    outs = np.zeros((x.shape[0], x.shape[1], OUT))
    for t in range(x.shape[0]):
        h = act(x[t] @ p["cell.weight_xh"].T + y @ p["cell.weight_yh"].T + p["cell.bias_h"])
        y_new = h @ p["cell.weight_hy"].T + p["cell.bias_y"]
        valid = np.ones((x.shape[1], 1), bool) if lengths is None else \
            (t < np.asarray(lengths))[:, None]
        y = np.where(valid, y_new, y)
        outs[t] = np.where(valid, y_new, 0)
    return outs, y


@pytest.mark.parametrize("lengths", [None, [5, 2, 3]])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_matches_numpy_loop(lengths, nonlinearity):
    model = JordanRNN(H_IN, H, OUT, nonlinearity=nonlinearity)
    rng = np.random.default_rng(0)
    x, y0 = rng.normal(size=(T, N, H_IN)), rng.normal(size=(N, OUT))
    out, y_n = model(mg.tensor(x), mg.tensor(y0), lengths=lengths)
    act = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0))
    ref_out, ref_y = numpy_jordan(x, model.state_dict(), y0, act, lengths)
    np.testing.assert_allclose(out.data, ref_out, atol=1e-12)
    np.testing.assert_allclose(y_n.data, ref_y, atol=1e-12)


def test_state_is_the_output_not_the_hidden_layer():
    """Changing W_yh changes step 2 onwards but not step 1 (y_0 = 0)."""
    model = JordanRNN(H_IN, H, OUT)
    x = mg.randn(T, N, H_IN)
    before, _ = model(x)
    model.cell.weight_yh.data = model.cell.weight_yh.data * 3
    after, _ = model(x)
    np.testing.assert_array_equal(before.data[0], after.data[0])
    assert np.abs(before.data[1:] - after.data[1:]).min() > 0


def test_gradcheck_through_time():
    model = JordanRNN(2, 3, 2, batch_first=True)
    x = mg.tensor(np.random.default_rng(1).normal(size=(2, 3, 2)), requires_grad=True)

    def fn(x, *unused_params):
        return model(x, lengths=[3, 2])

    assert mg.gradcheck(fn, (x,) + tuple(model.parameters()))


def test_cell_call():
    cell = JordanCell(H_IN, H, OUT)
    x = mg.randn(N, H_IN)
    p = {f"cell.{k}": v for k, v in cell.state_dict().items()}
    ref, _ = numpy_jordan(x.data[None], p, np.zeros((N, OUT)))
    np.testing.assert_allclose(cell(x).data, ref[0], atol=1e-12)


def test_wrong_input_is_named():
    with pytest.raises(ValueError, match=r"JordanRNN: input has shape \(5, 3, 7\)"):
        JordanRNN(H_IN, H, OUT)(mg.randn(T, N, 7))
