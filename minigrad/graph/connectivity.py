"""Connectivity: how strongly each input step reaches each output step.

For a sequence model with one scalar per output step (the logit of the character it
predicts, a per-step loss, a readout v . h_t) and its per-step inputs x_s (the
embeddings, or the raw x_s), the connectivity is the T_out x T_in matrix

    C[t, s] = || d y_t / d x_s ||        (the L2 norm over x_s's features)

the view of Madsen's "Visualizing memorization in RNNs" (Distill, 2019): row t says
which earlier inputs the prediction at step t still depends on. A unidirectional
network gives exactly 0 above the diagonal (y_t cannot depend on a later input);
a bidirectional one does not. How fast a row falls off to the left of the
diagonal is how long the network's memory is: geometrically for a tanh RNN, much
more slowly where an LSTM's forget gate or a GRU's update gate holds its state.

Each row is one `mg.grad` of that step's outputs (summed over the batch) with
respect to the inputs, so T_out backward passes of the graph, which is retained.
Nothing walks the graph here: a fused layer is differentiated by its own VJP.
"""
import numpy as np

from ..autograd import grad
from ..tensor import Tensor

REDUCTIONS = ("mean", "max", "none")


def connectivity(outputs, inputs, *, time_axis=0, reduce="mean"):
    """The matrix C[t, s] = ||d outputs_t / d inputs_s|| of a sequence model.

    Shapes (T_out output steps, T_in input steps, N batch, F input features):

    Args:
        outputs: one scalar per step and sequence: a Tensor (T_out, N), or (N, T_out)
            with time_axis=1, or (T_out,) for one sequence; or a list of T_out
            Tensors, each (N,) or a scalar.
        inputs: the per-step inputs the outputs were computed from: a Tensor
            (T_in, N, F), or (N, T_in, F) with time_axis=1, or (T_in, F) for one
            sequence; or a list of T_in Tensors, each (N, F) or (F,). They must be
            in the graph: a leaf made with requires_grad=True, or an op's result
            such as the embeddings `model.embedding(ids)`.
        time_axis: 0 (time-major, as models.RNN/LSTM/GRU by default) or 1
            (batch_first); the same for outputs and inputs given as Tensors.
        reduce: how the batch is reduced. Each sequence n has its own matrix
            ||d outputs[t, n] / d inputs[s, n]||; "mean" (default) averages those
            over n, "max" takes the largest, "none" keeps them all.
    Returns:
        numpy float64 array (T_out, T_in), or (T_out, T_in, N) with reduce="none".

    The batch is handled with one gradient per output step: that of the step's sum
    over the batch, whose part at inputs[s, n] is d outputs[t, n] / d inputs[s, n]
    when the sequences of a batch do not interact (true of the recurrent layers and
    of every per-example op; not of batch statistics). The graph is retained and no
    `.grad` is touched.
    """
    owner = "connectivity"
    if time_axis not in (0, 1):
        raise ValueError(f"{owner}: time_axis must be 0 (time-major) or 1 (batch_first), "
                         f"got {time_axis!r}")
    if reduce not in REDUCTIONS:
        raise ValueError(f"{owner}: reduce must be one of {', '.join(map(repr, REDUCTIONS))}, "
                         f"got {reduce!r}")
    out_steps, out_batch = _output_steps(outputs, time_axis, owner)
    in_tensors, read_input = _input_steps(inputs, time_axis, owner)
    _check_batches(out_batch, read_input.batch, owner)
    norms = np.zeros((len(out_steps), read_input.steps, read_input.batch or 1))
    reached = False
    for t, (output, seed) in enumerate(out_steps):
        grads = grad([output], in_tensors, grad_outputs=[seed], retain_graph=True,
                     allow_unused=True)
        if all(g is None for g in grads):
            continue                  # this output depends on no input: a row of zeros
        reached = True
        norms[t] = read_input.norms(grads)
    if not reached:
        raise ValueError(f"{owner}: none of the {len(out_steps)} outputs depends on the "
                         f"inputs given; pass the inputs they were computed from (the same "
                         f"forward)")
    if reduce == "none":
        return norms
    return norms.mean(axis=2) if reduce == "mean" else norms.max(axis=2)


def _output_steps(outputs, time_axis, owner):
    """([(tensor, seed)] per output step: the tensor to differentiate and the gradient
    that selects step t of it, ones over the batch; N, or None for one sequence)."""
    if not isinstance(outputs, Tensor):
        steps = _list_of_steps(outputs, "output", (0, 1), "a scalar or an (N,) Tensor "
                               "(one scalar per sequence)", owner)
        batch = steps[0].shape[0] if steps[0].ndim == 1 else None
        return [(step, np.ones(step.shape, dtype=step.data.dtype)) for step in steps], batch
    _check_requires_grad(outputs, "outputs", owner)
    if outputs.ndim not in (1, 2):
        raise ValueError(f"{owner}: outputs have shape {tuple(outputs.shape)}; expected one "
                         f"scalar per step and sequence, (T_out, N) or (N, T_out) with "
                         f"time_axis=1, or (T_out,) (take the logit of the predicted "
                         f"character out of the logit vectors first)")
    batch_axis = None if outputs.ndim == 1 else 1 - time_axis
    steps = outputs.shape[0 if batch_axis is None else time_axis]
    result = []
    for t in range(steps):
        seed = np.zeros(outputs.shape, dtype=outputs.data.dtype)
        seed[(slice(None),) * (batch_axis == 0) + (t,)] = 1
        result.append((outputs, seed))
    return result, None if batch_axis is None else outputs.shape[batch_axis]


