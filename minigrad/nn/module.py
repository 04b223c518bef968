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

from ..creation import _ragged, as_tensor_data
from ..grad_mode import no_grad
from ..scope import name_scope
from ..source import site_for_module_call
from ..state import PER_THREAD
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
        """Register Parameters and Modules as torch does: re-assigning a registered name
        keeps its place in the listing (Sequential's order); a registered parameter,
        child or buffer only takes a value of its own kind or None (TypeError otherwise)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attribute {name!r}")
        registry = self._registry_for(name, value)
        for other in (self._parameters, self._modules, self._buffers):
            if other is not registry:
                other.pop(name, None)
        if registry is not None:
            registry[name] = value  # an existing key keeps its position
        if isinstance(value, Module):
            object.__setattr__(value, "_scope_name", name)
        object.__setattr__(self, name, value)

    def _registry_for(self, name, value):
        """The ordered dict that `value` goes into under `name` (None: a plain attribute).
        A registered name keeps its kind: only a value of that kind or None may replace it,
        except that a Parameter or a Module may take a buffer's name (torch's rules)."""
        if isinstance(value, Parameter):
            return self._parameters
        if name in self._parameters:
            return self._same_kind_or_none(self._parameters, name, value, (), "parameter",
                                           "minigrad.nn.Parameter")
        if isinstance(value, Module):
            return self._modules
        if name in self._modules:
            return self._same_kind_or_none(self._modules, name, value, (), "child module",
                                           "minigrad.nn.Module")
        if name in self._buffers:
            return self._same_kind_or_none(self._buffers, name, value, Tensor, "buffer",
                                           "minigrad.Tensor")
        return None

    def _same_kind_or_none(self, registry, name, value, kind, what, expected):
        if value is None or isinstance(value, kind):
            return registry
        raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} as "
                        f"{what} {name!r} ({expected} or None expected)")

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register `param` (a Parameter, or None: a parameter slot left empty) as `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: cannot assign a {type(param).__name__} as "
                            f"parameter {name!r} (minigrad.nn.Parameter or None expected)")
        self._parameters[name] = param
        setattr(self, name, param)

    def register_buffer(self, name, tensor):
        """A tensor that is part of the state (saved, loaded) but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None")
        setattr(self, name, tensor)
        self._buffers[name] = tensor

    def add_module(self, name, module):
        """Register `module` (a Module, or None: an empty slot) as the child `name`."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} is a {type(module).__name__}, not a Module")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: a module name must be a non-empty string without "
                           f"'.', got {name!r}")
        if hasattr(self, name) and name not in self._modules:  # e.g. ModuleDict's "keys"
            raise KeyError(f"add_module: attribute {name!r} already exists")
        self._modules[name] = module
        setattr(self, name, module)

    # -------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        state = PER_THREAD.state
        outer_site = state.user_site
        state.user_site = site_for_module_call(self)
        try:
            with name_scope(self._scope_name):
                return self.forward(*args, **kwargs)
        finally:
            state.user_site = outer_site

    # ------------------------------------------------------------ traversal
    # As torch: a module, parameter or buffer reached under several names is listed once,
    # under its first name (remove_duplicate=True); state_dict lists it under every name.
    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and every descendant, in pre-order,
        without recursion."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
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

    def _named_members(self, registry, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, tensor) from the `registry` ("_parameters" or "_buffers") of
        this module, and of every descendant with `recurse`, skipping None."""
        seen = set()
        modules = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, member in getattr(module, registry).items():
                if member is None or remove_duplicate and id(member) in seen:
                    continue
                seen.add(id(member))
                yield (f"{module_name}.{name}" if module_name else name), member

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        for full, param in self._named_members("_parameters", prefix, recurse, remove_duplicate):
            if param.name is None:
                param.name = full
            yield full, param

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def _named_state(self):
        """(dotted name, tensor) in torch's state_dict order: module by module in pre-order,
        each module's parameters then its buffers; shared ones under every name."""
        for module_name, module in self.named_modules(remove_duplicate=False):
            for registry in ("_parameters", "_buffers"):
                yield from module._named_members(registry, module_name, recurse=False,
                                                 remove_duplicate=False)

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
        """fn(m) for every module of each child's subtree, child by child, then fn(self)
        (torch's order), without recursion."""
        stack = [(self, False)]
        while stack:
            module, children_done = stack.pop()
            if children_done:
                fn(module)
            else:
                stack.append((module, True))
                stack.extend((child, False) for child in reversed(list(module.children())))
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
                if isinstance(t, Parameter) and t.grad is not None:  # as torch: converted
                    t.grad = Tensor._constant(t.grad.data.astype(new.dtype))
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    # ---------------------------------------------------------------- state
    def state_dict(self):
        """Ordered dotted name -> numpy array copy, for every parameter and buffer, in
        torch's order and under every name of a shared (tied) one, as torch saves it.

        Unlike torch, whose values share memory with the parameters, these are copies:
        a saved state does not change as training goes on.
        """
        return OrderedDict((name, np.array(t.data, copy=True))
                           for name, t in self._named_state())

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
        own = OrderedDict(self._named_state())
        incoming, unreadable = {}, {}
        for k, v in state_dict.items():
            try:
                incoming[k] = v.data if isinstance(v, Tensor) else np.asarray(v)
            except (TypeError, ValueError) as exc:  # a jagged list, most often
                unreadable[k] = f"{k!r} is not an array: {_ragged(v) or exc}"
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict:
            problems += [f"missing key {k!r} (expected shape {own[k].shape})" for k in missing]
            problems += [f"unexpected key {k!r} (shape {incoming[k].shape})" if k in incoming
                         else f"unexpected key {unreadable[k]}" for k in unexpected]
        converted = {}  # every value is converted before any parameter is written
        for k, target in own.items():
            if k in unreadable:
                problems.append(unreadable[k])
                continue
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
            converted[k] = as_tensor_data(value)
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
        """As torch: `Name(extra)` on one line, else the extra_repr's lines and then
        `(name): child` lines, each indented by two spaces."""
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + repr(child).replace("\n", "\n  ")
                    for name, child in self._modules.items()]
        if not children and len(lines) <= 1:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines + children) + "\n)"
