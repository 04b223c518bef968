"""Adagrad: per-coordinate step sizes shrinking with the accumulated squared gradient."""
import numpy as np

from .optimizer import Optimizer


class Adagrad(Optimizer):
    r"""PyTorch's Adagrad update, at step t for parameter p with gradient g:

        g <- -g  if maximize
        g <- g + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s <- s + g^2                    (s starts at initial_accumulator_value)
        p <- p - lr_t * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, *, maximize=False):
        if lr < 0 or lr_decay < 0 or weight_decay < 0 or initial_accumulator_value < 0:
            raise ValueError(f"invalid Adagrad option: lr={lr}, lr_decay={lr_decay}, "
                             f"weight_decay={weight_decay}, "
                             f"initial_accumulator_value={initial_accumulator_value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        for group in self.param_groups:  # PyTorch fills the state at construction
            for p in group["params"]:
                self._start(group, p, self.state.setdefault(p, {}))

    @staticmethod
    def _start(group, p, state):
        """s starts at the group's initial_accumulator_value. (torch 2.13 takes the
        constructor's value for every group: a quirk not copied.)"""
        state["step"] = 0
        state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])

    def _update(self, group, p, grad, state):
        if not state:  # a parameter added later with add_param_group
            self._start(group, p, state)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        p.data -= (clr * grad / (np.sqrt(state["sum"]) + group["eps"])).astype(
            p.data.dtype, copy=False)
