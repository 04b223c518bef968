"""Small minigrad modules shared by the torch-free tests (test_module_api.py) and the
torch parity tests (test_torch_parity_nn.py, which writes each one's torch twin)."""
import minigrad as mg
from minigrad import nn


class WithBuffer(nn.Module):
    """A parameter, a buffer, then a child: state_dict order is w, running, child.*"""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(mg.zeros(2))
        self.register_buffer("running", mg.zeros(2))
        self.child = nn.Linear(2, 1)


class SharedChildAndBuffer(nn.Module):
    """One child under the names a and b, one tensor as the buffers x and y."""

    def __init__(self):
        super().__init__()
        self.a = self.b = nn.Linear(1, 1)
        buf = mg.zeros(1)
        self.register_buffer("x", buf)
        self.register_buffer("y", buf)


class Tree(nn.Module):
    """Two levels of children, for the order in which apply() visits them."""

    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
        self.b = nn.Tanh()


class WithExtraRepr(nn.Module):
    """Both an extra_repr and a child."""

    def __init__(self):
        super().__init__()
        self.l = nn.Linear(1, 1)

    def extra_repr(self):
        return "k=1"
