"""`Optimizer`: the base class holding parameter groups and per-parameter state.

Updates are numpy, in place on `p.data`, outside any graph. Subclasses implement
`step()` by visiting `self._params_with_grad()`.
"""
import numpy as np

from ..tensor import Tensor


class Optimizer:
    """Args:
        params: an iterable of Tensors, or of dicts {"params": [...], <option>: value}
            (parameter groups; options missing from a group take the `defaults`).
        defaults: dict of the optimizer's options.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}  # Tensor -> dict of numpy arrays / counters
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor) or not p.is_leaf:
                raise TypeError("optimizer can only optimize leaf Tensors")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = Tensor._constant(np.zeros_like(p.data))

    def _params_with_grad(self):
        """(group, parameter, its gradient as a numpy array, its state dict) for each update."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                yield group, p, p.grad.data, self.state.setdefault(p, {})

    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() if given."""
        loss = None
        if closure is not None:
            from ..grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        for group, p, grad, state in self._params_with_grad():
            self._update(group, p, grad, state)
        return loss

    def _update(self, group, p, grad, state):
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
