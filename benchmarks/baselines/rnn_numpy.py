"""A hand-written numpy tanh RNN (Elman), many-to-one, with manual BPTT.

The layer follows ``torch.nn.RNN`` (one layer, unidirectional, tanh, batch_first=False)::

    h_t = tanh(x_t @ W_ih^T + b_ih + h_{t-1} @ W_hh^T + b_hh)          (N, H)

with h_0 = 0; head, loss and shape letters as in many_to_one.py, and written in the
style of lstm_numpy.py: per-step matmuls, weight gradients accumulated every step.
"""
import numpy as np

from .many_to_one import PARAM_NAMES, make_batch  # noqa: F401 (part of the API)
from .many_to_one import accumulate_step, layer_functions


def _forward(params, x):
    W_ih, W_hh, b_ih, b_hh = (params[k] for k in PARAM_NAMES[:4])
    h = np.zeros((x.shape[1], W_hh.shape[1]), dtype=W_ih.dtype)
    states = [h]
    for t in range(x.shape[0]):
        h = np.tanh(x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
        states.append(h)
    return h, states


def _backward(params, x, states, dh, grads):
    """BPTT from dh = d loss / d h_T; adds the layer's gradients into `grads`."""
    W_hh = params["weight_hh"]
    for t in reversed(range(x.shape[0])):
        h, h_prev = states[t + 1], states[t]
        da = dh * (1 - h * h)
        accumulate_step(grads, da, x[t], da, h_prev)
        dh = da @ W_hh


make_params, forward, loss_and_grads = layer_functions(1, _forward, _backward)
