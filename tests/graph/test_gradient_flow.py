"""GradientFlowRecorder: its records against a direct computation (one copy of W_hh per
step, mg.grad), training left bit for bit as it was, save/load, and bad arguments."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.nn import functional as F
from minigrad.train import fit
from models.architectures import SequenceClassifier

T, N, F_IN, H = 6, 5, 2, 3


def data(seed=0, batches=4):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(batches, N, T, F_IN))
    ys = xs[:, :, 0, :1] - xs[:, :, -1, 1:]          # needs the first step's input
    return [(mg.tensor(x, dtype=mg.float64), mg.tensor(y, dtype=mg.float64))
            for x, y in zip(xs, ys)]


def tanh_rnn_model(seed=0):
    mg.manual_seed(seed)
    return SequenceClassifier(None, F_IN, H, 1, rnn="rnn").double()


def by_weight_copies(model, x, y):
    """(||term_t of dL/dW_hh||, ||dL/dh_t||, loss) of the model's tanh RNN written out by
    hand: step t uses its own copy of W_hh, so dL/dcopy_t is step t's term."""
    p = {k: mg.tensor(v.data, dtype=mg.float64) for k, v in model.named_parameters()}
    copies = [mg.tensor(model.rnn.weight_hh_l0.data, requires_grad=True, dtype=mg.float64)
              for _ in range(T)]
    h, hs = mg.zeros(N, H, dtype=mg.float64), []
    for t in range(T):
        h = (x[:, t] @ p["rnn.weight_ih_l0"].T + p["rnn.bias_ih_l0"]
             + h @ copies[t].T + p["rnn.bias_hh_l0"]).tanh()
        hs.append(h)
    loss = F.mse_loss(h @ p["fc.weight"].T + p["fc.bias"], y)
    grads = mg.grad(loss, copies + hs)
    norms = np.array([np.linalg.norm(g.data) for g in grads])
    return norms[:T], norms[T:], loss.item()


class Direct:
    """A callback computing by_weight_copies where the recorder records."""

    def __init__(self, x, y, every):
        self.x, self.y, self.every, self.rows = x, y, every, {}

    def on_fit_start(self, run):
        self.rows[0] = by_weight_copies(run.model, self.x, self.y)

    def on_update(self, run):
        if run.update % self.every == 0:
            self.rows[run.update] = by_weight_copies(run.model, self.x, self.y)

    def on_fit_end(self, run):
        self.rows[run.update] = by_weight_copies(run.model, self.x, self.y)


def test_records_equal_a_direct_computation_with_one_weight_copy_per_step():
    model = tanh_rnn_model()
    x_probe, y_probe = data(seed=9, batches=1)[0]
    recorder = mg.bptt.GradientFlowRecorder(lambda m: F.mse_loss(m(x_probe), y_probe),
                                            "rnn.weight_hh_l0", every=3)
    direct = Direct(x_probe, y_probe, every=3)
    fit(model, F.mse_loss, optim.Adam(model.parameters(), lr=0.05), data(), epochs=2,
        progress=False, callbacks=[recorder, direct])
    flow = recorder.flow
    np.testing.assert_array_equal(flow.updates, [0, 3, 6, 8])     # 8 updates: the last too
    assert sorted(direct.rows) == [0, 3, 6, 8]
    expected = [direct.rows[u] for u in flow.updates]
    np.testing.assert_allclose(flow.contributions, [e[0] for e in expected], rtol=1e-10)
    np.testing.assert_allclose(flow.hidden, [e[1] for e in expected], rtol=1e-10)
    np.testing.assert_allclose(flow.loss, [e[2] for e in expected], rtol=1e-12)
    assert flow.contributions[:, 0].max() == 0.0      # W_hh at step 0 multiplies h_0 = 0
    assert not np.allclose(flow.hidden[0], flow.hidden[-1])       # training changed it
    assert flow.param == "rnn.weight_hh_l0" and flow.state == "h"


def lstm_with_dropout(seed=0):
    mg.manual_seed(seed)
    return SequenceClassifier(None, F_IN, H, 1, rnn="lstm", dropout=0.5).double()


def train(callbacks, seed=0):
    mg.manual_seed(123)                                # dropout draws from here
    model = lstm_with_dropout(seed)
    mg.manual_seed(123)
    history = fit(model, F.mse_loss, optim.Adam(model.parameters(), lr=0.05), data(),
                  epochs=3, progress=False, callbacks=callbacks)
    return model, history


