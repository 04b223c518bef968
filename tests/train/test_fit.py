"""The fit loop: history, early stopping, clipping, truncated BPTT, progress, bad input."""
import io
import re
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F
from minigrad.train import evaluate, fit, mse


def regression_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
    return [(mg.tensor(X[i:i + 16]), mg.tensor(y[i:i + 16])) for i in range(0, n, 16)]


def test_fit_lowers_the_loss_and_reports_each_epoch():
    mg.manual_seed(0)
    model = nn.Linear(3, 1)
    batches = regression_data()
    history = fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), batches, epochs=5,
                  val_batches=batches, metrics={"mse": mse}, progress=False)
    assert len(history["loss"]) == len(history["val_loss"]) == len(history["mse"]) == 5
    assert history["loss"][-1] < 0.1 * history["loss"][0]
    assert history["epochs_run"] == 5 and not history["stopped_early"]
    # the val loss is the loss of the final weights over the same batches
    assert history["val_loss"][-1] == pytest.approx(evaluate(model, F.mse_loss, batches)["loss"],
                                                    rel=1e-6)


def test_evaluate_matches_a_hand_computation():
    mg.manual_seed(0)
    model = nn.Linear(3, 1)
    batches = regression_data(n=40)  # batches of 16, 16, 8: a per-example mean
    X = np.concatenate([b[0].data for b in batches])
    y = np.concatenate([b[1].data for b in batches])
    expected = np.mean((X @ model.weight.data.T + model.bias.data - y) ** 2)
    assert evaluate(model, F.mse_loss, batches)["loss"] == pytest.approx(expected, rel=1e-5)


def test_early_stopping_stops_and_restores_the_best_weights():
    mg.manual_seed(0)
    model = nn.Linear(3, 1)
    batches = regression_data()
    # a huge learning rate makes the loss grow every epoch after the first
    history = fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=5.0), batches, epochs=20,
                  val_batches=batches, early_stopping=2, progress=False)
    assert history["stopped_early"]
    assert history["epochs_run"] < 20
    best = history["best_epoch"]
    assert history["val_loss"][best] == min(history["val_loss"])
    restored = evaluate(model, F.mse_loss, batches)["loss"]
    assert restored == pytest.approx(history["val_loss"][best], rel=1e-5)


def test_clipping_limits_the_update():
    mg.manual_seed(0)
    model = nn.Linear(3, 1)
    before = [p.data.copy() for p in model.parameters()]
    X = mg.tensor(np.full((4, 3), 100.0, dtype=np.float32))
    y = mg.tensor(np.full((4, 1), -100.0, dtype=np.float32))
    history = fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=1.0), [(X, y)], epochs=1,
                  clip_grad_norm=0.5, progress=False)
    step = np.sqrt(sum(np.sum((p.data - b) ** 2) for p, b in zip(model.parameters(), before)))
    assert step == pytest.approx(0.5, rel=1e-4)          # SGD lr=1 moves by the clipped grad
    assert history["grad_norm"][0] > 100                  # the norm before clipping is recorded


def test_progress_false_prints_nothing(capsys):
    model = nn.Linear(3, 1)
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), regression_data(), epochs=2,
        val_batches=regression_data(), progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_true_shows_the_loss_on_stderr_even_without_a_terminal(capsys):
    model = nn.Linear(3, 1)
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), regression_data(), epochs=1,
        progress=True)
    out = capsys.readouterr()
    assert "loss=" in out.err and "4/4" in out.err and out.out == ""


class Terminal(io.StringIO):
    """What fit sees as stderr when it is a terminal."""

    def isatty(self):
        return True


def as_terminal(monkeypatch):
    """Make sys.stderr a terminal for the rest of the test (inside the test's body:
    pytest sets up its own capture of stderr after the fixtures)."""
    fake = Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    return fake


def counts(bar_text):
    """Every 'n/total' the bar drew, as (n, total) pairs, in order."""
    return [(int(n), int(total)) for n, total in re.findall(r"(\d+)/(\d+) \[", bar_text)]


