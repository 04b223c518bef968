"""Loss modules, mirroring torch.nn: each holds its options and calls its function in
`functional.loss` (see there for the math, the shapes and the reductions).

Shape letters: N batch, C classes, d1..dk extra dimensions (e.g. sequence length L).
Class weights are buffers (in `state_dict`, converted by `.to(dtype)`), as in torch.
"""
from ..source import warn_at_user_line
from . import functional as F
from .module import Module


def _legacy_reduction(size_average, reduce):
    """torch's deprecated size_average/reduce pair -> a reduction name, with its warning."""
    warn_at_user_line("size_average and reduce args will be deprecated, please use "
                      "reduction='sum' instead.")
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


class _Loss(Module):
    """Holds `reduction` ("mean" | "sum" | "none"); `size_average`/`reduce` are torch's
    deprecated spellings of it, kept so that positional arguments line up with torch's."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional (C,) Tensor of class weights, kept as the buffer `weight`."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    r"""Mean squared error: l_n = (x_n - y_n)^2 elementwise, then reduced.

    Shapes: input (*), target (*) the same shape; output () or (*) with reduction="none".
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    r"""Negative log-likelihood of class indices given log-probabilities:

        l_n = -w[y_n] * x[n, y_n]   (0 where y_n == ignore_index)
        mean: sum_n l_n / sum_n w[y_n] over the targets that are not ignored.

    Shapes: input (N, C), (N, C, d1..dk) or (C,) log-probabilities (e.g. from
    log_softmax over dim 1); target (N,), (N, d1..dk) or () integer class indices;
    output () or the target's shape with reduction="none".
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross entropy between softmax(x) over the class dim and the targets:

        l_n = -w[y_n] log softmax(x_n)[y_n]   (0 where y_n == ignore_index)

    with label smoothing e the target is (1 - e) onehot(y) + e / C. A float target of
    the input's shape is read as class probabilities q: l_n = -sum_c w[c] q_nc log p_nc.

    Shapes: input (N, C), (N, C, d1..dk) or (C,) logits; target (N,), (N, d1..dk) or ()
    integer class indices, or probabilities shaped as the input; output () or
    (N, d1..dk) with reduction="none".
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class BCEWithLogitsLoss(_Loss):
    r"""Binary cross entropy of sigmoid(x) against targets y in [0, 1], from logits:

        l = -w [p y log s(x) + (1 - y) log(1 - s(x))],   s the sigmoid, p = pos_weight,

    computed without overflow (finite for |x| ~ 1e4).

    Shapes: input (*) logits, target (*) the same shape; weight broadcastable to it;
    pos_weight broadcastable along the last (class) dim; output () or (*) with
    reduction="none". `weight` and `pos_weight` are buffers.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
