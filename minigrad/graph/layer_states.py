"""The per-step states of a recurrent layer's last forward, found from what the user holds.

A layer run on a whole sequence (`out, (h_n, c_n) = models.LSTM(...)(x)`) hands back
tensors that stack its steps. The h_t of every step are inside the graph, where the
unroll loop marked them: role ("state", "h"), scope layer{k} / forward|reverse / t{t}
(minigrad/roles.py, `capture.parse_scope`). `layer_states(source)` finds them from a
layer's output, slices of it, its final states, or the layer itself (a layer keeps weak
references to the output and final states of its last forward: `last_forward_tensors`),
in two iterative walks back from `source`:

1. Every marked state, by run (module, layer, direction) and time step. With `lengths`
   the loop carries a state through padding, `where(valid_t, new_t, state_{t-1})`, and
   zeroes the output there, `where(valid_t, new_t, 0)`: both select the step's new
   value new_t, and that is the tensor h_t is read at. dL/dnew_t holds the gradient
   from the later steps and from the output at t, and is 0 in the rows where step t is
   padding, as a loop over each sequence alone gives.
2. Back from `source` again, stopping at those values: the runs that `source` reads.
   A layer's output reads its top layer, both directions; its h_n reads every layer.

A fused layer (one composite op per layer-direction, minigrad/composite.py) is unfolded
into its decomposition, the same unroll loop with the same roles and scopes, the moment
a walk meets it (`_walk_back`); the gradients are then taken on the unrolled graph.
"""
from dataclasses import dataclass

from ..composite import expand
from ..errors import GraphFreedError
from ..structure import is_freed
from ..tensor import Tensor
from .capture import parse_scope

DIRECTIONS = ("forward", "reverse")


@dataclass(frozen=True)
class StepStates:
    """The states of one name ("h", "c", "y") of some runs of a layer, by time step.

    Attributes:
        name: the state's symbol.
        runs: the (module, layer, direction) runs, e.g. ("lstm", 1, "forward").
        steps: the time steps, increasing (t of the scopes t{t}).
        tensors: dict t -> tuple of the runs' state tensors at t (in `runs` order,
            runs without step t left out). For two directions, h_t of the layer's
            output is the concatenation [h_forward_t; h_reverse_t] of these.
    """
    name: str
    runs: tuple
    steps: tuple
    tensors: dict


def layer_states(source, state=None, layer=None, direction=None, owner="layer_states"):
    """The per-step states that `source` reads, marked by the models' unroll loop.

    Args:
        source: a layer's output sequence (`out` of models.RNN/LSTM/GRU, any layout,
            with or without lengths), a list of tensors cut from it (a slice out[t]
            reads the whole output it was cut from, so the list gives every step), its
            final states (h_n reads the last step of every layer), a list of states of
            a layer run step by step, or a layer itself (its last forward; a module
            holding layers, such as a Bidirectional wrapper, gives theirs).
        state: which state: "h" (default when there is one), "c" (the LSTM's cell
            state), "y" (the Jordan network's output).
        layer: None for the top layer of what `source` reads (the layer whose h_t the
            output is, as in PyTorch), or the index k of another layer of the same module.
        direction: None for every direction read, or "forward" / "reverse".
        owner: the public function, for error messages.
    Returns:
        a StepStates; None when no marked state lies behind `source` (tensors of a
        hand-written loop, which are then the states themselves).
    """
    if direction not in (None,) + DIRECTIONS:
        raise ValueError(f"{owner}: direction must be None, 'forward' or 'reverse', "
                         f"got {direction!r}")
    roots = _roots(source, owner)
    values, where_is = _values_by_step(roots, owner)
    if not values:
        return None
    hits = _read(roots, where_is, owner)
    read_runs = {run for run, _, _ in hits}
    _check_one_layer(read_runs, owner)
    name = _chosen_name(state, {n for _, _, n in hits}, values, owner)
    runs = _chosen_runs(read_runs, values, layer, direction, owner)
    steps = sorted({t for run, t in values if run in runs})
    tensors = {t: tuple(_state_at(values, hits, run, t, name, owner)
                        for run in runs if (run, t) in values) for t in steps}
    return StepStates(name, tuple(runs), tuple(steps), tensors)


