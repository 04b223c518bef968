"""fit(tbptt=k) scopes each chunk at its absolute time steps (first_step = chunk start)."""
import numpy as np

import minigrad as mg
import models
from minigrad import nn, optim
from minigrad.nn import functional as F
from minigrad.train import fit
from minigrad.train.tbptt import takes_first_step

T, K, N = 12, 4, 2


def lstm_and_data(seed=0):
    mg.manual_seed(seed)
    lstm = models.LSTM(2, 3, batch_first=True).double()
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.normal(size=(N, T, 2)), dtype=mg.float64)
    y = mg.tensor(rng.normal(size=(N, T, 3)), dtype=mg.float64)
    return lstm, x, y


class NoFirstStep(nn.Module):
    """A user model whose forward does not take first_step: called as model(x, hx)."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, hx=None):
        return self.rnn(x, hx)


def test_chunk_rows_are_the_full_bptt_rows_at_the_chunks_absolute_steps():
    lstm, x, y = lstm_and_data()
    param = lstm.weight_hh_l0
    rows = []

    def loss_fn(output, target):           # records each chunk's per-step terms
        loss = F.mse_loss(output, target)
        rows.append(mg.bptt.per_step_grads(loss, param))
        return loss
    # lr = 0: the weights stay put, so every chunk can be compared with one full run
    fit(lstm, loss_fn, optim.SGD(lstm.parameters(), lr=0.0), [(x, y)], tbptt=K,
        progress=False)
    full_out, _ = lstm(x)
    assert len(rows) == T // K
    for c, got in enumerate(rows):
        start = c * K
        assert got.shape[0] == start + K               # last row is the chunk's last step
        np.testing.assert_array_equal(got[:start], 0)  # nothing before the chunk start
        first = max(start, 1)                          # at step 0, h_{-1} = 0: no W_hh term
        assert np.abs(got[first:]).sum(axis=(1, 2)).min() > 0
        # full BPTT on the same chunk loss: the rows at the chunk's own steps only
        # see paths inside the chunk, so they equal the truncated ones; earlier rows
        # are what truncation cuts off
        full = mg.bptt.per_step_grads(
            F.mse_loss(full_out[:, start:start + K], y[:, start:start + K]), param)
        np.testing.assert_allclose(got[start:], full[start:start + K], rtol=1e-10,
                                   atol=1e-14)
        if c > 0:
            assert np.abs(full[:start]).sum() > 0


def test_losses_and_weights_are_unchanged_by_the_labels():
    lstm, x, y = lstm_and_data()
    plain, _, _ = lstm_and_data()
    plain = NoFirstStep(plain)
    assert takes_first_step(lstm) and not takes_first_step(plain)
    histories = [fit(m, F.mse_loss, optim.SGD(m.parameters(), lr=0.1), [(x, y)], epochs=3,
                     tbptt=5, progress=False) for m in (lstm, plain)]
    assert histories[0]["loss"] == histories[1]["loss"]
    for (name, a), (_, b) in zip(lstm.named_parameters(), plain.rnn.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_a_model_without_first_step_is_called_as_before():
    lstm, x, y = lstm_and_data()
    calls = []

    class Recording(NoFirstStep):
        def forward(self, x, hx=None):
            calls.append(x.shape[1])
            return super().forward(x, hx)

    class Kwargs(NoFirstStep):                 # **kwargs does not count as taking it
        def forward(self, x, hx=None, **options):
            assert "first_step" not in options
            return super().forward(x, hx)
    for model in (Recording(lstm), Kwargs(lstm)):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), [(x, y)], tbptt=5,
            progress=False)
    assert calls == [5, 5, 2]
    assert not takes_first_step(Kwargs(lstm))


def test_a_time_major_layer_is_refused_with_a_clear_error():
    import pytest

    from minigrad.train.tbptt import tbptt_step
    lstm = models.LSTM(3, 4)  # batch_first=False: dim 1 of its input is the batch
    x, y = mg.randn(2, 6, 3), mg.randn(2, 6, 4)
    with pytest.raises(ValueError, match="time-major .*batch_first=True"):
        tbptt_step(lstm, lambda out, target: ((out - target) ** 2).mean(),
                   mg.optim.SGD(lstm.parameters(), lr=0.1), x, y, k=3)
