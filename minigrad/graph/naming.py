"""What graph capture calls each node: its kind, its name, a summary of its value.

Names come from where the user gave them, in this order: `modules=` (their
`named_parameters()`), the tensor's own `.name` (set by the module tree that named it,
or by the user), the variables of the caller's code that hold the tensor, or the
module held in a variable that owns it; else "parameter" or "input". A state's or a
gate's name is the role its model declared (minigrad/roles.py).
"""
import sys

import numpy as np

from ..source import is_internal_code
from ..tensor import Tensor


def module_names(modules):
    """creation number -> dotted name of every parameter of `modules` (a Module or list)."""
    if modules is None:
        return {}
    if not isinstance(modules, (list, tuple)):
        modules = [modules]
    names = {}
    for module in modules:
        for name, param in module.named_parameters():
            names.setdefault(param._seq, name)
    return names


def caller_names(skip=1):
    """creation number -> name, for the leaves the user's code holds in variables.

    The user's frame is the first one (from `skip` frames up) outside minigrad and
    models. A variable holding a leaf tensor names it ("w"); one holding a module names
    its parameters by their dotted names within it ("weight_hh_l0", "cell.weight").
    Variables are read, never kept.
    """
    frame = sys._getframe(skip)
    while frame is not None and is_internal_code(frame.f_code):
        frame = frame.f_back
    if frame is None:
        return {}
    from ..nn.module import Module
    names, from_modules = {}, {}
    scopes = [frame.f_locals] + ([frame.f_globals] if frame.f_globals is not frame.f_locals
                                  else [])
    for scope in scopes:
        for variable, value in list(scope.items()):
            if variable.startswith("_"):
                continue
            if isinstance(value, Tensor) and value._prim is None:
                names.setdefault(value._seq, variable)
            elif isinstance(value, Module):
                for name, param in value._named_members("_parameters"):
                    from_modules.setdefault(param._seq, name)
    return {**names, **from_modules}


def node_kind(node, ndim):
    """A node's kind: its role's, else op, parameter (a leaf that requires grad), input
    (another floating leaf with ndim > 0: data) or constant (0-d, or not floating: a
    padding mask, indices)."""
    role = getattr(node, "role", None)
    if role is not None:
        return role[0]
    if node._prim is not None:
        return "op"
    if node.requires_grad:
        return "parameter"
    return "input" if ndim > 0 and node.dtype.kind in "fc" else "constant"


def node_name(kind, node, given):
    """The node's name: a role's symbol, a parameter's or input's name, else None."""
    role = getattr(node, "role", None)
    if role is not None:
        return role[1]
    if kind == "parameter":
        return given or "parameter"
    if kind == "input":
        return given or "input"
    return None


def value_summary(node):
    """A summary of the node's value, or None when it has none (a freed skeleton)."""
    data = getattr(node, "data", None)
    if data is None:
        return None
    kind = data.dtype.kind
    if data.size == 1:
        return {"item": data.item()} if kind in "fiub" else None
    if kind != "f" or data.size == 0:
        return None
    return {"norm": float(np.linalg.norm(data)), "mean": float(data.mean())}


def node_label(kind, name, node, value):
    """The short text of the old `label` attribute: the op, the name, a constant's value."""
    if node._prim is not None:
        return node._prim.name
    if kind == "constant":
        if value and "item" in value:
            return f"{value['item']:.4g}"
        return "mask" if node.dtype.kind == "b" else "const"   # a mask: padding, dropout
    return name or kind
