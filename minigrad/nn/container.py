"""`Sequential`: modules applied one after another."""
from .module import Module


class Sequential(Module):
    """Chains modules: forward(x) = m_k(...m_1(m_0(x))). Children are named "0", "1", ..."""

    def __init__(self, *modules):
        super().__init__()
        for module in modules:
            self.append(module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        if not -len(modules) <= index < len(modules):
            raise IndexError(f"index {index} is out of range for a Sequential of "
                             f"{len(modules)} modules")
        return modules[index]

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
