"""`fit` and `evaluate`: the training loop, short enough to write by hand.

A batch is a pair `(inputs, targets)`. `inputs` is passed to the model as
`model(*inputs)` when it is a tuple, `model(**inputs)` when it is a dict and
`model(inputs)` otherwise; a model returning a tuple has its first element
taken as the output. `loss_fn(output, targets)` returns a scalar Tensor.
"""
import time

import numpy as np
from ..grad_mode import no_grad
from ..tensor import Tensor
from ..threads import thread_policy
from .callbacks import CallbackList, FitRun
from .progress import RunBar, progress_bar


def call_model(model, inputs):
    """Run `model` on a batch's inputs; return the output (first element of a tuple)."""
    if isinstance(inputs, tuple):
        out = model(*inputs)
    elif isinstance(inputs, dict):
        out = model(**inputs)
    else:
        out = model(inputs)
    return out[0] if isinstance(out, tuple) else out


def _batches(source):
    """`source` is an iterable (iterated once per epoch) or a callable returning one."""
    return source() if callable(source) else source


def _batch_size(targets):
    if isinstance(targets, (Tensor, np.ndarray)) and np.ndim(targets.data if isinstance(
            targets, Tensor) else targets) > 0:
        return len(targets)
    return 1


def _split_batch(batch):
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError(f"fit: a batch must be a pair (inputs, targets), got "
                         f"{type(batch).__name__}"
                         f"{' of length ' + str(len(batch)) if isinstance(batch, (tuple, list)) else ''}")
    return batch


class _Averages:
    """Running means of the loss and metrics, weighted by batch size."""

    def __init__(self):
        self.sums, self.count = {}, 0

    def add(self, values, n):
        for k, v in values.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v) * n
        self.count += n

    def means(self):
        return {k: s / max(self.count, 1) for k, s in self.sums.items()}


def _metric_values(metrics, output, targets):
    return {name: fn(output, targets) for name, fn in (metrics or {}).items()}


def evaluate(model, loss_fn, batches, metrics=None, progress=False):
    """Mean loss and metrics over `batches`, in eval mode and without a graph.

    `progress`: False (the default) draws nothing; True, or None when stderr is a
    terminal, a bar over the batches (minigrad.train.progress). Runs at minigrad's
    BLAS thread count (minigrad.threads).

    Returns:
        dict {"loss": float, <metric name>: float, ...}, averaged per example.
    """
    source = _batches(batches)
    bar = progress_bar(total=_length(source), desc="evaluate", progress=progress,
                       where="evaluate", leave=False)
    was_training = model.training
    model.eval()
    totals = _Averages()
    try:
        with no_grad(), thread_policy():
            for batch in source:
                inputs, targets = _split_batch(batch)
                output = call_model(model, inputs)
                values = {"loss": loss_fn(output, targets).item()}
                values.update(_metric_values(metrics, output, targets))
                totals.add(values, _batch_size(targets))
                bar.update()
    finally:
        bar.close()
        model.train(was_training)
    if totals.count == 0:
        raise ValueError("evaluate: got no batches")
    return totals.means()


def _train_step(model, loss_fn, optimizer, inputs, targets, clip, tbptt, after_update):
    """One optimizer step (or one per chunk with tbptt), each followed by
    `after_update()`; returns (output, loss, grad norm)."""
    if tbptt is not None:
        from .tbptt import tbptt_step
        return tbptt_step(model, loss_fn, optimizer, inputs, targets, tbptt, clip,
                          after_chunk=after_update)
    optimizer.zero_grad()
    output = call_model(model, inputs)
    loss = loss_fn(output, targets)
    loss.backward()
    norm = _clip(model, clip)
    optimizer.step()
    after_update()
    return output, loss.item(), norm


def _clip(model, max_norm):
    """Clip the gradients' total norm to `max_norm` (if given); return the norm before."""
    if max_norm is None:
        return None
    from ..nn.utils import clip_grad_norm_
    return float(clip_grad_norm_(model.parameters(), max_norm))


