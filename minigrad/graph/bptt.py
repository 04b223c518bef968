"""Backpropagation through time, taken apart.

For a recurrence h_t = f(W h_{t-1} + U x_t) and a loss L, the gradient of a
shared weight is a sum over the time steps where it is used:

    dL/dW = sum_t  dL/dh_t * dh_t/dW|_t       (the "|_t" is the local use at step t)

`per_step_grads` returns those terms, one per step, read off the engine's edge
gradients (an observer on the backward pass; ops outside the time steps that sit
between the weight and its uses, such as W_hh.T taken once before the loop, are
replayed on their own so their gradient can be split by step; the input projection
of a whole sequence is replayed at row t only, so T steps cost O(T), see
step_replay.py); `hidden_grad_norms` returns
||dL/dh_t|| (the quantity that vanishes or explodes), of a hand-written loop's states
or of a layer's whole-sequence output (`layer_states`, layer_states.py, finds the
per-step states behind it); `enumerate_paths` (paths.py)
lists, on small scalar graphs, every path from a weight to the loss with the
product of local derivatives along it.

Beyond one backward pass: `connectivity` (connectivity.py) gives the matrix
||d y_t / d x_s|| of per-step outputs against per-step inputs, how far back a model
remembers; `GradientFlowRecorder` (gradient_flow.py), a `fit` callback, records the
per-step terms and ||dL/dh_t|| on a probe batch as training goes, into a
`GradientFlow`; `state_trajectories`, `pick_units` and `gate_saturation`
(trajectories.py) read a layer's states and gates over a sequence.
"""
import numpy as np

from ..autograd import grad as _grad
from ..errors import GraphFreedError
from ..structure import is_freed
from ..ops.indexing import scatter_add_into
from ..tensor import Tensor
from .capture import _walk, observing, parse_scope
from .layer_states import StepStates, cut_from_a_layer, layer_states  # noqa: F401
from .step_replay import WHOLE, plan_rows, pull_back_rows
from .paths import enumerate_paths  # noqa: F401  (part of mg.bptt)
from .connectivity import connectivity, memory_profile  # noqa: F401  (part of mg.bptt)
from .gradient_flow import GradientFlow, GradientFlowRecorder  # noqa: F401  (part of mg.bptt)
from .trajectories import (StateTrajectories, gate_saturation, pick_units,  # noqa: F401
                           state_trajectories)

__all__ = ["per_step_grads", "hidden_grad_norms", "layer_states", "enumerate_paths",
           "connectivity", "memory_profile", "GradientFlow", "GradientFlowRecorder", "state_trajectories",
           "StateTrajectories", "gate_saturation", "pick_units"]


class _StepCollector:
    """Observer keeping the gradients that enter `region` (param and the untimed ops
    computed from it) from an op scoped at a time step, per (step, tensor): a list of
    (index, gradient) parts, index None for a gradient of the whole tensor, or the
    index of a slice x[index] for the gradient of that slice alone (the engine hands
    slices their own gradient: T steps keep O(T) numbers, not T tensor-sized ones)."""

    takes_slice_gradients = True

    def __init__(self, region):
        self.region = region
        self.terms = {}           # step -> {id(tensor): (tensor, [(index, gradient)])}
        self._steps = {}

    def on_node(self, node, grad):
        pass

    def on_edge(self, node, position, input, grad):
        if id(input) not in self.region:
            return
        step = self._step_of(node)
        if step is None:
            return                # an op inside the region: the pull-back covers it
        # the engine passes a slice's own gradient for ops that add it in place
        index = node._attrs["index"] if node._prim.vjp_into is not None else None
        parts = self.terms.setdefault(step, {}).setdefault(id(input), (input, []))[1]
        parts.append((index, np.asarray(grad.data)))

    def _step_of(self, node):
        step = self._steps.get(node.scope, -1)
        if step == -1:
            step = self._steps[node.scope] = parse_scope(node.scope)["time_step"]
        return step


def _region(loss, param):
    """param plus every op outside any time step computed (partly) from it, in
    topological order: the weight's transpose taken once before the loop, the
    input projection of a whole sequence, a cast..."""
    region, order, timed, found = {id(param): param}, [], {}, False
    for node in _walk([loss]):
        if id(node) == id(param):
            found = True
            continue
        if node._prim is None:
            continue
        if node.scope not in timed:
            timed[node.scope] = parse_scope(node.scope)["time_step"] is not None
        if not timed[node.scope] and any(id(i) in region for i in node._inputs):
            region[id(node)] = node
            order.append(node)
    if not found:
        kind = f"shape {tuple(param.shape)}" if isinstance(param, Tensor) else type(param).__name__
        raise ValueError(f"per_step_grads: param ({kind}) is not in the graph that "
                         f"computed the loss (the loss does not depend on it)")
    return region, order


