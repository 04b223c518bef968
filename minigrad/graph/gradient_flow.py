"""Gradient flow over training: how far back the gradient reaches, update after update.

Every k updates, on one fixed probe batch, `GradientFlowRecorder` measures

    contributions[u, t] = ||term_t of d loss / d W||   (`per_step_grads`, W a chosen weight)
    hidden[u, t]        = ||d loss / d h_t||           (`hidden_grad_norms`)

and keeps them in a `GradientFlow`, which `save` writes with `mg.save` (an .npz, no
pickle) and `GradientFlow.load` reads back. A tanh RNN's rows stay dark at the early
steps (vanishing); an LSTM or a GRU that learns to hold its state lights them up as
training goes on (`minigrad.viz.gradient_flow_chart` draws the step x update heatmap).

The probe leaves training exactly as it was: it runs the model in eval mode (no dropout
draws; the mode is put back), takes its gradients with `mg.grad` (no `.grad` is
touched), and puts minigrad's random generator back in the state it found it in, so a
run with the recorder ends with bit for bit the parameters of a run without it.
"""
import time
from dataclasses import dataclass, field

import numpy as np

from ..creation import generator
from ..grad_mode import enable_grad
from ..io import load, save
from ..tensor import Tensor

FORMAT = "minigrad.gradient_flow/1"   # the record's "format" entry in its .npz


@dataclass
class GradientFlow:
    """Per-step gradient norms on one probe batch, at several points of training.

    Attributes (U records, T time steps of the probe sequence):
        param: the name of the weight whose gradient is split by step ("rnn.weight_hh_l0").
        state: the state whose gradient norms `hidden` holds ("h", or "c" of an LSTM).
        updates: (U,) ints, the updates made before each record (0: at initialisation).
        contributions: (U, T) floats, ||term_t|| of d loss / d param: the part of the
            gradient that step t's use of the weight gives (`mg.bptt.per_step_grads`).
        hidden: (U, T) floats, ||d loss / d state_t|| (`mg.bptt.hidden_grad_norms`).
        loss: (U,) floats, the probe loss.
    """
    param: str
    state: str = "h"
    updates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    contributions: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    hidden: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def append(self, update, contributions, hidden, loss):
        """Add one record (contributions and hidden: (T,) norms)."""
        contributions = np.asarray(contributions, dtype=np.float64).reshape(1, -1)
        hidden = np.asarray(hidden, dtype=np.float64).reshape(1, -1)
        if len(self.updates) and (contributions.shape[1] != self.contributions.shape[1]
                                  or hidden.shape[1] != self.hidden.shape[1]):
            raise ValueError(f"GradientFlow.append: a record of {contributions.shape[1]} and "
                             f"{hidden.shape[1]} steps after records of "
                             f"{self.contributions.shape[1]} and {self.hidden.shape[1]}: the "
                             f"probe batch must stay the same")
        first = not len(self.updates)
        self.updates = np.append(self.updates, np.int64(update))
        self.contributions = contributions if first else np.vstack([self.contributions,
                                                                     contributions])
        self.hidden = hidden if first else np.vstack([self.hidden, hidden])
        self.loss = np.append(self.loss, float(loss))

    def save(self, path):
        """Write the record to `path` as an .npz (mg.save: atomic, no pickle)."""
        save({"format": FORMAT, "param": self.param, "state": self.state,
              "updates": self.updates, "contributions": self.contributions,
              "hidden": self.hidden, "loss": self.loss}, path)

    @classmethod
    def load(cls, path):
        """The GradientFlow that `save` wrote to `path`.

        Raises ValueError naming the file when it is not such a record (mg.load's own
        errors for a file that is not an .npz at all)."""
        entries = load(path)
        if entries.get("format") != FORMAT:
            raise ValueError(f"GradientFlow.load: {path} is not a gradient flow record (its "
                             f"'format' entry is {entries.get('format')!r}, expected "
                             f"{FORMAT!r})")
        missing = [k for k in ("param", "state", "updates", "contributions", "hidden", "loss")
                   if k not in entries]
        if missing:
            raise ValueError(f"GradientFlow.load: {path} lacks {', '.join(missing)}")
        return cls(entries["param"], entries["state"], np.asarray(entries["updates"]),
                   np.asarray(entries["contributions"]), np.asarray(entries["hidden"]),
                   np.asarray(entries["loss"]))


def measure_gradient_flow(model, probe, param, layer, state=None):
    """One record's measurements, leaving the run untouched (module docstring).

    Args:
        model: the Module being trained.
        probe: callable(model) -> scalar loss Tensor, on a fixed batch.
        param: the weight (a Tensor of the model) whose gradient is split by step.
        layer: the recurrent layer (a module of the model) whose states are read.
        state: None ("h") or "c", as in hidden_grad_norms.
    Returns:
        (contributions (T,), hidden (T,), loss float).
    """
    from .bptt import hidden_grad_norms, per_step_grads   # bptt exports this module's names
    was_training = model.training
    random = generator()
    random_state = random.bit_generator.state
    model.eval()
    try:
        with enable_grad():
            loss = probe(model)
            if not isinstance(loss, Tensor) or loss.data.size != 1:
                raise ValueError(f"GradientFlowRecorder: the probe must return the scalar loss "
                                 f"Tensor of its batch, got "
                                 f"{_describe(loss)}")
            terms = per_step_grads(loss, param)
            hidden = hidden_grad_norms(loss, layer, state=state)
    finally:
        random.bit_generator.state = random_state
        model.train(was_training)
    norms = np.linalg.norm(terms.reshape(len(terms), -1), axis=1)
    return norms, hidden, float(loss.item())