def fit(model, loss_fn, optimizer, train_batches, epochs=1, val_batches=None, metrics=None,
        clip_grad_norm=None, tbptt=None, early_stopping=None, progress=None, callbacks=None):
    """Train `model` for `epochs` passes over `train_batches`; return the history.

    What it does, for each epoch, is this hand-written loop:

        for epoch in range(epochs):
            model.train()
            for inputs, targets in train_batches:
                optimizer.zero_grad()
                loss = loss_fn(model(inputs), targets)
                loss.backward()
                mg.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                optimizer.step()
            val = evaluate(model, loss_fn, val_batches, metrics)
            # early stopping: stop after `patience` epochs without a lower val loss,
            # and put back the weights of the best epoch

    with each callback's hooks called before the first update, after every
    optimizer step, after each epoch and at the end (minigrad/train/callbacks.py).

    It runs at minigrad's BLAS thread count (1 unless you chose one: minigrad.threads)
    and puts the BLAS pool back when it returns.

    Args:
        model: a Module.
        loss_fn: (output, targets) -> scalar Tensor.
        optimizer: has zero_grad() and step() (mg.optim.*).
        train_batches, val_batches: iterables of (inputs, targets) pairs, iterated
            once per epoch (e.g. a `BatchIterator`), or callables returning one.
        metrics: dict name -> fn(output, targets) -> float (see minigrad.train.metrics).
        clip_grad_norm: max total gradient norm (mg.nn.utils.clip_grad_norm_), or None.
        tbptt: k for truncated backpropagation through time: the model is called as
            `output, hx = model(x_chunk, hx)` on chunks of k steps (time axis 1) and
            hx is detached between chunks (see minigrad.train.tbptt).
        early_stopping: patience in epochs (on the val loss, else the train loss), or None.
        progress: None (default): a bar on stderr when it is a terminal; True: always;
            False: nothing. One bar for the whole run, counting batches (with tbptt,
            chunks) of all epochs, with the ETA and the running loss and metrics.
        callbacks: a list of objects with some of the methods on_fit_start(run),
            on_update(run), on_epoch_end(run), on_fit_end(run), each given the
            `FitRun` (minigrad/train/callbacks.py), or None.
    Returns:
        history: dict with per-epoch lists "loss", <metric>, and with val_batches
        "val_loss", "val_<metric>"; with clipping "grad_norm" (mean norm before
        clipping); and "epochs_run", "best_epoch", "stopped_early", "seconds".
    """
    if early_stopping is not None and (int(early_stopping) != early_stopping or early_stopping < 1):
        raise ValueError(f"fit: early_stopping={early_stopping}, expected a patience >= 1 or None")
    if tbptt is not None and (int(tbptt) != tbptt or tbptt < 1):
        raise ValueError(f"fit: tbptt={tbptt}, expected a chunk length >= 1 or None")
    hooks = CallbackList(callbacks)
    bar = RunBar(epochs, progress, unit="batch" if tbptt is None else "chunk")
    try:
        with thread_policy():
            return _fit_epochs(model, loss_fn, optimizer, train_batches, epochs, val_batches,
                               metrics, clip_grad_norm, tbptt, early_stopping, bar, hooks)
    finally:
        bar.close()


def _fit_epochs(model, loss_fn, optimizer, train_batches, epochs, val_batches, metrics,
                clip_grad_norm, tbptt, early_stopping, bar, hooks):
    """fit's epochs, counted on `bar` (a RunBar), with the callbacks' `hooks`."""
    history = {"loss": []}
    run = FitRun(model, optimizer, loss_fn, epochs, history=history)
    last_loss = []

    def tracked_loss(output, targets):      # keeps the loss of the update under way
        loss = loss_fn(output, targets)
        last_loss[:] = [loss]
        return loss

    def after_update():
        bar.advance()
        run.update += 1
        run.loss = last_loss[0].item()
        hooks("on_update", run)

    hooks("on_fit_start", run)
    best, best_epoch, best_state, waited = np.inf, None, None, 0
    start = time.perf_counter()
    stopped = False
    for epoch in range(epochs):
        run.epoch = epoch
        model.train()
        totals, norms = _Averages(), []
        batches = _batches(train_batches)
        n_batches = _length(batches)
        bar.start_epoch(epoch)
        for index, batch in enumerate(batches):
            inputs, targets = _split_batch(batch)
            if index == 0 and bar.units_per_epoch is None and n_batches is not None:
                bar.expect(n_batches * _units_per_batch(inputs, tbptt))
            output, loss, norm = _train_step(model, tracked_loss, optimizer, inputs, targets,
                                             clip_grad_norm, tbptt, after_update)
            values = {"loss": loss}
            with no_grad():
                values.update(_metric_values(metrics, output, targets))
            totals.add(values, _batch_size(targets))
            if norm is not None:
                norms.append(norm)
            bar.show({**_last_epoch(history, prefix="val_"), **totals.means()})
        if totals.count == 0:
            raise ValueError("fit: train_batches yielded no batches")
        bar.end_epoch()
        _append(history, totals.means())
        if clip_grad_norm is not None:
            history.setdefault("grad_norm", []).append(float(np.mean(norms)))
        if val_batches is not None:
            _append(history, evaluate(model, loss_fn, val_batches, metrics), prefix="val_")
        bar.show(_last_epoch(history))
        hooks("on_epoch_end", run)
        monitored = history["val_loss" if val_batches is not None else "loss"][-1]
        if monitored < best:
            best, best_epoch, waited = monitored, epoch, 0
            if early_stopping is not None:
                best_state = model.state_dict()
        else:
            waited += 1
            if early_stopping is not None and waited >= early_stopping:
                stopped = True
                bar.stopped_early()
                break
    if best_state is not None and best_epoch != len(history["loss"]) - 1:
        model.load_state_dict(best_state)
    history.update(epochs_run=len(history["loss"]), best_epoch=best_epoch,
                   stopped_early=stopped, seconds=time.perf_counter() - start)
    hooks("on_fit_end", run)
    return history


def _units_per_batch(inputs, tbptt):
    """What the bar counts for one batch: 1, or its number of chunks with tbptt."""
    if tbptt is None or not hasattr(inputs, "shape") or len(inputs.shape) < 2:
        return 1
    return -(-inputs.shape[1] // tbptt)


def _last_epoch(history, prefix=""):
    """The last epoch's values whose names start with `prefix` (grad_norm left out)."""
    return {k: v[-1] for k, v in history.items()
            if k.startswith(prefix) and k != "grad_norm" and v}


def _length(batches):
    try:
        return len(batches)
    except TypeError:
        return None


def _append(history, values, prefix=""):
    for k, v in values.items():
        history.setdefault(prefix + k, []).append(float(v))
