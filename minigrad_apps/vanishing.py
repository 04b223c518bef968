"""The vanishing-gradient experiment: ||dL/dh_t|| through time in an RNN, an LSTM and a GRU.

Used by `minigrad bptt` and the gallery; it needs both the engine's analysis
(`mg.bptt.hidden_grad_norms`) and the recurrent layers (`models`), so it lives in
the application layer.
"""
import numpy as np

import minigrad as mg
import models


def vanishing_gradient_comparison(T=50, hidden=16, seed=0, input_size=4, forget_bias=None,
                                  models_to_run=("RNN", "LSTM", "GRU")):
    """||dL/dh_t|| for t = 0..T-1 in an RNN, an LSTM and a GRU fed the same input.

    Each model (`models.RNN/LSTM/GRU`, float64, initialised after
    `mg.manual_seed(seed)`) is run one step at a time, passing its state on, so
    that h_t (the layer's h_n after step t) is a tensor of its own; the loss is
    L = v . h_{T-1} for a fixed random v. The norms come from
    `mg.bptt.hidden_grad_norms`.

    Args:
        forget_bias: if given, the LSTM's forget-gate bias starts at this value
            (bias_ih_l0[H:2H] = forget_bias, bias_hh_l0[H:2H] = 0; PyTorch's gate
            order i, f, g, o), as Jozefowicz et al. 2015 recommend (1.0): the cell
            state is then kept by default and its gradient decays much more slowly.
            The series is named "LSTM (forget bias 1)".
        models_to_run: which of "RNN", "LSTM", "GRU" to run.
    Returns:
        dict name -> numpy array (T,).
    """
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, 1, input_size))
    v = mg.tensor(rng.normal(size=(1, 1, hidden)), dtype=mg.float64)
    result = {}
    for name in models_to_run:
        mg.manual_seed(seed)
        model = getattr(models, name)(input_size, hidden).double()
        if name == "LSTM" and forget_bias is not None:
            model.bias_ih_l0.data[hidden:2 * hidden] = forget_bias
            model.bias_hh_l0.data[hidden:2 * hidden] = 0.0
            name = f"LSTM (forget bias {forget_bias:g})"
        state, states = None, []
        for t in range(T):
            x_t = mg.tensor(xs[t:t + 1], dtype=mg.float64)    # (1, N=1, input_size)
            _, state = model(x_t, state, first_step=t)        # scoped t{t}, not t0
            states.append(state[0] if isinstance(state, tuple) else state)
        loss = (states[-1] * v).sum()
        result[name] = mg.bptt.hidden_grad_norms(loss, states)
    return result