def _describe(value):
    if isinstance(value, Tensor):
        return f"a Tensor of shape {tuple(value.shape)}"
    return type(value).__name__


class GradientFlowRecorder:
    """A `fit` callback (minigrad/train/callbacks.py) that records a `GradientFlow`.

        probe = lambda model: sequence_cross_entropy(model(x_probe)[0], y_probe)
        recorder = GradientFlowRecorder(probe, "rnn.weight_hh_l0", every=20)
        fit(model, loss_fn, optimizer, batches, callbacks=[recorder])
        recorder.flow.save("flow.npz")
        gradient_flow_chart(recorder.flow, "flow.svg")

    Records at the start (update 0), after every `every`-th update and after the last.
    With truncated BPTT (fit's tbptt=k) the probe still runs the whole probe sequence in
    one piece: the records show the full gradient, whose reach truncation limits.
    In a loop of your own, call `after_update(model, update)` before the first update
    (update 0) and after each, and `finish(model, updates)` at the end.

    Args:
        probe: callable(model) -> scalar loss Tensor on a fixed probe batch; it must not
            call backward (the recorder takes gradients with mg.grad).
        param: the name of a parameter of the model (as `named_parameters()` gives it,
            e.g. "rnn.weight_hh_l0"), or the parameter itself.
        every: record after every `every` updates (an int >= 1).
        layer: the recurrent layer whose states' gradients are read: its name in the
            model ("rnn") or the module; by default the module that holds `param`.
        state: None (h_t) or "c" (an LSTM's cell state), as hidden_grad_norms takes.
        path: if given, the record is saved there (`GradientFlow.save`) at the end of fit.

    Attributes:
        flow: the GradientFlow recorded so far (None before the first record).
        seconds: the time spent measuring so far (what the records cost the run).
    """

    def __init__(self, probe, param, every=10, layer=None, state=None, path=None):
        if not callable(probe):
            raise TypeError(f"GradientFlowRecorder: probe must be a callable model -> loss, "
                            f"got {type(probe).__name__}")
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"GradientFlowRecorder: every must be an int >= 1, got {every!r}")
        self.probe, self.param, self.every = probe, param, int(every)
        self.layer, self.state, self.path = layer, state, path
        self.flow = None
        self.seconds = 0.0    # spent measuring, so far

    def on_fit_start(self, run):
        self.after_update(run.model, run.update)

    def on_update(self, run):
        self.after_update(run.model, run.update)

    def on_fit_end(self, run):
        self.finish(run.model, run.update)

    def after_update(self, model, update):
        """Record if `update` is 0 or a multiple of `every` (for a loop of your own: call
        it with 0 before the first update and with the count after each)."""
        if update % self.every == 0:
            self.record(model, update)

    def finish(self, model, update):
        """Record the last update if it was not, and save to `path` if one was given."""
        if self.flow is None or self.flow.updates[-1] != update:
            self.record(model, update)
        if self.path is not None:
            self.flow.save(self.path)

    def record(self, model, update):
        """Measure the model now and add the record for `update`; returns the flow."""
        start = time.perf_counter()
        name, param = _parameter(model, self.param)
        layer = _layer(model, self.layer, name)
        contributions, hidden, loss = measure_gradient_flow(model, self.probe, param, layer,
                                                            self.state)
        if self.flow is None:
            self.flow = GradientFlow(name, self.state or "h")
        self.flow.append(update, contributions, hidden, loss)
        self.seconds += time.perf_counter() - start
        return self.flow


def _parameter(model, param):
    """(name, tensor) of `param` (a name or a tensor) among the model's parameters."""
    named = dict(model.named_parameters())
    if isinstance(param, Tensor):
        for name, tensor in named.items():
            if tensor is param:
                return name, tensor
        raise ValueError(f"GradientFlowRecorder: the param given (shape {tuple(param.shape)}) "
                         f"is not a parameter of the {type(model).__name__}")
    if param not in named:
        raise ValueError(f"GradientFlowRecorder: the {type(model).__name__} has no parameter "
                         f"{param!r}; its parameters are {', '.join(named)}")
    return param, named[param]


def _layer(model, layer, param_name):
    """The module whose states are read: `layer` (a module, or its name), or the module
    holding the parameter `param_name`."""
    if layer is not None and not isinstance(layer, str):
        return layer
    modules = dict(model.named_modules())
    name = layer if layer is not None else param_name.rpartition(".")[0]
    if name not in modules:
        raise ValueError(f"GradientFlowRecorder: the {type(model).__name__} has no module "
                         f"{name!r}; its modules are "
                         f"{', '.join(repr(n) for n in modules if n) or '(none)'}")
    return modules[name]