def test_on_a_terminal_one_bar_counts_the_batches_of_every_epoch(monkeypatch, capsys):
    terminal = as_terminal(monkeypatch)
    model = nn.Linear(3, 1)
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), regression_data(), epochs=3,
        val_batches=regression_data())                  # progress left at its default
    drawn = counts(terminal.getvalue())
    assert {total for _, total in drawn} == {12}       # 3 epochs x 4 batches, from the start
    assert drawn[-1] == (12, 12)
    assert [n for n, _ in drawn] == sorted(n for n, _ in drawn)
    assert "epoch 3/3" in terminal.getvalue() and "val_loss=" in terminal.getvalue()
    assert "evaluate" not in terminal.getvalue()       # no second bar for the val batches
    assert capsys.readouterr().out == ""


def test_with_tbptt_the_bar_counts_chunks(monkeypatch):
    terminal = as_terminal(monkeypatch)
    model = TinyLanguageModel()
    x = mg.tensor(np.linspace(-1, 1, 20, dtype=np.float32).reshape(2, 10))
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), [(x, x * 0.5)], epochs=2,
        tbptt=4)
    drawn = counts(terminal.getvalue())
    assert drawn[-1] == (6, 6) and {total for _, total in drawn} == {6}   # 2 x (4, 4, 2)
    assert "chunk" in terminal.getvalue()


def test_batches_of_unknown_number_get_a_total_after_the_first_epoch(monkeypatch):
    terminal = as_terminal(monkeypatch)
    model = nn.Linear(3, 1)
    data = regression_data()
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), lambda: iter(data),
        epochs=3)
    drawn = counts(terminal.getvalue())
    assert drawn[-1] == (12, 12) and {total for _, total in drawn} == {12}


def test_early_stopping_says_so_on_the_bar(monkeypatch):
    terminal = as_terminal(monkeypatch)
    model = nn.Linear(3, 1)
    history = fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=5.0), regression_data(),
                  epochs=20, val_batches=regression_data(), early_stopping=2)
    assert history["stopped_early"]
    assert f"epoch {history['epochs_run']}/20, stopped early" in terminal.getvalue()


def test_without_a_terminal_the_default_writes_nothing(capsys):
    model = nn.Linear(3, 1)
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), regression_data(), epochs=2,
        val_batches=regression_data())
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_false_is_silent_on_a_terminal(monkeypatch):
    terminal = as_terminal(monkeypatch)
    model = nn.Linear(3, 1)
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), regression_data(), epochs=2,
        progress=False)
    assert terminal.getvalue() == ""


def test_evaluate_draws_a_bar_only_when_asked(monkeypatch):
    terminal = as_terminal(monkeypatch)
    model = nn.Linear(3, 1)
    evaluate(model, F.mse_loss, regression_data())
    assert terminal.getvalue() == ""
    evaluate(model, F.mse_loss, regression_data(), progress=None)
    assert "evaluate" in terminal.getvalue()           # a bar of 4 batches, wiped at the end
    assert {total for _, total in counts(terminal.getvalue())} == {4}