def _pull_back(param, order, frontier):
    """d/dparam of the region ops given the gradients at `frontier` ({id: (tensor, grad)}),
    along paths inside the region only: the whole region replayed on a fresh leaf, every
    other input detached (step_replay.pull_back_rows with every op whole)."""
    every_op_whole = {id(node): {WHOLE} for node in order}
    return pull_back_rows(param, order, every_op_whole, None, {},
                          {key: g for key, (_, g) in frontier.items()})


def per_step_grads(loss, param, gradient=None, outside="error"):
    """The contribution of each time step to d loss / d param.

    Term t is the gradient reaching `param` through the ops scoped at time step t
    (innermost "t{t}" scope) that use it. Ops outside any time step that sit between
    param and those uses (the transpose of W_hh taken once before the loop, the
    input projection x @ W_ih.T of the whole sequence, sliced per step) are seen
    through: their gradient is split by the step of the op that consumed them.
    Steps where param is not used give zeros. The graph is retained (usable again)
    and no `.grad` is touched.

    Args:
        loss: scalar Tensor (or pass `gradient` for a non-scalar one).
        param: a Tensor that `loss` depends on (a parameter, usually), or a module
            (a layer itself): then every one of its parameters.
        outside: what to do when param also reaches the loss without passing
            through any time step (e.g. loss = h_T * w): "error" (default) raises
            ValueError; "append" adds that part as one extra last row, so the rows
            still sum to the full gradient.
    Returns:
        numpy float64 array (T, *param.shape), T = 1 + the largest time step
        (+1 row with outside="append"); its sum over axis 0 is d loss / d param.
        For a module: dict parameter name -> that array, in `named_parameters()` order.
    """
    if outside not in ("error", "append"):
        raise ValueError(f"per_step_grads: outside must be 'error' or 'append', got {outside!r}")
    if hasattr(param, "named_parameters"):
        return {name: per_step_grads(loss, p, gradient, outside)
                for name, p in param.named_parameters()}
    if is_freed(loss):
        raise GraphFreedError(
            "per_step_grads: the loss's graph was freed by a backward (its values are "
            "gone); call per_step_grads before backward (trace before backward), or "
            "backward with retain_graph=True")
    region, order = _region(loss, param)
    collector = _StepCollector(region)
    with observing(collector):
        _grad(loss, param, grad_outputs=gradient, retain_graph=True)
    terms = collector.terms
    loose = None
    if id(loss) in region:            # the loss itself is an untimed op on param
        seed = np.ones(loss.shape) if gradient is None else np.asarray(
            gradient.data if isinstance(gradient, Tensor) else gradient)
        loose = {id(loss): (loss, seed.astype(np.asarray(loss.data).dtype))}
        if outside == "error":
            raise ValueError(
                "per_step_grads: the parameter also reaches the loss through ops outside "
                "any time step (no 't{k}' scope); pass outside='append' to get that part "
                "as an extra last row")
    steps = 1 + max(terms) if terms else 0
    result = np.zeros((steps + (loose is not None),) + tuple(param.shape))
    for step, frontier in terms.items():
        result[step] = _pull_back_or_direct(param, order, frontier)
    if loose is not None:
        result[-1] = _pull_back(param, order, loose)
    return result


def _pull_back_or_direct(param, order, frontier):
    """One step's term from its frontier ({id: (tensor, [(index, gradient)])})."""
    if len(frontier) == 1 and id(param) in frontier and \
            all(index is None for index, _ in frontier[id(param)][1]):
        return sum(np.asarray(g, dtype=np.float64) for _, g in frontier[id(param)][1])
    term = _pull_back_one_row(param, order, frontier)
    if term is not None:
        return term
    return _pull_back(param, order, {key: (tensor, _dense(tensor, parts))
                                     for key, (tensor, parts) in frontier.items()})


def _pull_back_one_row(param, order, frontier):
    """The term from row t of the whole-sequence ops alone (step_replay.py), when the
    step's slices all index one int row t; None otherwise."""
    row_seeds, whole_seeds, rows = {}, {}, set()
    for key, (tensor, parts) in frontier.items():
        indexes = {_int_or_none(index) for index, _ in parts if index is not None}
        if any(index is None for index, _ in parts):
            if indexes:
                return None
            whole_seeds[key] = _dense(tensor, parts)
            continue
        if None in indexes or len(indexes) != 1:
            return None
        rows |= indexes
        row_seeds[key] = sum(np.asarray(g) for _, g in parts)
    if len(rows) != 1:
        return None
    plan = plan_rows(param, order, row_seeds, whole_seeds)
    if plan is None:
        return None
    return pull_back_rows(param, order, plan, rows.pop(), row_seeds, whole_seeds)


def _int_or_none(index):
    return int(index) if isinstance(index, (int, np.integer)) and \
        not isinstance(index, bool) else None


