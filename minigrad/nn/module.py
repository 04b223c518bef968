"""`Module`: the base class of layers and models, as in torch.nn.

A module's Parameters and sub-modules are its attributes; they are also listed,
in assignment order, so that `named_parameters()` gives stable dotted names.
Calling a module runs `forward` inside a name scope of the module's attribute
name, which is what lets graph capture group ops by module.
"""
import os
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ..grad_mode import no_grad
from ..scope import name_scope
from ..source import site_for_module_call
from ..state import STATE
from ..tensor import Tensor
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    training = True

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_scope_name", type(self).__name__.lower())
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------- registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attribute {name!r}")
        if name in self._buffers and (value is None or isinstance(value, Tensor)
                                      and not isinstance(value, Parameter)):
            self._buffers[name] = value  # a buffer stays a buffer when reassigned (as torch)
            object.__setattr__(self, name, value)
            return
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
            object.__setattr__(value, "_scope_name", name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    def register_buffer(self, name, tensor):
        """A tensor that is part of the state (saved, loaded) but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None")
        setattr(self, name, tensor)
        self._buffers[name] = tensor

    def add_module(self, name, module):
        setattr(self, name, module)

    # -------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        state = STATE
        outer_site = state.user_site
        state.user_site = site_for_module_call(self)
        try:
            with name_scope(self._scope_name):
                return self.forward(*args, **kwargs)
        finally:
            state.user_site = outer_site

    # ------------------------------------------------------------ traversal
    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every descendant, without recursion."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child_name}" if name else child_name, child)
                        for child_name, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix="", recurse=True):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or id(param) in seen:
                    continue
                seen.add(id(param))
                full = f"{module_name}.{name}" if module_name else name
                if param.name is None:
                    param.name = full
                yield full, param

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix=""):
        for module_name, module in self.named_modules(prefix):
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buf

    def buffers(self):
        for _, buf in self.named_buffers():
            yield buf

    # ---------------------------------------------------------------- modes
    def train(self, mode=True):
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor._constant(np.zeros_like(p.data))

    def apply(self, fn):
        for module in list(self.modules())[::-1]:
            fn(module)
        return self

    def to(self, *args, dtype=None, device=None):
        """module.to(dtype), module.to("cpu"), module.to("cpu", dtype): in place, with
        Tensor.to's arguments (CPU only), on every parameter and floating buffer.

        As in PyTorch the dtype must be floating (parameters are trained). Every tensor
        is converted before any is replaced, so a refused call changes nothing.
        """
        tensors = list(self.parameters())
        tensors += [b for b in self.buffers() if b.data.dtype.kind == "f"]
        with no_grad():
            converted = [t.to(*args, dtype=dtype, device=device) for t in tensors]
        for new in converted:
            if new.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}.to only accepts floating point "
                                f"dtypes, got {new.dtype}")
        for t, new in zip(tensors, converted):
            if new is not t:
                t.data = new.data
                if isinstance(t, Parameter):
                    t.grad = None
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    # ---------------------------------------------------------------- state
    def state_dict(self):
        """Ordered dotted name -> numpy array copy, for every parameter and buffer."""
        state = OrderedDict()
        for name, p in self.named_parameters():
            state[name] = np.array(p.data, copy=True)
        for name, b in self.named_buffers():
            state[name] = np.array(b.data, copy=True)
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (or Tensors) from `state_dict` into this module's parameters.

        Everything is checked before anything is written: with `strict`, a missing
        or unexpected key, and always a wrong shape, raises an error listing every
        problem, and the module is left exactly as it was.
        """
        if not isinstance(state_dict, Mapping):
            hint = ""
            if isinstance(state_dict, (str, os.PathLike)):
                hint = f"; to load a file: load_state_dict(mg.load({os.fspath(state_dict)!r}))"
            raise TypeError(f"load_state_dict of {type(self).__name__}: expected a dict of "
                            f"name -> array, got a {type(state_dict).__name__}{hint}")
        own = OrderedDict(self.named_parameters())
        own.update(self.named_buffers())
        incoming = {k: (v.data if isinstance(v, Tensor) else np.asarray(v))
                    for k, v in state_dict.items()}
        missing = [k for k in own if k not in incoming]
        unexpected = [k for k in incoming if k not in own]
        problems = []
        if strict:
            problems += [f"missing key {k!r} (expected shape {own[k].shape})" for k in missing]
            problems += [f"unexpected key {k!r} (shape {incoming[k].shape})" for k in unexpected]
        converted = {}  # every value is converted before any parameter is written
        for k, target in own.items():
            if k not in incoming:
                continue
            if incoming[k].shape != target.shape:
                problems.append(f"shape mismatch for {k!r}: the module has {target.shape}, "
                                f"the state dict has {incoming[k].shape}")
                continue
            try:
                value = np.array(incoming[k], dtype=target.data.dtype, copy=True)
            except (TypeError, ValueError) as exc:
                problems.append(f"cannot convert {k!r} from {incoming[k].dtype} to "
                                f"{target.data.dtype}: {exc}")
                continue
            converted[k] = value[()] if value.ndim == 0 else value  # 0-d: a numpy scalar
        if problems:
            raise RuntimeError(f"load_state_dict of {type(self).__name__} failed; nothing was "
                               f"changed:\n  " + "\n  ".join(problems))
        for k, value in converted.items():
            own[k].data = value
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- repr
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if self._modules:
            for name, child in self._modules.items():
                body = repr(child).replace("\n", "\n  ")
                lines.append(f"  ({name}): {body}")
            return "\n".join(lines) + "\n)"
        return lines[0] + ")"
