"""The hidden-state view: units x characters heatmaps of a layer's states and gates, and
the gates' saturation at a glance (`mg.bptt.state_trajectories` reads the values).

One panel per state or gate (h, c, i, f, g, o for an LSTM), the same units in the
same rows of every panel, the passage's characters along the bottom of each, so that
a column is one character and what every part of the cell did on reading it. States
and tanh gates, in (-1, 1), are drawn red (> 0) and blue (< 0) around white 0; the
cell state c, unbounded, on the same colours up to its largest magnitude; sigmoid gates,
in (0, 1), from dark (closed) to yellow (open).
"""
import numpy as np

from .character_labels import set_character_ticks
from .figure_files import Chart, save

DIVERGING, GATE_CMAP = "RdBu_r", "viridis"
SIGMOID = ("i", "f", "o", "r", "z")
NAMES = {"h": "hidden state h", "c": "cell state c", "y": "output y", "i": "input gate i",
         "f": "forget gate f", "g": "candidate g", "o": "output gate o", "r": "reset gate r",
         "z": "update gate z", "n": "candidate n"}
DEFAULT_UNITS = 16


def hidden_state_heatmap(values, characters, path=None, title=None, *, names=None, units=None,
                         sequence=0):
    """Heatmaps (units x characters) of states and gates over a passage.

    Args:
        values: a `StateTrajectories` (its `.values`), or a dict name -> array
            (T, N, H) or (T, H), names as the roles: "h", "c", "i", "f", "g", "o", ...
        characters: the T characters (or tokens) read at the steps: the tick labels
            (a space drawn as ␣, a newline as ↵).
        path: None, or a file to write (.svg, .png or .pdf, from its extension).
        title: the figure's title (say which model and passage).
        names: which of `values` to draw, in order (default: all).
        units: the unit indices of the rows (`mg.bptt.pick_units`); default: the
            DEFAULT_UNITS most variable units of h (or of the first panel).
        sequence: which sequence of a batch (N axis) to draw.
    Returns:
        the Figure. Panel k is `fig.axes[k]` (the colour bars come after the panels);
        its image `.images[0].get_array()` is the (units, T) values drawn; the row
        labels are the unit indices.
    """
    owner = "hidden_state_heatmap"
    values = dict(values if isinstance(values, dict) else values.values)
    names = list(values) if names is None else list(names)
    unknown = [n for n in names if n not in values]
    if unknown or not names:
        raise ValueError(f"{owner}: no values named {', '.join(map(repr, unknown)) or '(none)'}"
                         f"; the values are {', '.join(values) or '(none)'}")
    panels = {name: _one_sequence(values[name], sequence, name, owner) for name in names}
    steps, width = next(iter(panels.values())).shape
    for name, panel in panels.items():
        if panel.shape != (steps, width):
            raise ValueError(f"{owner}: {name!r} has {panel.shape[0]} steps of "
                             f"{panel.shape[1]} units, the others {steps} of {width}")
    if len(characters) != steps:
        raise ValueError(f"{owner}: {len(characters)} characters for {steps} steps")
    units = _units(units, panels["h" if "h" in panels else names[0]], owner)
    cell = 0.15                                             # inches per character and unit
    heights = [max(len(units), 2) * cell + 0.7 for _ in panels]
    fig = Chart(figsize=(steps * cell + 2.4, sum(heights) + 0.8), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False,
                        gridspec_kw={"height_ratios": heights})[:, 0]
    for k, (ax, (name, panel)) in enumerate(zip(axes, panels.items())):
        shown = panel[:, units].T                           # (units, T)
        image = ax.imshow(shown, aspect="auto", interpolation="nearest", **_colours(name, shown))
        image.set_gid(f"state-{name}")
        ax.set_yticks(range(len(units)))
        ax.set_yticklabels([str(u) for u in units], fontsize=7)
        ax.set_ylabel(f"{name}: unit", fontsize=9)
        ax.set_title(NAMES.get(name, name), fontsize=10, loc="left")
        set_character_ticks(ax.xaxis, characters, fontsize=8)
        ax.tick_params(axis="x", length=0, pad=1)
        fig.colorbar(image, ax=ax, fraction=0.02, pad=0.01, aspect=8)
    if title:
        fig.suptitle(title)
    return save(fig, path, owner)


def _units(units, base, owner):
    """The rows' unit indices: those given (checked), or the most variable of `base`."""
    if units is None:
        return np.argsort(-base.var(axis=0), kind="stable")[:DEFAULT_UNITS]
    chosen = np.asarray(list(units))
    width = base.shape[1]
    if chosen.ndim != 1 or not len(chosen) or chosen.dtype.kind not in "iu" or \
            ((chosen < 0) | (chosen >= width)).any():
        raise ValueError(f"{owner}: units must be unit indices in [0, {width}), got "
                         f"{list(units)!r}")
    return chosen


def _one_sequence(array, sequence, name, owner):
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 2:
        return array
    if array.ndim != 3:
        raise ValueError(f"{owner}: {name!r} has shape {array.shape}, expected (T, N, H) or "
                         f"(T, H)")
    if not 0 <= sequence < array.shape[1]:
        raise ValueError(f"{owner}: sequence {sequence} of a batch of {array.shape[1]}")
    return array[:, sequence]


def _colours(name, shown):
    if name in SIGMOID:
        return dict(cmap=GATE_CMAP, vmin=0.0, vmax=1.0)
    if name == "c":
        limit = float(np.abs(shown).max()) or 1.0
        return dict(cmap=DIVERGING, vmin=-limit, vmax=limit)
    return dict(cmap=DIVERGING, vmin=-1.0, vmax=1.0)


def gate_saturation_chart(saturation, path=None, title="Gate saturation", *,
                          low=0.1, high=0.9):
    """One dot per unit: how often its gate is nearly closed (x) and nearly open (y).

    Args:
        saturation: dict gate -> (closed (H,), open (H,)) fractions, as
            `mg.bptt.gate_saturation` returns them (with thresholds `low`, `high`).
        path: None, or a file to write (.svg, .png or .pdf, from its extension).
        low, high: the thresholds the fractions were measured with (for the labels).
    Returns:
        the Figure; panel k (gate k in dict order) is `fig.axes[k]`, its dots
        `fig.axes[k].collections[0].get_offsets()`: (closed, open) per unit.
    """
    if not saturation:
        raise ValueError("gate_saturation_chart: no gate given")
    fig = Chart(figsize=(3.2 * len(saturation) + 0.4, 3.9), layout="constrained")
    axes = fig.subplots(1, len(saturation), squeeze=False)[0]
    for ax, (name, (closed, opened)) in zip(axes, saturation.items()):
        dots = ax.scatter(closed, opened, s=14, alpha=0.7, color="#4c72b0")
        dots.set_gid(f"saturation-{name}")
        ax.plot([0, 1], [1, 0], color="0.7", lw=0.8, zorder=0)   # closed + open <= 1
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_aspect("equal")
        ax.set_title(NAMES.get(name, name), fontsize=10)
        ax.set_xlabel(f"fraction of steps < {low:g} (closed)", fontsize=8)
        ax.set_ylabel(f"fraction of steps > {high:g} (open)", fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=8)
    if title:
        fig.suptitle(title)
    return save(fig, path, "gate_saturation_chart")