def _dense(tensor, parts):
    """The gradient of the whole tensor from its parts (slices scattered into zeros)."""
    total = np.zeros(tensor.shape, dtype=np.result_type(*[g for _, g in parts]))
    for index, g in parts:
        if index is None:
            total += g
        else:
            scatter_add_into(total, index, g)
    return total


def hidden_grad_norms(loss, states, gradient=None, allow_unused=False, *, state=None,
                      layer=None, direction=None):
    """||d loss / d h_t|| at every step t (the total gradient, through every later step),
    as a numpy array. The graph is retained; no `.grad` is touched.

    `states` is what you hold after the forward:
      - a layer's output sequence, `out` of models.RNN/LSTM/GRU run on a whole sequence
        (any layout, batch_first, lengths), or a list of slices `out[t]` cut from it;
      - the layer itself (or a module holding it, such as a Bidirectional wrapper):
        its last forward, whose output and final states it keeps weak references to;
      - a list of states of a layer run step by step (its h_n after each call);
      - a list of the h_t tensors of a hand-written loop, which are taken as they are.
    The states behind the first three are those the unroll loop marked (roles
    ("state", "h"), scopes layer{k}/forward|reverse/t{t}; see graph/layer_states.py),
    one norm per time step of the layer's last forward, in increasing t. Then:
      - a stacked layer gives its top layer (the layer its output is), or `layer=k`;
      - a bidirectional layer gives the norm of [h_forward_t; h_reverse_t], the h_t of
        its output, or one direction with `direction="forward"` / `"reverse"`;
      - `state="c"` gives the LSTM's cell state instead of h (`"y"`: the Jordan network's);
      - with lengths, h_t is the step's new value: its rows at padding get 0;
      - a step the loss does not depend on gives 0 (the loss on step 3 leaves the steps
        after it at 0); a loss that depends on none of them is an error.
    For a hand-written loop each tensor must be one the loss was computed from; one
    that does not reach the loss is an error, as in `mg.grad`, or 0 with
    `allow_unused=True`.

    Args:
        loss: a Tensor (scalar, or pass `gradient`, as in `mg.grad`).
    Returns:
        numpy float64 array, one norm per step (per tensor for a hand-written loop).
    """
    owner = "hidden_grad_norms"
    if not isinstance(states, Tensor) and not hasattr(states, "modules"):
        states = list(states)
    found = None
    if not _hand_written(states):
        found = layer_states(states, state, layer, direction, owner=owner)
    if found is None:
        if isinstance(states, Tensor):
            raise ValueError(
                f"{owner}: no per-step state behind the tensor of shape {tuple(states.shape)} "
                f"(the unroll loop of models marks them); for a hand-written loop pass the "
                f"list of its h_t tensors")
        if not isinstance(states, list):
            raise ValueError(f"{owner}: the last forward of the {type(states).__name__} "
                             f"recorded no graph (it ran under no_grad?)")
        if (state, layer, direction) != (None, None, None):
            raise ValueError(f"{owner}: state=, layer= and direction= choose among the "
                             f"states of a layer of models; the tensors given are the "
                             f"states of a hand-written loop")
        return _norms_of_the_tensors(loss, list(states), gradient, allow_unused, owner)
    targets = [tensor for t in found.steps for tensor in found.tensors[t]]
    grads = _grad(loss, targets, grad_outputs=gradient, retain_graph=True, allow_unused=True)
    if all(g is None for g in grads):
        raise ValueError(f"{owner}: the loss does not depend on the {found.name}_t of "
                         f"{len(found.steps)} steps behind the tensors given (the output of "
                         f"another forward?)")
    squares = iter(0.0 if g is None else float(np.sum(np.square(g.data, dtype=np.float64)))
                   for g in grads)
    return np.array([np.sqrt(sum(next(squares) for _ in found.tensors[t]))
                     for t in found.steps])


def _hand_written(states):
    """True for a list of tensors none of which is cut from a layer's marked states."""
    return isinstance(states, list) and all(isinstance(s, Tensor) for s in states) and \
        not cut_from_a_layer(states)


def _norms_of_the_tensors(loss, states, gradient, allow_unused, owner):
    """||d loss / d s|| for each tensor s given, as it is."""
    grads = _grad(loss, states, grad_outputs=gradient, retain_graph=True, allow_unused=True)
    unused = [i for i, g in enumerate(grads) if g is None]
    if unused and not allow_unused:
        raise ValueError(
            f"{owner}: {len(unused)} of the {len(states)} states (first: state "
            f"{unused[0]}, shape {states[unused[0]].shape}) do not reach the loss. Pass the "
            f"h_t tensors the loss was computed from, or allow_unused=True to get 0 for them")
    return np.array([0.0 if g is None else
                     float(np.sqrt(np.sum(np.square(g.data, dtype=np.float64))))
                     for g in grads])
