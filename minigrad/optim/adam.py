"""Adam and AdamW: bias-corrected first and second moment estimates."""
import math

import numpy as np

from .optimizer import Optimizer


class Adam(Optimizer):
    r"""PyTorch's Adam update, at step t for parameter p with gradient g:

        g <- -g  if maximize
        g <- g + weight_decay * p
        m <- b1 * m + (1 - b1) * g
        v <- b2 * v + (1 - b2) * g^2
        v_hat <- max(v_hat, v) if amsgrad else v
        p <- p - (lr / (1 - b1^t)) * m / (sqrt(v_hat) / sqrt(1 - b2^t) + eps)
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False):
        if lr < 0 or eps < 0 or not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"invalid {type(self).__name__} option: lr={lr}, betas={betas}, "
                             f"eps={eps}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update(self, group, p, grad, state):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        step = state["step"]
        if group["weight_decay"]:
            if self.decoupled:
                p.data *= 1.0 - lr * group["weight_decay"]
            else:
                grad = grad + group["weight_decay"] * p.data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        bias_correction1 = 1.0 - beta1 ** step
        bias_correction2 = 1.0 - beta2 ** step
        denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps
        p.data -= ((lr / bias_correction1) * m / denom).astype(p.data.dtype, copy=False)


class AdamW(Adam):
    r"""Adam with decoupled weight decay: p <- p * (1 - lr * weight_decay) before the Adam
    step, and the gradient itself left undecayed. Default weight_decay=1e-2."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
