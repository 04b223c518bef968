"""The hidden-state view: a layer's states and gate activations over a sequence.

After a forward pass over a passage of text, the values of every step's h_t (and c_t)
and of the gates the cell computed (the LSTM's i f g o, the GRU's r z n) sit in the
graph, marked by their roles: ("state", "h"), ("gate", "f") (minigrad/roles.py), in the
scopes layer{k} / forward|reverse / t{t}. `state_trajectories` reads them there, with
the walks of layer_states.py (which unfold a fused layer into its unroll loop first),
into one (T, *batch, H) array per name: what LSTMVis shows as trajectories over text.
`pick_units` chooses the units worth looking at and `gate_saturation` says how often
each unit's gate is nearly closed or nearly open.
"""
from dataclasses import dataclass

import numpy as np

from .layer_states import _Steps, _walk_back, layer_states

# the range of each symbol's values: sigmoid gates in (0, 1), tanh ones and h in (-1, 1)
RANGES = {"i": (0.0, 1.0), "f": (0.0, 1.0), "o": (0.0, 1.0), "r": (0.0, 1.0),
          "z": (0.0, 1.0), "g": (-1.0, 1.0), "n": (-1.0, 1.0), "h": (-1.0, 1.0)}
SIGMOID_GATES = ("i", "f", "o", "r", "z")
ORDER = ("h", "c", "y", "i", "f", "g", "o", "r", "z", "n")


@dataclass(frozen=True)
class StateTrajectories:
    """Per-step values of one run (layer, direction) of a recurrent layer.

    Attributes:
        run: (module, layer, direction), e.g. ("rnn", 0, "forward").
        steps: the time steps, increasing.
        values: dict name -> numpy array (T, *batch, H): the states ("h", "c") and
            gates ("i", "f", "g", "o"; "r", "z", "n") at each step, in ORDER.
    """
    run: tuple
    steps: tuple
    values: dict

    @property
    def gates(self):
        """The names of the gates found, in ORDER."""
        return tuple(name for name in self.values if name not in ("h", "c", "y"))


def state_trajectories(source, layer=None, direction=None):
    """The states and gate activations of a layer's last forward, step by step.

    Args:
        source: what `mg.bptt.hidden_grad_norms` takes: the layer itself (its last
            forward), its output sequence, or its final states. The forward must have
            recorded a graph (not under no_grad).
        layer: None for the top layer read, or the index k of another.
        direction: for a bidirectional layer, "forward" or "reverse" (required: the
            two directions are two sets of units); None for a unidirectional one.
    Returns:
        a StateTrajectories.
    """
    owner = "state_trajectories"
    found = layer_states(source, None, layer, direction, owner=owner)
    if found is None:
        raise ValueError(f"{owner}: no per-step state of a layer of models behind the "
                         f"{type(source).__name__} given (a hand-written loop marks none)")
    if len(found.runs) != 1:
        raise ValueError(f"{owner}: the layer is bidirectional; pass direction='forward' "
                         f"or 'reverse' (each direction has units of its own)")
    (run,) = found.runs
    by_name = {found.name: _stack(found)}
    by_name.update(_gates(_roots_of(found), run, found.steps, owner))
    if "f" in by_name:                    # an LSTM: its cell state too
        by_name["c"] = _stack(layer_states(source, "c", layer, direction, owner=owner))
    ordered = {name: by_name[name] for name in ORDER if name in by_name}
    return StateTrajectories(run, found.steps, ordered)


def _stack(found):
    return np.stack([np.asarray(found.tensors[t][0].data, dtype=np.float64)
                     for t in found.steps])


def _roots_of(found):
    return [tensors[0] for tensors in found.tensors.values()]


def _gates(roots, run, steps, owner):
    """{gate name: (T, *batch, H)} of the tensors marked ("gate", name) in `run`."""
    step_of = _Steps()
    found = {}
    for tensor in _walk_back(roots, owner):
        if tensor.role is None or tensor.role[0] != "gate":
            continue
        at = step_of(tensor)
        if at is None or at[0] != run:
            continue
        key = (tensor.role[1], at[1])
        if found.setdefault(key, tensor) is not tensor:
            raise ValueError(f"{owner}: two {tensor.role[1]} gates at step {at[1]} (the "
                             f"layer ran twice in this graph); pass the output of one forward")
    names = sorted({name for name, _ in found}, key=ORDER.index)
    result = {}
    for name in names:
        missing = [t for t in steps if (name, t) not in found]
        if missing:
            raise ValueError(f"{owner}: the {name} gate of step {missing[0]} is not in the "
                             f"graph behind the states")
        result[name] = np.stack([np.asarray(found[name, t].data, dtype=np.float64)
                                 for t in steps])
    return result


