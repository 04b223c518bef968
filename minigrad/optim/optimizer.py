"""`Optimizer`: the base class holding parameter groups and per-parameter state.

Updates are numpy, in place on `p.data`, outside any graph. Subclasses implement
`step()` by visiting `self._params_with_grad()`.
"""
from collections.abc import Mapping

import numpy as np

from ..nn.module import Module
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
        if isinstance(params, Module):
            raise TypeError(f"{type(self).__name__}: params is a {type(params).__name__} (a "
                            f"Module); pass its parameters: {type(self).__name__}("
                            f"model.parameters(), ...)")
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
        """(group, parameter, its gradient as a numpy array, its state dict) for each update;
        the gradient is negated in a group with maximize=True (gradient ascent, as torch)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = -p.grad.data if group.get("maximize") else p.grad.data
                yield group, p, grad, self.state.setdefault(p, {})

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

    # ------------------------------------------------------- saving and loading
    def state_dict(self):
        """The optimizer's state as torch.optim does it, with parameters numbered in
        group order: {"state": {index: {name: value}}, "param_groups": [{option: value,
        "params": [index, ...]}]}. Arrays are copies; `mg.save` writes it to an .npz."""
        index = {}
        groups = []
        for group in self.param_groups:
            numbers = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": numbers})
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[index[id(p)]] = {k: np.array(v, copy=True) if isinstance(v, np.ndarray)
                                           else v for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load what `state_dict()` (or `mg.load` of its saved file) gave.

        Every problem (group or parameter counts, an unknown parameter number, a state
        array of the wrong shape) is listed in one ValueError, and the optimizer is
        left as it was.
        """
        expected = (f"load_state_dict of {type(self).__name__}: expected what "
                    f"optimizer.state_dict() gives, a dict with keys 'state' and 'param_groups'")
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{expected}; got a {type(state_dict).__name__} (to load a file: "
                            f"load_state_dict(mg.load(path)))")
        if "param_groups" not in state_dict:
            raise ValueError(f"{expected}; got keys {list(state_dict)[:4]} (a model's state "
                             f"dict goes to model.load_state_dict)")
        groups = _as_list(state_dict["param_groups"])
        # (an optimizer that has not stepped saves an empty "state", which mg.save drops)
        saved_state = {int(k): v for k, v in dict(state_dict.get("state", {})).items()}
        params = [p for group in self.param_groups for p in group["params"]]
        problems = []
        if len(groups) != len(self.param_groups):
            problems.append(f"{len(groups)} parameter groups saved, the optimizer has "
                            f"{len(self.param_groups)}")
        for g, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(_as_list(saved["params"])) != len(group["params"]):
                problems.append(f"group {g}: {len(_as_list(saved['params']))} parameters "
                                f"saved, the optimizer has {len(group['params'])}")
        new_state = {}
        for number, entries in saved_state.items():
            if not 0 <= number < len(params):
                problems.append(f"state for parameter {number}, which does not exist")
                continue
            p = params[number]
            new_state[p] = {}
            for name, value in dict(entries).items():
                value = np.asarray(value)
                if value.ndim == 0 and name == "step":
                    new_state[p][name] = int(value)
                elif value.shape != p.shape:
                    problems.append(f"parameter {number}: state {name!r} has shape "
                                    f"{value.shape}, the parameter {p.shape}")
                else:
                    new_state[p][name] = np.array(value, dtype=p.data.dtype, copy=True)
        if problems:
            raise ValueError(f"load_state_dict of {type(self).__name__} failed; nothing was "
                             f"loaded:\n  " + "\n  ".join(problems))
        for saved, group in zip(groups, self.param_groups):
            for name, value in dict(saved).items():
                if name != "params":
                    group[name] = _like(value, group.get(name))
        self.state = new_state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _as_list(value):
    """A list, or a dict with keys "0", "1", ... (a list after mg.save and mg.load)."""
    if isinstance(value, dict):
        return [value[k] for k in sorted(value, key=int)]
    return list(value)


def _like(value, current):
    """A saved option as the Python type the option has now (numbers come back from
    an .npz as numpy arrays)."""
    if not isinstance(value, np.ndarray) and not isinstance(value, np.generic):
        return value
    if isinstance(current, bool):
        return bool(value)
    if isinstance(current, tuple) or np.ndim(value) > 0:
        return tuple(np.asarray(value).tolist())
    return np.asarray(value).item()
