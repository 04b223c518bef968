"""Backpropagation through time, taken apart.

For a recurrence h_t = f(W h_{t-1} + U x_t) and a loss L, the gradient of a
shared weight is a sum over the time steps where it is used:

    dL/dW = sum_t  dL/dh_t * dh_t/dW|_t       (the "|_t" is the local use at step t)

`per_step_grads` returns those terms, one per step, read off the engine's edge
gradients (an observer on the backward pass); `hidden_grad_norms` returns
||dL/dh_t|| (the quantity that vanishes or explodes); `enumerate_paths` (paths.py)
lists, on small scalar graphs, every path from a weight to the loss with the
product of local derivatives along it.
"""
import numpy as np

from ..autograd import grad as _grad
from .capture import observing, parse_scope
from .paths import enumerate_paths  # noqa: F401  (part of mg.bptt)

__all__ = ["per_step_grads", "hidden_grad_norms", "enumerate_paths"]


class _StepCollector:
    """Observer summing the gradients that flow into `param`, keyed by the time step
    of the op that used it (None for uses outside any "t{k}" scope)."""

    def __init__(self, param):
        self.param = param
        self.terms = {}
        self._steps = {}

    def on_node(self, node, grad):
        pass

    def on_edge(self, node, position, input, grad):
        if input is not self.param:
            return
        step = self._steps.get(node.scope, -1)
        if step == -1:
            step = self._steps[node.scope] = parse_scope(node.scope)["time_step"]
        contribution = np.asarray(grad.data, dtype=np.float64)
        previous = self.terms.get(step)
        self.terms[step] = contribution if previous is None else previous + contribution


def per_step_grads(loss, param, gradient=None, outside="error"):
    """The contribution of each time step to d loss / d param.

    Term t sums the gradients flowing into `param` through the ops that use it
    inside scope "t{t}" (the innermost time scope of the op). Steps where param is
    not used give zeros. The graph is retained (usable again) and no `.grad` is
    touched.

    Args:
        loss: scalar Tensor (or pass `gradient` for a non-scalar one).
        param: a Tensor that `loss` depends on (a parameter, usually).
        outside: what to do with uses of param outside any time step:
            "error" (default) raises ValueError; "append" adds them as one extra
            last row, so the rows still sum to the full gradient.
    Returns:
        numpy float64 array (T, *param.shape), T = 1 + the largest time step
        (+1 row with outside="append"); its sum over axis 0 is d loss / d param.
    """
    if outside not in ("error", "append"):
        raise ValueError(f"per_step_grads: outside must be 'error' or 'append', got {outside!r}")
    collector = _StepCollector(param)
    with observing(collector):
        _grad(loss, param, grad_outputs=gradient, retain_graph=True)
    terms = collector.terms
    loose = terms.pop(None, None)
    if loose is not None and outside == "error":
        raise ValueError(
            "per_step_grads: the parameter is also used outside any time step (an op "
            "without a 't{k}' scope); pass outside='append' to get those uses as an "
            "extra last row")
    steps = 1 + max(terms) if terms else 0
    result = np.zeros((steps + (loose is not None),) + tuple(param.shape))
    for step, contribution in terms.items():
        result[step] = contribution
    if loose is not None:
        result[-1] = loose
    return result


def hidden_grad_norms(loss, states, gradient=None):
    """||d loss / d h_t|| for each hidden state in `states` (total gradient, through
    every later step), as a numpy array (T,). States that do not reach the loss give
    0. The graph is retained; no `.grad` is touched."""
    grads = _grad(loss, list(states), grad_outputs=gradient, retain_graph=True,
                  allow_unused=True)
    return np.array([0.0 if g is None else
                     float(np.sqrt(np.sum(np.square(g.data, dtype=np.float64))))
                     for g in grads])
