"""A toy fused recurrent layer, for the tests of analyses that must see through fused
layers: a composite op (minigrad/composite.py) that records ONE node, whose
decomposition is one step per time step, scoped layer0 / forward / t{t} as the unroll
loop scopes them, with each new state marked ("state", "h")."""
import numpy as np

import minigrad as mg
from minigrad.composite import Composite


def toy_fused_layer(name, numpy_step, step):
    """The composite `name`(x (T, N, H), w (H, H)) -> states (T, N, H).

    Args:
        numpy_step: (x_t, h, w) -> new h, in numpy: the fused forward.
        step: (x_t, h, w) -> new h, in minigrad ops (marking any gate it computes):
            the decomposition.
    """
    def fused(x, w, save):
        h, states = np.zeros(x.shape[1:]), np.empty_like(x)
        for t in range(x.shape[0]):
            h = states[t] = numpy_step(x[t], h, w)
        return states, None

    layer = Composite(name, fused)

    @layer.defdecomposition
    def unrolled(x, w):
        h, states = mg.zeros(x.shape[1:], dtype=mg.float64), []
        with mg.name_scope("layer0"), mg.name_scope("forward"):
            for t in range(x.shape[0]):
                with mg.name_scope(f"t{t}"):
                    h = mg.mark(step(x[t], h, w), "state", "h")
                states.append(h)
        return mg.stack(states)
    return layer