def _state_at(values, hits, run, t, name, owner):
    """The state `name` of `run` at step t: the one `source` reads, else the only one."""
    if (run, t, name) in hits:
        return hits[run, t, name]
    found = values[run, t].get(name, [])
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(
            f"{owner}: the state {name!r} of {_describe(run)} at step {t} is not reachable "
            f"from the tensors given (they do not depend on it); pass the layer itself, "
            f"whose last forward includes its final states")
    raise ValueError(
        f"{owner}: {len(found)} forwards of {_describe(run)} are behind the tensors given "
        f"(the layer was applied more than once), and step {t}'s {name!r} is not read "
        f"directly; pass the output of one forward")


def _check_one_layer(read_runs, owner):
    """Several modules read are one layer only as a Bidirectional wrapper's two layers:
    one module per direction."""
    modules = {module for module, _, _ in read_runs}
    directions = {module: {d for m, _, d in read_runs if m == module} for module in modules}
    one_each = len(modules) == 2 and all(len(d) == 1 for d in directions.values()) and \
        len(set.union(*directions.values())) == 2
    if len(modules) > 1 and not one_each:
        raise ValueError(f"{owner}: the tensors given read several recurrent layers "
                         f"({', '.join(sorted(modules))}); pass one layer or its output")


def _roots(source, owner):
    """The tensors to walk back from: `source`, its items, or a layer's last forward."""
    if isinstance(source, Tensor):
        return [source]
    if hasattr(source, "modules"):                     # an nn.Module: the layer itself
        roots = [t for m in source.modules() if hasattr(m, "last_forward_tensors")
                 for t in m.last_forward_tensors()]
        if not roots:
            raise ValueError(
                f"{owner}: {type(source).__name__} holds no tensors of a forward pass: "
                f"run the layer first (a recurrent layer of models keeps its last output "
                f"and final states while something, such as the loss, keeps them alive)")
        return roots
    items = list(source)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(f"{owner}: item {i} of the states is a {type(item).__name__}, "
                            f"expected a Tensor")
    return items


def _walk_back(roots, owner, goes_through=None):
    """Every tensor reachable from `roots`, each once, iteratively; the walk goes on
    into the inputs of a tensor only where `goes_through(tensor)` (None: everywhere)."""
    seen = {id(r) for r in roots}
    stack = list(roots)
    while stack:
        tensor = expand(stack.pop())    # a fused layer: its unrolled steps, from now on
        if is_freed(tensor):
            raise GraphFreedError(
                f"{owner}: the graph behind the states was freed by a backward (its values "
                f"are gone); call {owner} before backward, or backward with "
                f"retain_graph=True")
        yield tensor
        if goes_through is not None and not goes_through(tensor):
            continue
        for child in tensor._inputs:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)


class _Steps:
    """parse_scope, cached per scope tuple: (run, t) of a tensor, or None if untimed."""

    def __init__(self):
        self._cache = {}

    def __call__(self, tensor):
        key = self._cache.get(tensor.scope, -1)
        if key == -1:
            parts = parse_scope(tensor.scope)
            key = None if parts["time_step"] is None else (
                (parts["module"], parts["layer"], parts["direction"]), parts["time_step"])
            self._cache[tensor.scope] = key
        return key


def _values_by_step(roots, owner):
    """Walk 1: {(run, t): {name: [values]}} (one value per forward that ran the run at
    step t) and {id(value): (run, t, name)}."""
    step_of = _Steps()
    values, masked_outputs = {}, {}
    for tensor in _walk_back(roots, owner):
        at = step_of(tensor)
        if at is None:
            continue
        selected = _padding_selection(tensor, step_of)
        if _is_state(tensor):
            value = tensor if selected is None else selected
            values.setdefault(at, {}).setdefault(tensor.role[1], []).append(value)
        elif _zeroed_at_padding(tensor, step_of):
            masked_outputs[at] = selected
    _name_last_outputs(values, masked_outputs)
    where_is = {id(value): (run, t, name) for (run, t), named in values.items()
                for name, found in named.items() for value in found}
    return values, where_is


def _is_state(tensor):
    return tensor.role is not None and tensor.role[0] == "state"


def _padding_selection(tensor, step_of):
    """new_t when `tensor` is where(valid, new_t, other) with new_t computed in the same
    time step (the unroll loop's selection at padding), else None."""
    if tensor._prim is None or tensor._prim.name != "where" or len(tensor._inputs) != 3:
        return None
    new, at = tensor._inputs[1], step_of(tensor)
    return new if at is not None and step_of(new) == at else None


def _zeroed_at_padding(tensor, step_of):
    """True for a step's output zeroed at padding, where(valid, new_t, 0)."""
    return _padding_selection(tensor, step_of) is not None and \
        not tensor._inputs[2].requires_grad


