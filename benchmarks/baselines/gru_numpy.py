"""A hand-written numpy GRU, many-to-one, with manual BPTT.

The layer follows ``torch.nn.GRU`` (one layer, unidirectional, batch_first=False)
with PyTorch's gate order r, z, n and the reset gate applied after the matmul::

    gi = x_t @ W_ih^T + b_ih;   gh = h_{t-1} @ W_hh^T + b_hh          (N, 3H) each
    r = sigmoid(gi_r + gh_r);   z = sigmoid(gi_z + gh_z)
    n = tanh(gi_n + r * gh_n)
    h_t = (1 - z) * n + z * h_{t-1}

with h_0 = 0. The head, the loss and the shape letters are those of many_to_one.py;
no tricks, as in lstm_numpy.py: the input projection step by step, and the weight
gradients added at every step.
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
    cache = []
    for t in range(T):
        gi = x[t] @ W_ih.T + b_ih
        gh = h @ W_hh.T + b_hh
        r = _sigmoid(gi[:, :H] + gh[:, :H])
        z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        gh_n = gh[:, 2 * H:]
        n = np.tanh(gi[:, 2 * H:] + r * gh_n)
        h_prev = h
        h = (1 - z) * n + z * h_prev
        cache.append((h_prev, r, z, n, gh_n))
    return h, cache


def _backward(params, x, cache, dh, grads):
    """BPTT from dh = d loss / d h_T; adds the layer's gradients into `grads`."""
    W_hh = params["weight_hh"]
    H = W_hh.shape[1]
    d_gi = np.empty((dh.shape[0], 3 * H), dtype=dh.dtype)
    d_gh = np.empty_like(d_gi)
    for t in reversed(range(len(cache))):
        h_prev, r, z, n, gh_n = cache[t]
        d_an = dh * (1 - z) * (1 - n * n)           # gradient of the tanh's argument
        d_gi[:, :H] = d_an * gh_n * r * (1 - r)
        d_gi[:, H:2 * H] = dh * (h_prev - n) * z * (1 - z)
        d_gi[:, 2 * H:] = d_an
        d_gh[:, :2 * H] = d_gi[:, :2 * H]
        d_gh[:, 2 * H:] = d_an * r
        accumulate_step(grads, d_gi, x[t], d_gh, h_prev)
        dh = dh * z + d_gh @ W_hh


make_params, forward, loss_and_grads = layer_functions(3, _forward, _backward)
