"""`Parameter`: a leaf tensor that a Module registers as one of its weights."""
import numpy as np

from ..creation import to_array
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad and is listed by `Module.parameters()`."""

    __slots__ = ()
    is_parameter = True   # kept in a freed graph's skeleton (minigrad/structure.py)

    def __init__(self, data, requires_grad=True):
        if isinstance(data, Tensor):
            data = data.data
        array = to_array(data)
        if array.dtype.kind != "f":
            array = array.astype(np.float32)
        self.data = array
        self._leaf_init(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
