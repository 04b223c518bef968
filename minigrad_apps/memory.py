"""How far back an RNN, an LSTM and a GRU remember: their connectivity at initialisation.

Used by `minigrad bptt MODEL --view connectivity`; like vanishing.py it needs both
the analysis (`mg.bptt.connectivity`) and the layers (`models`).
"""
import numpy as np

import minigrad as mg
from .vanishing import initialised_model


def connectivity_comparison(T=30, hidden=16, seed=0, input_size=4, forget_bias=None,
                            models_to_run=("RNN", "LSTM", "GRU"), nonlinearity="tanh",
                            init_whh="default", scale_whh=1.0, bidirectional=False):
    """||d y_t / d x_s|| for t, s = 0..T-1 of freshly initialised models fed one input.

    Each model (`vanishing.initialised_model`: the options are those of
    `vanishing_gradient_comparison`, plus `bidirectional`) reads the same random
    sequence x (T, 1, input_size); its output at step t is the scalar y_t = v . h_t
    for a fixed random v (h_t = [h_forward_t; h_reverse_t] when bidirectional).

    Returns:
        dict label -> numpy array (T, T), row t = output step, column s = input step;
        a label says every option that is not the default.
    """
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, 1, input_size))
    v = rng.normal(size=(hidden * (2 if bidirectional else 1),))
    result = {}
    for name in models_to_run:
        model, label = initialised_model(name, input_size, hidden, seed, forget_bias,
                                         nonlinearity, init_whh, scale_whh, bidirectional)
        x = mg.tensor(xs, dtype=mg.float64, requires_grad=True)
        out, _ = model(x)                                    # (T, 1, D * hidden)
        y = (out * mg.tensor(v, dtype=mg.float64)).sum(axis=-1)   # (T, 1)
        result[label] = mg.bptt.connectivity(y, x)
    return result
