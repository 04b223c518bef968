"""The scalar RNN chain h_t = tanh(w h_{t-1} + x_t), h_0 = 0, in plain numpy."""
import numpy as np


def scalar_chain_w_gradient(w, xs):
    """(h_T, d h_T / d w), by a hand-written BPTT loop (no recursion, any length)."""
    hs = np.zeros(len(xs) + 1)
    for t, x in enumerate(xs):
        hs[t + 1] = np.tanh(w * hs[t] + x)
    dw, dh = 0.0, 1.0
    for t in range(len(xs), 0, -1):
        dpre = dh * (1.0 - hs[t] ** 2)
        dw += dpre * hs[t - 1]
        dh = dpre * w
    return hs[-1], dw
