"""Callbacks: code of yours that `fit` runs at fixed points of training.

A callback is any object with some of these methods (the others are not called);
subclassing `Callback` is optional and only supplies the ones you leave out:

    on_fit_start(run)     before the first update
    on_update(run)        after every optimizer step (with truncated BPTT, fit's
                          tbptt=k, after each chunk's step: one per chunk)
    on_epoch_end(run)     after each epoch, its validation included
    on_fit_end(run)       once training is over (early stopping's best weights put back)

`run` is the `FitRun` of the call: what a callback reads (model, optimizer, the
update and epoch counts, the last update's loss, the history so far). Callbacks are
called in the order given, each hook after the progress bar has counted the update.

    class PrintEvery:
        def __init__(self, k):
            self.k = k
        def on_update(self, run):
            if run.update % self.k == 0:
                print(run.update, run.loss)

    fit(model, loss_fn, optimizer, batches, callbacks=[PrintEvery(100)])

A callback that must not change the run (a probe, a logger) must not touch the
parameters' `.grad`, the model's mode or minigrad's random generator: fit does not
shield training from its callbacks (`mg.bptt.GradientFlowRecorder` is one that
leaves everything as it found it).
"""
from dataclasses import dataclass, field

HOOKS = ("on_fit_start", "on_update", "on_epoch_end", "on_fit_end")


class Callback:
    """A callback whose every hook does nothing: override the ones you need."""

    def on_fit_start(self, run):
        pass

    def on_update(self, run):
        pass

    def on_epoch_end(self, run):
        pass

    def on_fit_end(self, run):
        pass


@dataclass
class FitRun:
    """The state of one `fit` call, as its callbacks see it.

    Attributes:
        model, optimizer, loss_fn: as passed to fit.
        epochs: the epochs asked for.
        epoch: the current epoch, from 0.
        update: the optimizer steps taken so far (0 in on_fit_start).
        loss: the loss of the last update (a float; None before the first).
        history: fit's history so far (per-epoch lists: "loss", "val_loss", ...).
    """
    model: object
    optimizer: object
    loss_fn: object
    epochs: int
    epoch: int = 0
    update: int = 0
    loss: float = None
    history: dict = field(default_factory=dict)


class CallbackList:
    """The callbacks of one fit, checked once, each hook called on every callback that
    has it."""

    def __init__(self, callbacks):
        self.callbacks = [] if callbacks is None else list(callbacks)
        for i, callback in enumerate(self.callbacks):
            if not any(callable(getattr(callback, hook, None)) for hook in HOOKS):
                raise TypeError(f"fit: callback {i} ({type(callback).__name__}) has none of "
                                f"the methods {', '.join(HOOKS)}")

    def __call__(self, hook, run):
        for callback in self.callbacks:
            method = getattr(callback, hook, None)
            if method is not None:
                method(run)
