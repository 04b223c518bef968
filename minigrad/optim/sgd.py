"""Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""
import numpy as np

from .optimizer import Optimizer


class SGD(Optimizer):
    r"""PyTorch's SGD update, for each parameter p with gradient g:

        g <- -g  if maximize
        g <- g + weight_decay * p
        if momentum != 0:
            b <- g                                   (first step)
            b <- momentum * b + (1 - dampening) * g  (later steps)
            g <- g + momentum * b  if nesterov  else  b
        p <- p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"invalid SGD option: lr={lr}, momentum={momentum}, "
                             f"weight_decay={weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        momentum = group["momentum"]
        if momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += (1.0 - group["dampening"]) * grad
            buf = state["momentum_buffer"]
            grad = grad + momentum * buf if group["nesterov"] else buf
        p.data -= (group["lr"] * grad).astype(p.data.dtype, copy=False)