def _input_steps(inputs, time_axis, owner):
    """(the tensors to differentiate with respect to, an _InputSteps reading them)."""
    if not isinstance(inputs, Tensor):
        steps = _list_of_steps(inputs, "input", (1, 2), "an (N, F) or (F,) Tensor", owner)
        batch = steps[0].shape[0] if steps[0].ndim == 2 else None
        return steps, _InputSteps(len(steps), batch, False, time_axis)
    _check_requires_grad(inputs, "inputs", owner)
    if inputs.ndim == 3:
        steps, batch = inputs.shape[time_axis], inputs.shape[1 - time_axis]
    elif inputs.ndim == 2 and time_axis == 0:
        steps, batch = inputs.shape[0], None
    else:
        raise ValueError(f"{owner}: inputs have shape {tuple(inputs.shape)}; expected "
                         f"(T_in, N, F), (N, T_in, F) with time_axis=1, or (T_in, F) for one "
                         f"sequence (time-major)")
    return [inputs], _InputSteps(steps, batch, True, time_axis)


def _list_of_steps(items, what, ndims, expected, owner):
    """The tensors of a per-step list, checked: Tensors of `ndims` dimensions, in the
    graph, all of one shape."""
    steps = list(items)
    if not steps:
        raise ValueError(f"{owner}: no {what}s given")
    for t, step in enumerate(steps):
        if not isinstance(step, Tensor) or step.ndim not in ndims:
            found = type(step).__name__ if not isinstance(step, Tensor) else \
                f"a Tensor of shape {tuple(step.shape)}"
            raise ValueError(f"{owner}: {what} step {t} is {found}; expected {expected}")
        _check_requires_grad(step, f"{what} step {t}", owner)
    shapes = {tuple(step.shape) for step in steps}
    if len(shapes) > 1:
        raise ValueError(f"{owner}: the {what} steps have different shapes "
                         f"({', '.join(map(str, sorted(shapes)))})")
    return steps


def _check_requires_grad(tensor, what, owner):
    if not tensor.requires_grad:
        raise ValueError(f"{owner}: {what} (shape {tuple(tensor.shape)}) does not require "
                         f"grad, so nothing can be differentiated through it; the inputs "
                         f"must be in the graph (a leaf made with requires_grad=True, or "
                         f"computed in it, such as the embeddings), the outputs computed "
                         f"from them (not under no_grad)")


class _InputSteps:
    """How to read per-step, per-sequence norms out of the gradients of the inputs."""

    def __init__(self, steps, batch, whole, time_axis):
        self.steps, self.batch, self.whole, self.time_axis = steps, batch, whole, time_axis

    def norms(self, grads):
        """(T_in, N) norms over the features, from mg.grad's result (N = 1 for one
        sequence)."""
        if self.whole:
            g = np.asarray(grads[0].data, dtype=np.float64)
            if self.batch is None:
                g = g[:, None, :]
            elif self.time_axis == 1:
                g = np.swapaxes(g, 0, 1)
            return np.linalg.norm(g, axis=-1)
        result = np.zeros((self.steps, self.batch or 1))
        for s, g in enumerate(grads):
            if g is not None:
                g = np.asarray(g.data, dtype=np.float64)
                result[s] = np.linalg.norm(g.reshape(self.batch or 1, -1), axis=-1)
        return result


def _check_batches(out_batch, in_batch, owner):
    if out_batch != in_batch:
        raise ValueError(f"{owner}: the outputs hold {_batch_text(out_batch)} but the inputs "
                         f"hold {_batch_text(in_batch)}; pass both for a batch of N sequences "
                         f"or both for one sequence")


def _batch_text(batch):
    return "one sequence" if batch is None else f"a batch of {batch}"


def memory_profile(matrix, relative=True):
    """How strongly an output depends on the input k steps back, for k = 0, 1, ...

    Args:
        matrix: a (T_out, T_in) connectivity matrix (`connectivity`), output step t
            aligned with input step t (the same time axis).
        relative: divide each row by its largest entry first (default), so that every
            output step counts alike, whatever its own scale.
    Returns:
        numpy array (K,), K = min(T_out, T_in): entry k is the median, over the
        output steps t >= k, of matrix[t, t - k] (the past only: a bidirectional
        network's dependence on later inputs is not in it).
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"memory_profile: the matrix has shape {matrix.shape}, expected "
                         f"(T_out, T_in)")
    if relative:
        largest = matrix.max(axis=1, keepdims=True)
        matrix = np.divide(matrix, largest, out=np.zeros_like(matrix), where=largest > 0)
    return np.array([np.median(np.diagonal(matrix, offset=-k)) for k in range(min(matrix.shape))])
