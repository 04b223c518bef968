"""RMSprop: divide the gradient by a running root mean square."""
import numpy as np

from .optimizer import Optimizer


class RMSprop(Optimizer):
    r"""PyTorch's RMSprop update, for parameter p with gradient g:

        g <- -g  if maximize
        g <- g + weight_decay * p
        s <- alpha * s + (1 - alpha) * g^2
        if centered: a <- alpha * a + (1 - alpha) * g;  d = sqrt(s - a^2) + eps
        else:        d = sqrt(s) + eps
        if momentum > 0: b <- momentum * b + g / d;  p <- p - lr * b
        else:            p <- p - lr * g / d
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, *, maximize=False):
        if lr < 0 or eps < 0 or momentum < 0 or alpha < 0 or weight_decay < 0:
            raise ValueError(f"invalid RMSprop option: lr={lr}, alpha={alpha}, eps={eps}, "
                             f"momentum={momentum}, weight_decay={weight_decay}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, group, p, grad, state):
        alpha = group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * p.data
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1.0 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1.0 - alpha) * grad
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denom = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / denom
            p.data -= (group["lr"] * buf).astype(p.data.dtype, copy=False)
        else:
            p.data -= (group["lr"] * grad / denom).astype(p.data.dtype, copy=False)
