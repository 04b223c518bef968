"""minigrad: a small symbolic reverse-mode autodiff framework on numpy.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([2., 4.])
"""
from .tensor import Tensor
from . import ops  # registers the primitives and binds Tensor's methods
from .registry import PRIMITIVES, primitive
from .dtypes import (bool_, float16, float32, float64, get_default_dtype, int32, int64,
                     set_default_dtype)
from .creation import (arange, as_tensor, empty, eye, from_numpy, full, generator, linspace,
                       manual_seed, ones, ones_like, rand, randint, randn, tensor, zeros,
                       zeros_like)
from .functions import *  # noqa: F401,F403  (mg.exp, mg.concat, mg.stack, ...)
from .functions import cat, concat, stack, where, maximum, minimum, broadcast_to
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .scope import current_scope, name_scope
from .roles import mark
from .autograd import backward, grad
from .composite import composite, is_unrolled, unrolled
from .gradcheck import gradcheck, gradgradcheck
from .anomaly import detect_anomaly, is_anomaly_enabled
from .errors import (AnomalyError, GradcheckError, GraphFreedError, MinigradError,
                     ShapeError, ShapeIndexError)

from . import nn
from . import optim
from .io import save, load

from .heap import keep_freed_memory
from .threads import apply_environment, get_num_threads, set_num_threads

keep_freed_memory()  # glibc keeps a freed graph's memory for the next one (see heap.py)
apply_environment()  # MINIGRAD_NUM_THREADS=n: as mg.set_num_threads(n) (see threads.py)

__version__ = "0.1.0"

# Loaded on first use, so that `import minigrad` loads no networkx, graphviz or matplotlib:
# mg.trace (graph capture), mg.bptt (BPTT analysis), mg.render (Graphviz drawing),
# mg.explore (the explorer page).
_LAZY = {"trace": ("minigrad.graph.capture", "trace"),
         "bptt": ("minigrad.graph.bptt", None),
         "render": ("minigrad.viz.render", "render"),
         "explore": ("minigrad.viz.explorer.page", "explore")}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
    import importlib
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
