"""Replaying, at one time step only, the ops a weight goes through before the loop.

`per_step_grads` splits the gradient of a weight by the time step that used it.
A weight used before the loop (the input projection x @ W_ih.T + b of the whole
sequence, sliced per step inside the loop) gets, at step t, the gradient of one
slice, projected[t]. Pulling that back through the whole-sequence ops would cost
O(T) per step, O(T^2) in all. But those ops act row by row along the time axis
(elementwise ops, a stack of rows times a matrix), so row t of their output needs
only row t of the time-major inputs: replaying them on row t costs O(1) per step.

`plan_rows` checks that every op between the weight and the sliced tensors is of
that kind and says, per op, whether its row t, its whole value, or both are needed;
`pull_back_rows` replays them on a fresh leaf and pulls the step's gradients back.
Anything else (another index, an op that mixes rows) returns None, and the caller
pulls back through the whole ops instead.
"""
import numpy as np

from ..autograd import grad as _grad
from ..grad_mode import enable_grad
from ..tensor import Tensor

# ops whose output row t needs only row t of the inputs that have rows (broadcasting)
_ELEMENTWISE = frozenset({
    "add", "sub", "mul", "div", "neg", "pow", "pow_const", "cast", "clone", "exp", "log",
    "sqrt", "abs", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "clip", "maximum",
    "minimum", "where"})
ROW, WHOLE, FIRST = "row", "whole", "first"


def _input_mode(input_shape, out_shape):
    """How an elementwise op's output row t reads this input: its row t, its only row
    (a broadcast leading 1), or all of it (fewer dims: broadcast along time)."""
    if len(input_shape) < len(out_shape):
        return WHOLE
    return ROW if input_shape[0] == out_shape[0] else FIRST


def _modes_for_row(node):
    """Per input, what row t of `node`'s output needs; None when the op mixes rows."""
    name, out_shape = node._prim.name, node.data.shape
    shapes = [i.data.shape for i in node._inputs]
    if name in _ELEMENTWISE:
        return [_input_mode(shape, out_shape) for shape in shapes]
    if name == "matmul" and len(shapes) == 2:
        x_shape, y_shape = shapes
        if len(out_shape) >= 3:  # a stack of products: row t is the t-th product
            return [_input_mode(s, out_shape) if len(s) >= 3 else WHOLE for s in shapes]
        if len(out_shape) == 2 and len(x_shape) == 2 and len(y_shape) == 2:
            return [ROW, WHOLE]  # rows of x times the matrix y
    return None


def plan_rows(param, order, sliced, whole):
    """{id(node): set of ROW/WHOLE} for the region ops, or None when row t cannot be
    replayed alone. `sliced`: ids of tensors whose row t has a gradient this step;
    `whole`: ids of tensors whose whole value has one."""
    length = None
    need = {}
    for key in sliced:
        need.setdefault(key, set()).add(ROW)
    for key in whole:
        need.setdefault(key, set()).add(WHOLE)
    in_region = {id(node) for node in order} | {id(param)}
    for node in reversed(order):
        modes = need.get(id(node))
        if not modes:
            continue
        if ROW in modes:
            if node.data.ndim == 0 or length not in (None, node.data.shape[0]):
                return None
            length = node.data.shape[0]
            row_modes = _modes_for_row(node)
            if row_modes is None:
                return None
        for position, inp in enumerate(node._inputs):
            if id(inp) not in in_region:
                continue
            wanted = need.setdefault(id(inp), set())
            if WHOLE in modes:
                wanted.add(WHOLE)
            if ROW in modes:
                wanted.add(ROW if row_modes[position] == ROW else WHOLE)
    if ROW in need.get(id(param), ()) and param.data.ndim == 0:
        return None
    return need


def pull_back_rows(param, order, plan, row, row_seeds, whole_seeds):
    """d/dparam given gradients of row `row` of some region tensors (`row_seeds`,
    {id: array}) and of the whole of others (`whole_seeds`), replaying only what
    `plan` (from plan_rows) asks for; None when a replayed row has another shape
    than its gradient."""
    leaf_data = np.asarray(param.data)
    leaf = Tensor(leaf_data, requires_grad=True, dtype=leaf_data.dtype)
    whole, rows = {id(param): leaf}, {}
    with enable_grad():
        if ROW in plan.get(id(param), ()):
            rows[id(param)] = leaf[row]
        for node in order:
            modes = plan.get(id(node), ())
            attrs = node._attrs or {}
            if WHOLE in modes:
                args = [whole[id(i)] if id(i) in whole else i.detach() for i in node._inputs]
                whole[id(node)] = node._prim(*args, **attrs)
            if ROW in modes:
                args = [_row_argument(inp, mode, row, whole, rows)
                        for inp, mode in zip(node._inputs, _modes_for_row(node))]
                rows[id(node)] = node._prim(*args, **attrs)
        outputs, seeds = [], []
        for table, given in ((rows, row_seeds), (whole, whole_seeds)):
            for key, g in given.items():
                if table[key].shape != np.shape(g):
                    return None
                outputs.append(table[key])
                seeds.append(Tensor(np.asarray(g), dtype=np.asarray(g).dtype))
        (result,) = _grad(outputs, [leaf], grad_outputs=seeds, allow_unused=True)
    return np.zeros(param.shape) if result is None else np.asarray(result.data, np.float64)


def _row_argument(inp, mode, row, whole, rows):
    key = id(inp)
    if mode == ROW:
        return rows[key] if key in rows else Tensor._constant(np.asarray(inp.data)[row])
    source = whole[key] if key in whole else inp.detach()
    return source[0] if mode == FIRST else source
