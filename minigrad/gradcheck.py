"""`gradcheck` and `gradgradcheck`: analytic gradients against central finite differences."""
import numbers

import numpy as np

from .autograd import grad
from .creation import as_tensor_data
from .errors import GradcheckError
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable(inputs):
    return [i for i, t in enumerate(inputs)
            if isinstance(t, Tensor) and t.requires_grad]


def _refuse_checking_nothing(name, inputs, outputs=None):
    """ValueError when no input requires grad, or fn gives no floating-point Tensor:
    the check would compare nothing and pass, as PyTorch refuses to."""
    if not _differentiable(inputs):
        kinds = ", ".join(f"a Tensor of shape {tuple(t.shape)}" if isinstance(t, Tensor)
                          else type(t).__name__ for t in inputs) or "nothing"
        raise ValueError(f"{name}: none of the inputs requires grad ({kinds}), so there "
                         f"is nothing to check; make the ones to check with "
                         f"requires_grad=True")
    if outputs is not None and not outputs:
        raise ValueError(f"{name}: fn returned no floating-point Tensor, so there is "
                         f"nothing to check")


def _flat_outputs(fn, inputs):
    outs = _as_tuple(fn(*inputs))
    return [o for o in outs if isinstance(o, Tensor) and o.data.dtype.kind == "f"]


def numerical_jacobians(fn, inputs, eps):
    """For each differentiable input: d(out_k)/d(input) as arrays (out.size, input.size)."""
    positions = _differentiable(inputs)
    with no_grad():
        base = _flat_outputs(fn, inputs)
    jacobians = {}
    for i in positions:
        tensor = inputs[i]
        original = tensor.data
        base_values = np.array(original, dtype=np.float64)
        cols = [np.zeros((o.data.size, base_values.size)) for o in base]
        outputs = []
        try:
            for j in range(base_values.size):
                outputs.clear()
                for step in (eps, -eps):
                    shifted = base_values.copy()
                    shifted.flat[j] += step
                    tensor.data = as_tensor_data(shifted.astype(original.dtype))
                    with no_grad():
                        outputs.append([o.data.astype(np.float64).reshape(-1)
                                        for o in _flat_outputs(fn, inputs)])
                plus, minus = outputs
                for k in range(len(base)):
                    cols[k][:, j] = (plus[k] - minus[k]) / (2 * eps)
        finally:
            tensor.data = original
        jacobians[i] = cols
    return jacobians


def analytic_jacobians(fn, inputs, create_graph=False):
    """Jacobians by reverse mode, one backward per output element.

    `create_graph` picks the engine's path: plain arrays (False) or graph-building
    Tensors (True); both must give the same numbers.
    """
    positions = _differentiable(inputs)
    outs = _flat_outputs(fn, inputs)
    jacobians = {i: [np.zeros((o.data.size, inputs[i].data.size)) for o in outs]
                 for i in positions}
    wrt = [inputs[i] for i in positions]
    for k, out in enumerate(outs):
        if not out.requires_grad:
            continue
        for r in range(out.data.size):
            seed = np.zeros(out.data.size, dtype=out.data.dtype)
            seed[r] = 1
            grads = grad(out, wrt, grad_outputs=Tensor._constant(seed.reshape(out.shape)),
                         retain_graph=True, create_graph=create_graph, allow_unused=True)
            for i, g in zip(positions, grads):
                if g is not None:
                    jacobians[i][k][r, :] = g.data.reshape(-1)
    return jacobians


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check `fn`'s analytic gradients against central differences, in float64.

    Args:
        fn: a function of the tensors in `inputs` returning a tensor or a tuple of tensors.
        inputs: a tensor or tuple of tensors; those with requires_grad are checked
            (they must be float64: float32 differences are too coarse).
    Returns True, or raises GradcheckError naming the input, the worst element and
    both values (or returns False if raise_exception=False); a NaN on either side is
    wrong, as in torch's allclose. A check of nothing is refused, as PyTorch refuses
    it: ValueError when no input requires grad or fn returns no floating-point Tensor
    (or eps is not a positive step).
    """
    inputs = _as_tuple(inputs)
    _refuse_checking_nothing("gradcheck", inputs)
    if not (isinstance(eps, numbers.Real) and 0 < eps < float("inf")):
        raise ValueError(f"gradcheck: eps must be a positive finite step, got {eps!r}")
    for i in _differentiable(inputs):
        if inputs[i].data.dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite "
                            f"differences need float64 inputs")
    with no_grad():
        _refuse_checking_nothing("gradcheck", inputs, _flat_outputs(fn, inputs))
    numeric = numerical_jacobians(fn, inputs, eps)
    for create_graph in (False, True):
        analytic = analytic_jacobians(fn, inputs, create_graph=create_graph)
        if not _compare(numeric, analytic, inputs, atol, rtol, raise_exception,
                        " (graph-building backward, create_graph=True)" if create_graph else ""):
            return False
    return True


def _compare(numeric, analytic, inputs, atol, rtol, raise_exception, path):
    for i, per_output in numeric.items():
        if len(per_output) != len(analytic[i]):
            raise GradcheckError(f"gradcheck: fn gave {len(per_output)} float outputs under "
                                 f"no_grad but {len(analytic[i])} with grad enabled")
        for k, (num, ana) in enumerate(zip(per_output, analytic[i])):
            with np.errstate(invalid="ignore"):  # inf - inf: NaN, a mismatch below
                excess = np.abs(ana - num) - (atol + rtol * np.abs(num))
            # NaN on either side is a mismatch, as in torch's allclose: `excess > 0` is
            # False for NaN and would let a NaN gradient (or eps=0) pass unchecked
            wrong = np.where(np.isnan(excess), np.inf, excess)
            if wrong.size and wrong.max() > 0:
                if not raise_exception:
                    return False
                row, col = np.unravel_index(np.argmax(wrong), wrong.shape)
                element = np.unravel_index(col, inputs[i].shape) if inputs[i].ndim else ()
                raise GradcheckError(
                    f"gradcheck: gradient of output {k} with respect to input {i} "
                    f"(shape {inputs[i].shape}) is wrong at input element "
                    f"{tuple(int(e) for e in element)}, output element {int(row)}{path}: "
                    f"analytic {ana[row, col]:.10g}, numerical {num[row, col]:.10g}")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of (inputs, v) -> grad(fn(inputs), inputs, v).

    `grad_outputs` (random if None) are treated as further differentiable inputs.
    """
    inputs = _as_tuple(inputs)
    _refuse_checking_nothing("gradgradcheck", inputs)
    positions = _differentiable(inputs)
    with no_grad():
        outs = _flat_outputs(fn, inputs)
    _refuse_checking_nothing("gradgradcheck", inputs, outs)
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        grad_outputs = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
    else:
        grad_outputs = [Tensor(np.asarray(g.data if isinstance(g, Tensor) else g,
                                          dtype=np.float64), requires_grad=True)
                        for g in _as_tuple(grad_outputs)]
    n = len(inputs)

    def first_derivatives(*args):
        # enable_grad: the finite differences call this under no_grad, where fn would
        # record no graph and there would be no first derivatives to differentiate
        with enable_grad():
            xs, vs = args[:n], args[n:]
            ys = _flat_outputs(fn, xs)
            live = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
            grads = grad([y for y, _ in live], [xs[i] for i in positions],
                         grad_outputs=[v for _, v in live], create_graph=True,
                         allow_unused=True)
            return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps,
                     atol=atol, rtol=rtol, raise_exception=raise_exception)
