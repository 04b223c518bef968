"""A hand-written numpy LSTM, many-to-one, with manual BPTT.

The layer follows ``torch.nn.LSTM`` (one layer, unidirectional, batch_first=False)
with PyTorch's gate order i, f, g, o::

    gates_t = x_t @ W_ih^T + b_ih + h_{t-1} @ W_hh^T + b_hh     (N, 4H)
    i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the four H-wide chunks
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

with h_0 = c_0 = 0. The last hidden state goes through a linear head and the
loss is the mean squared error (mean over all N * out elements, as
``torch.nn.MSELoss()`` does)::

    out = h_T @ head.weight^T + head.bias                        (N, out)
    loss = mean((out - y) ** 2)

Shape letters: L sequence length (50), N batch (32), H_in input size (64),
H hidden size (128), out head size (10). Default dtype float32.

"Per-step matmuls, no tricks": the input projection is computed step by step
(not hoisted into one big matmul over all steps) and the weight gradients are
accumulated with += at every step, as a straightforward framework would.
"""
import numpy as np

from .many_to_one import PARAM_NAMES, make_batch  # noqa: F401 (part of the API)
from .many_to_one import accumulate_step, layer_functions
from .many_to_one import sigmoid as _sigmoid


def _forward(params, x):
    W_ih, W_hh, b_ih, b_hh = (params[k] for k in PARAM_NAMES[:4])
    T, N, _ = x.shape
    H = W_hh.shape[1]
    h = np.zeros((N, H), dtype=W_ih.dtype)
    c = np.zeros((N, H), dtype=W_ih.dtype)
    cache = []
    for t in range(T):
        gates = x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh
        i = _sigmoid(gates[:, :H])
        f = _sigmoid(gates[:, H:2 * H])
        g = np.tanh(gates[:, 2 * H:3 * H])
        o = _sigmoid(gates[:, 3 * H:])
        c_prev, h_prev = c, h
        c = f * c_prev + i * g
        tc = np.tanh(c)
        h = o * tc
        cache.append((h_prev, c_prev, i, f, g, o, tc))
    return h, cache


def _backward(params, x, cache, dh, grads):
    """BPTT from dh = d loss / d h_T; adds the layer's gradients into `grads`."""
    W_hh = params["weight_hh"]
    H = W_hh.shape[1]
    dc = np.zeros_like(dh)
    dgates = np.empty((dh.shape[0], 4 * H), dtype=dh.dtype)
    for t in reversed(range(len(cache))):
        h_prev, c_prev, i, f, g, o, tc = cache[t]
        dc = dc + dh * o * (1 - tc * tc)
        dgates[:, :H] = dc * g * i * (1 - i)
        dgates[:, H:2 * H] = dc * c_prev * f * (1 - f)
        dgates[:, 2 * H:3 * H] = dc * i * (1 - g * g)
        dgates[:, 3 * H:] = dh * tc * o * (1 - o)
        accumulate_step(grads, dgates, x[t], dgates, h_prev)
        dh = dgates @ W_hh
        dc = dc * f


make_params, forward, loss_and_grads = layer_functions(4, _forward, _backward)