def test_a_run_with_the_recorder_ends_with_bit_identical_parameters():
    x_probe, y_probe = data(seed=9, batches=1)[0]
    recorder = mg.bptt.GradientFlowRecorder(lambda m: F.mse_loss(m(x_probe), y_probe),
                                            "rnn.weight_hh_l0", every=1, state="c")
    plain, plain_history = train(None)
    after_plain = mg.generator().bit_generator.state
    probed, probed_history = train([recorder])
    assert len(recorder.flow.updates) == 13          # it did measure: at 0 and 12 updates
    for (name, a), (_, b) in zip(plain.named_parameters(), probed.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    assert plain_history["loss"] == probed_history["loss"]
    assert mg.generator().bit_generator.state == after_plain
    assert probed.training and all(p.grad is not None for p in probed.parameters())


def test_a_careless_probe_would_change_the_run():
    """The check above can fail: a probe run in training mode draws dropout masks from
    minigrad's generator, and the run ends with other parameters."""
    x_probe, y_probe = data(seed=9, batches=1)[0]

    class Careless:
        def on_update(self, run):
            F.mse_loss(run.model(x_probe), y_probe)

    plain, _ = train(None)
    disturbed, _ = train([Careless()])
    assert not all(np.array_equal(a.data, b.data)
                   for a, b in zip(plain.parameters(), disturbed.parameters()))


def test_with_truncated_bptt_an_update_is_a_chunk():
    from models.architectures import SequenceGenerator
    mg.manual_seed(0)
    model = SequenceGenerator(5, 3, 4, rnn="gru").double()
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 5, size=(3, 13))
    batches = [(mg.tensor(ids[:, :-1]), mg.tensor(ids[:, 1:]))]
    probe_x = mg.tensor(ids[:2, :10])
    probe_y = mg.tensor(ids[:2, 1:11])

    def probe(m):
        from minigrad.train import sequence_cross_entropy
        return sequence_cross_entropy(m(probe_x)[0], probe_y)
    recorder = mg.bptt.GradientFlowRecorder(probe, model.rnn.weight_hh_l0, every=2)
    from minigrad.train import sequence_cross_entropy
    fit(model, sequence_cross_entropy, optim.Adam(model.parameters(), lr=0.01), batches,
        epochs=2, tbptt=4, progress=False, callbacks=[recorder])
    # 12 steps in chunks of 4: 3 updates per epoch, 6 in all; the probe runs 10 steps
    np.testing.assert_array_equal(recorder.flow.updates, [0, 2, 4, 6])
    assert recorder.flow.hidden.shape == (4, 10) and recorder.flow.contributions.shape == (4, 10)
    assert recorder.flow.param == "rnn.weight_hh_l0"   # found by identity
    assert recorder.seconds > 0


def test_a_record_saves_and_loads_back_the_same(tmp_path):
    flow = mg.bptt.GradientFlow("rnn.weight_hh_l0", "c")
    rng = np.random.default_rng(0)
    for update in (0, 10, 20):
        flow.append(update, rng.random(7), rng.random(7), rng.random())
    path = tmp_path / "flow.npz"
    flow.save(path)
    back = mg.bptt.GradientFlow.load(path)
    assert (back.param, back.state) == ("rnn.weight_hh_l0", "c")
    assert isinstance(back.param, str)
    for field in ("updates", "contributions", "hidden", "loss"):
        np.testing.assert_array_equal(getattr(back, field), getattr(flow, field))
        assert getattr(back, field).dtype == getattr(flow, field).dtype
    assert back.updates.shape == (3,) and back.contributions.shape == (3, 7)
    mg.save({"weight": np.ones(3)}, tmp_path / "other.npz")
    with pytest.raises(ValueError, match=r"GradientFlow.load: .*other.npz is not a gradient "
                                         r"flow record"):
        mg.bptt.GradientFlow.load(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="the probe batch must stay the same"):
        flow.append(30, np.ones(5), np.ones(5), 1.0)


def test_bad_arguments_are_clear_errors():
    model = tanh_rnn_model()
    x, y = data(batches=1)[0]
    probe = lambda m: F.mse_loss(m(x), y)              # noqa: E731
    with pytest.raises(ValueError, match=r"has no parameter 'rnn.weight_hh'; its parameters "
                                         r"are rnn.weight_ih_l0, rnn.weight_hh_l0"):
        mg.bptt.GradientFlowRecorder(probe, "rnn.weight_hh").record(model, 0)
    with pytest.raises(ValueError, match="every must be an int >= 1, got 0"):
        mg.bptt.GradientFlowRecorder(probe, "rnn.weight_hh_l0", every=0)
    with pytest.raises(TypeError, match="probe must be a callable"):
        mg.bptt.GradientFlowRecorder(None, "rnn.weight_hh_l0")
    with pytest.raises(ValueError, match=r"the probe must return the scalar loss Tensor of "
                                         r"its batch, got a Tensor of shape \(5, 1\)"):
        mg.bptt.GradientFlowRecorder(lambda m: m(x), "rnn.weight_hh_l0").record(model, 0)
    with pytest.raises(ValueError, match="has no module 'encoder'"):
        mg.bptt.GradientFlowRecorder(probe, "rnn.weight_hh_l0", layer="encoder").record(model, 0)
    assert model.training                              # put back after the failed probe


def test_a_record_leaves_the_gradients_and_the_mode_as_they_were():
    model = tanh_rnn_model()
    x, y = data(batches=1)[0]
    F.mse_loss(model(x), y).backward()
    before = {name: (p.grad, p.grad.data.copy()) for name, p in model.named_parameters()}
    model.eval()
    mg.bptt.GradientFlowRecorder(lambda m: F.mse_loss(m(x), y), "rnn.weight_hh_l0").record(
        model, 0)
    assert not model.training
    for name, p in model.named_parameters():
        assert p.grad is before[name][0] and np.array_equal(p.grad.data, before[name][1])