def gate_saturation(trajectories, low=0.1, high=0.9, gates=None):
    """How often each unit's gate is nearly closed or nearly open.

    For a sigmoid gate (i, f, o; r, z) the fractions of the steps (and sequences) at
    which it is below `low` and above `high`; a tanh gate (g, n, in (-1, 1)) is
    measured on (value + 1) / 2, the same ends of its range. A unit near (1, 0) is a
    gate shut almost always, near (0, 1) one open almost always (an LSTM's forget
    gate that keeps its cell), near (0, 0) one that decides step by step.

    Args:
        trajectories: a StateTrajectories, or a dict gate name -> (T, ..., H) values.
        low, high: the thresholds, 0 <= low < high <= 1.
        gates: the gates to measure (default: the sigmoid gates found).
    Returns:
        dict gate -> (closed (H,), open (H,)) fractions in [0, 1].
    """
    owner = "gate_saturation"
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"{owner}: need 0 <= low < high <= 1, got low={low!r}, high={high!r}")
    values = trajectories.values if isinstance(trajectories, StateTrajectories) \
        else dict(trajectories)
    if gates is None:
        gates = [name for name in SIGMOID_GATES if name in values]
        if not gates:
            raise ValueError(f"{owner}: no sigmoid gate among {', '.join(values) or '(none)'} "
                             f"(a tanh RNN has none)")
    result = {}
    for name in gates:
        if name not in values or name not in RANGES or name == "h":
            raise ValueError(f"{owner}: {name!r} is not a gate of the values given (gates: "
                             f"{', '.join(n for n in values if n in RANGES and n != 'h')})")
        lo, hi = RANGES[name]
        unit = (np.asarray(values[name], dtype=np.float64) - lo) / (hi - lo)
        unit = unit.reshape(-1, unit.shape[-1])
        result[name] = ((unit < low).mean(axis=0), (unit > high).mean(axis=0))
    return result


PICKS = ("variance", "saturation")


def pick_units(values, by="variance", count=16, bounds=(-1.0, 1.0)):
    """The units to show: given by index, or the most variable or most saturated.

    Args:
        values: (T, ..., H) activations of one state or gate (e.g.
            `trajectories.values["h"]`).
        by: "variance" (default): the units whose value varies most over the steps and
            sequences; "saturation": the units that spend the most time within 10% of
            an end of `bounds`; or a sequence of unit indices (checked, kept in order).
        count: how many units to pick (at most H), for "variance" and "saturation".
        bounds: the value range, for "saturation" ((-1, 1) for h; (0, 1) for a gate).
    Returns:
        numpy int array of unit indices, the strongest first.
    """
    owner = "pick_units"
    values = np.asarray(values, dtype=np.float64)
    units = values.shape[-1]
    flat = values.reshape(-1, units)
    if not isinstance(by, str):
        chosen = np.asarray(list(by))
        if chosen.dtype.kind not in "iu" or chosen.ndim != 1 or \
                ((chosen < 0) | (chosen >= units)).any():
            raise ValueError(f"{owner}: units must be indices in [0, {units}), got {list(by)!r}")
        return chosen.astype(np.int64)
    if by not in PICKS:
        raise ValueError(f"{owner}: by must be 'variance', 'saturation' or a list of unit "
                         f"indices, got {by!r}")
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"{owner}: count must be an int >= 1, got {count!r}")
    if by == "variance":
        score = flat.var(axis=0)
    else:
        lo, hi = bounds
        margin = 0.1 * (hi - lo)
        score = ((flat < lo + margin) | (flat > hi - margin)).mean(axis=0)
    # the strongest first; ties in index order (a stable sort of the negated score)
    return np.argsort(-score, kind="stable")[:min(count, units)].astype(np.int64)
