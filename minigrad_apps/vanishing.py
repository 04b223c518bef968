"""The vanishing- and exploding-gradient experiment: ||dL/dh_t|| through time in an RNN,
an LSTM and a GRU.

Used by `minigrad bptt` and the gallery; it needs both the engine's analysis
(`mg.bptt.hidden_grad_norms`) and the recurrent layers (`models`), so it lives in
the application layer.
"""
import numpy as np

import minigrad as mg
import models
from minigrad.nn import init

INITS = ("default", "orthogonal", "identity")


def vanishing_gradient_comparison(T=50, hidden=16, seed=0, input_size=4, forget_bias=None,
                                  models_to_run=("RNN", "LSTM", "GRU"), nonlinearity="tanh",
                                  init_whh="default", scale_whh=1.0):
    """||dL/dh_t|| for t = 0..T-1 in an RNN, an LSTM and a GRU fed the same input.

    Each model (`models.RNN/LSTM/GRU`, float64, initialised after
    `mg.manual_seed(seed)`) runs once over the whole sequence; the loss is
    L = v . h_{T-1} for a fixed random v, and the norms are
    `mg.bptt.hidden_grad_norms(loss, model)`: the states of the model's last forward.

    Args:
        forget_bias: if given, the LSTM's forget-gate bias starts at this value
            (bias_ih_l0[H:2H] = forget_bias, bias_hh_l0[H:2H] = 0; PyTorch's gate
            order i, f, g, o), as Jozefowicz et al. 2015 recommend (1.0): the cell
            state is then kept by default and its gradient decays much more slowly.
            The series is named "LSTM (forget bias 1)".
        models_to_run: which of "RNN", "LSTM", "GRU" to run.
        nonlinearity: the RNN's, "tanh" or "relu" (named "RNN (ReLU)").
        init_whh: W_hh's initialisation: "default" (PyTorch's uniform), "orthogonal" or
            "identity", each gate's (H, H) block on its own.
        scale_whh: W_hh is multiplied by this after its initialisation: above 1 (with
            ReLU, or identity/orthogonal blocks) gradients grow going back in time.
    Returns:
        dict name -> numpy array (T,); a name says every option that is not the default.
    """
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, 1, input_size))
    v = mg.tensor(rng.normal(size=(1, hidden)), dtype=mg.float64)
    result = {}
    for name in models_to_run:
        model, label = initialised_model(name, input_size, hidden, seed, forget_bias,
                                         nonlinearity, init_whh, scale_whh)
        out, _ = model(mg.tensor(xs, dtype=mg.float64))
        loss = (out[-1] * v).sum()
        result[label] = mg.bptt.hidden_grad_norms(loss, model)
    return result


def initialised_model(name, input_size, hidden, seed=0, forget_bias=None, nonlinearity="tanh",
                      init_whh="default", scale_whh=1.0, bidirectional=False):
    """`models.RNN/LSTM/GRU` (`name`), float64, initialised after `mg.manual_seed(seed)`
    and then set as `vanishing_gradient_comparison` describes (its Args).

    Returns:
        (model, label): the label is the name, with every option that is not the
        default in brackets ("LSTM (forget bias 1, W_hh x 2)").
    """
    mg.manual_seed(seed)
    options = {"nonlinearity": nonlinearity} if name == "RNN" else {}
    model = getattr(models, name)(input_size, hidden, bidirectional=bidirectional,
                                  **options).double()
    notes = ["ReLU"] if name == "RNN" and nonlinearity == "relu" else []
    directions = ("_l0", "_l0_reverse") if bidirectional else ("_l0",)
    if name == "LSTM" and forget_bias is not None:
        for suffix in directions:
            getattr(model, "bias_ih" + suffix).data[hidden:2 * hidden] = forget_bias
            getattr(model, "bias_hh" + suffix).data[hidden:2 * hidden] = 0.0
        notes.append(f"forget bias {forget_bias:g}")
    for suffix in directions:
        whh_notes = initialise_whh(getattr(model, "weight_hh" + suffix), hidden, init_whh,
                                   scale_whh)
    notes += whh_notes
    return model, f"{name} ({', '.join(notes)})" if notes else name


def initialise_whh(weight, hidden, how="default", scale=1.0):
    """Set W_hh (G*H, H) in place: each gate's (H, H) block orthogonal or the identity
    ("default" keeps it), then times `scale`. Returns the notes naming what changed."""
    if how not in INITS:
        raise ValueError(f"initialise_whh: how must be one of {', '.join(INITS)}, got {how!r}")
    if how != "default":
        block = mg.zeros(hidden, hidden, dtype=mg.float64)
        for rows in range(0, weight.shape[0], hidden):
            (init.orthogonal_ if how == "orthogonal" else init.eye_)(block)
            weight.data[rows:rows + hidden] = block.data
    weight.data *= scale
    note = " ".join(["W_hh"] + ([how] if how != "default" else [])
                    + ([f"x {scale:g}"] if scale != 1.0 else []))
    return [] if note == "W_hh" else [note]