class TinyLanguageModel(nn.Module):
    """A one-weight recurrence, enough to see that tbptt carries the state over chunks."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(mg.tensor([0.5]))
        self.seen_states = []

    def forward(self, x, hx=None):
        h = mg.zeros(x.shape[0], 1) if hx is None else hx
        self.seen_states.append(hx)
        outs = []
        for t in range(x.shape[1]):
            h = (h * self.w + x[:, t:t + 1]).tanh()
            outs.append(h)
        return mg.concat(outs, axis=1), h


def test_tbptt_steps_once_per_chunk_and_detaches_the_state():
    model = TinyLanguageModel()
    x = mg.tensor(np.linspace(-1, 1, 20, dtype=np.float32).reshape(2, 10))
    steps = []

    class CountingSGD(optim.SGD):
        def step(self):
            steps.append(1)
            super().step()
    fit(model, F.mse_loss, CountingSGD(model.parameters(), lr=0.1), [(x, x * 0.5)], epochs=1,
        tbptt=4, progress=False)
    assert len(steps) == 3                                    # chunks of 4, 4, 2 steps
    assert model.seen_states[0] is None
    carried = model.seen_states[1:]
    assert all(h is not None and h.is_leaf and not h.requires_grad for h in carried)


def test_bad_arguments_are_explained():
    model = nn.Linear(3, 1)
    sgd = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="early_stopping"):
        fit(model, F.mse_loss, sgd, regression_data(), early_stopping=0, progress=False)
    with pytest.raises(ValueError, match="pair"):
        fit(model, F.mse_loss, sgd, [(mg.randn(2, 3),)], progress=False)
    with pytest.raises(ValueError, match="no batches"):
        fit(model, F.mse_loss, sgd, [], progress=False)
    with pytest.raises(ValueError, match="tbptt"):
        fit(model, F.mse_loss, sgd, regression_data(), tbptt=0, progress=False)
    with pytest.raises(TypeError, match="progress='yes'"):
        fit(model, F.mse_loss, sgd, regression_data(), progress="yes")
    with pytest.raises(TypeError, match="evaluate: progress=1"):
        evaluate(model, F.mse_loss, regression_data(), progress=1)
    assert model.training                      # a refused call leaves the model as it was
    with pytest.raises(ValueError, match="share"):
        fit(model, F.mse_loss, sgd, [(mg.randn(2, 5, 3), mg.randn(2, 4, 3))], tbptt=2,
            progress=False)


class Log:
    """A callback that writes down each call: (hook, epoch, update, loss, epochs in history,
    a copy of the weight)."""

    def __init__(self, weight_name="weight"):
        self.calls, self.weight_name = [], weight_name

    def _log(self, hook, run):
        weight = dict(run.model.named_parameters())[self.weight_name].data.copy()
        self.calls.append((hook, run.epoch, run.update, run.loss, len(run.history["loss"]),
                           weight))

    def on_fit_start(self, run):
        self._log("start", run)

    def on_update(self, run):
        self._log("update", run)

    def on_epoch_end(self, run):
        self._log("epoch", run)

    def on_fit_end(self, run):
        self._log("end", run)


def test_callbacks_are_called_at_the_start_after_each_update_each_epoch_and_the_end():
    mg.manual_seed(0)
    model = nn.Linear(3, 1)
    batches = regression_data()                       # 4 batches
    log = Log()
    history = fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), batches,
                  epochs=2, callbacks=[log], progress=False)
    hooks = [c[0] for c in log.calls]
    assert hooks == ["start"] + (["update"] * 4 + ["epoch"]) * 2 + ["end"]
    assert [c[2] for c in log.calls if c[0] == "update"] == list(range(1, 9))
    assert [c[1] for c in log.calls if c[0] == "update"] == [0] * 4 + [1] * 4
    assert [c[4] for c in log.calls if c[0] == "epoch"] == [1, 2]   # the epoch is in history
    assert log.calls[0][2:4] == (0, None)
    # run.loss is the loss of the update just made, on the weights before it: replay it
    mg.manual_seed(0)
    replay = nn.Linear(3, 1)
    sgd = optim.SGD(replay.parameters(), lr=0.1)
    for (x, y), call in zip(batches * 2, [c for c in log.calls if c[0] == "update"]):
        sgd.zero_grad()
        loss = F.mse_loss(replay(x), y)
        loss.backward()
        sgd.step()
        assert call[3] == loss.item()
        np.testing.assert_array_equal(call[5], replay.weight.data)   # after the step
    assert log.calls[-1][2] == 8 and history["epochs_run"] == 2


def test_with_tbptt_a_callback_sees_one_update_per_chunk():
    model = TinyLanguageModel()
    x = mg.tensor(np.linspace(-1, 1, 20, dtype=np.float32).reshape(2, 10))
    log = Log("w")
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), [(x, x * 0.5)], epochs=2,
        tbptt=4, progress=False, callbacks=[log])
    assert [c[2] for c in log.calls if c[0] == "update"] == list(range(1, 7))  # 3 chunks x 2
    assert all(isinstance(c[3], float) for c in log.calls if c[0] == "update")


def test_a_callback_may_have_only_some_hooks_and_a_callback_class_fills_the_rest():
    from minigrad.train import Callback
    seen = []

    class OnlyUpdates:
        def on_update(self, run):
            seen.append(run.update)

    class Counted(Callback):
        def on_fit_end(self, run):
            seen.append("end")
    model = nn.Linear(3, 1)
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), regression_data(), epochs=1,
        callbacks=[OnlyUpdates(), Counted()], progress=False)
    assert seen == [1, 2, 3, 4, "end"]
    with pytest.raises(TypeError, match=r"fit: callback 1 \(object\) has none of the methods "
                                        r"on_fit_start, on_update, on_epoch_end, on_fit_end"):
        fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), regression_data(),
            callbacks=[OnlyUpdates(), object()], progress=False)
