"""Containers, as in torch.nn: `Sequential` runs its modules in order; `ModuleList`,
`ModuleDict` and `ParameterList` register what they hold, so that its parameters are
the owner's (a plain Python list of modules is not seen by `parameters()`)."""
import operator
from collections import OrderedDict
from collections.abc import Mapping

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _position(index, length, owner):
    """An int index (negative counts from the end) as a position in 0..length-1."""
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a {owner} of {length} items")
    return index % length


class Sequential(Module):
    """Chains modules: forward(x) = m_k(...m_1(m_0(x))).

    Sequential(m0, m1, ...) names the children "0", "1", ...; Sequential(OrderedDict(
    [("fc", m0), ...])) uses the dict's names. A slice keeps the children's names.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for module in modules:
                self.append(module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[_position(index, len(items), "Sequential")][1]

    def __setitem__(self, index, module):
        names = list(self._modules)
        self.add_module(names[_position(index, len(names), "Sequential")], module)

    def append(self, module):
        if not isinstance(module, Module):
            hint = ("; pass the modules as separate arguments: Sequential(*modules)"
                    if isinstance(module, (list, tuple)) else "")
            raise TypeError(f"Sequential: module {len(self)} is a {type(module).__name__}, "
                            f"not a Module{hint}")
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class _NumberedItems(Module):
    """What ModuleList and ParameterList share: items registered under the names "0",
    "1", ... in the ordered dict `_items()`, with list indexing, len, iteration,
    append and extend. A slice is a new container, numbered from 0 (as torch)."""

    def __init__(self, items=None):
        super().__init__()
        if items is not None:
            self.extend(items)

    def _items(self):
        raise NotImplementedError

    def _register(self, name, item):
        raise NotImplementedError

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(self._items().values())

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self)[index])
        return self._items()[str(_position(index, len(self), type(self).__name__))]

    def __setitem__(self, index, item):
        self._register(str(_position(index, len(self), type(self).__name__)), item)

    def append(self, item):
        self._register(str(len(self)), item)
        return self

    def extend(self, items):
        for item in items:
            self.append(item)
        return self


class ModuleList(_NumberedItems):
    """A list of modules, registered as the children "0", "1", ... It has no forward:
    the owner decides how to call them."""

    def _items(self):
        return self._modules

    def _register(self, name, module):
        self.add_module(name, module)

    def __repr__(self):
        """As torch: a run of children with the same repr is one line, `(0-2): 3 x ...`."""
        runs = []  # [first index, last index, repr]
        for i, child in enumerate(self):
            text = repr(child)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        if not runs:
            return "ModuleList()"
        lines = [(f"({first}): " if first == last else
                  f"({first}-{last}): {last - first + 1} x ") + text.replace("\n", "\n  ")
                 for first, last, text in runs]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules, registered as children under their keys."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        """Add or replace children from a mapping or from (key, module) pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for key, module in pairs:
            self[key] = module


class ParameterList(_NumberedItems):
    """A list of Parameters, registered as the parameters "0", "1", ... (a plain Tensor
    given to it becomes a Parameter, as in torch)."""

    def _items(self):
        return self._parameters

    def _register(self, name, value):
        setattr(self, name, _as_parameter(value))

    def extra_repr(self):
        return "\n".join(f"  ({name}): Parameter containing: [{p.dtype} of size "
                         f"{'x'.join(map(str, p.shape))}]"
                         for name, p in self._parameters.items())


def _as_parameter(value):
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"ParameterList holds Parameters (or Tensors, made Parameters), got a "
                    f"{type(value).__name__}")