def _name_last_outputs(values, masked_outputs):
    """A masked output whose step has no carried state in reach (the direction's last
    step, whose state only h_n holds) is that step's output state: the name the run's
    other masked outputs have."""
    output_names = {}
    for (run, t), new in masked_outputs.items():
        for name, found in values.get((run, t), {}).items():
            if any(value is new for value in found):
                output_names[run] = name
    for (run, t), new in masked_outputs.items():
        named = values.setdefault((run, t), {})
        if run in output_names and not any(v is new for found in named.values() for v in found):
            named.setdefault(output_names[run], []).append(new)


def _read(roots, where_is, owner):
    """Walk 2: {(run, t, name): value} for the values reached from `roots` without
    passing through another value."""
    hits = {}
    for tensor in _walk_back(roots, owner, lambda t: id(t) not in where_is):
        if id(tensor) in where_is:
            key = where_is[id(tensor)]
            if hits.setdefault(key, tensor) is not tensor:
                run, t, name = key
                raise ValueError(f"{owner}: the tensors given read two forwards of "
                                 f"{_describe(run)} (two {name}'s at step {t}); pass the "
                                 f"output of one forward")
    return hits


def _chosen_name(state, read_names, values, owner):
    if state is not None:
        known = {name for named in values.values() for name in named}
        if state not in known:
            raise ValueError(f"{owner}: no state {state!r} behind the tensors given; their "
                             f"states are {', '.join(sorted(known))}")
        return state
    if "h" in read_names:
        return "h"
    if len(read_names) == 1:
        return next(iter(read_names))
    raise ValueError(f"{owner}: the tensors given read the states "
                     f"{', '.join(sorted(read_names)) or '(none)'}; pass state= to choose one")


def _chosen_runs(read_runs, values, layer, direction, owner):
    """The runs to report: the top layer read (or layer k) of the modules read."""
    modules = {module for module, _, _ in read_runs}
    every = sorted({run for run, _ in values if run[0] in modules}, key=_run_order)
    if layer is None:
        top = {module: max(k if k is not None else -1 for m, k, _ in read_runs if m == module)
               for module in modules}
        runs = [run for run in every if (run[1] if run[1] is not None else -1) == top[run[0]]]
    else:
        runs = [run for run in every if run[1] == layer]
        if not runs:
            layers = sorted({run[1] for run in every if run[1] is not None})
            raise ValueError(f"{owner}: no layer {layer} behind the tensors given; their "
                             f"layers are {', '.join(map(str, layers)) or '(none)'}")
    if direction is not None:
        runs = [run for run in runs if run[2] == direction]
        if not runs:
            raise ValueError(f"{owner}: no {direction} direction in the layer read "
                             f"(a unidirectional layer runs forward only)")
    return runs


def _run_order(run):
    """Layer, then forward before reverse (the order of the output's features)."""
    module, layer, direction = run
    return (-1 if layer is None else layer,
            DIRECTIONS.index(direction) if direction in DIRECTIONS else -1, module)


def _describe(run):
    module, layer, direction = run
    return " ".join(part for part in (module or None,
                                      None if layer is None else f"layer {layer}",
                                      direction) if part)


# ops that only move or select values: a tensor made by these from a layer's tensors
# (out[t], out[:, t], a stack or concat of them) is cut from the layer
_VIEW_OPS = frozenset({"getitem", "stack", "concat", "permute", "reshape", "expand",
                       "clone", "cast"})


def cut_from_a_layer(tensors):
    """True when some tensor is a marked state, or is cut from one by view ops only
    (slices, stacks, concats, permutes, the output's zeroing at padding): then
    `layer_states` reads the states behind it. False for the tensors of a loop that
    marks nothing (a hand-written loop: they are the states themselves)."""
    step_of = _Steps()
    views = _walk_back(tensors, "hidden_grad_norms",
                       lambda t: t._prim is not None and (t._prim.name in _VIEW_OPS
                                                          or _zeroes_padding(t)))
    return any(_is_state(t) or _zeroed_at_padding(t, step_of) for t in views)


def _zeroes_padding(tensor):
    """where(valid, values, 0) with a constant 0: the layer's output zeroed at padding."""
    return tensor._prim.name == "where" and len(tensor._inputs) == 3 and \
        not tensor._inputs[2].requires_grad and not tensor._inputs[0].requires_grad
