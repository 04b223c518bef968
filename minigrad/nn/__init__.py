"""Neural-network building blocks, mirroring torch.nn."""
from .parameter import Parameter
from .module import Module
from . import functional
from . import init
from . import utils
from .activation import ReLU, Sigmoid, Tanh
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .conv import Conv1d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .identity import Identity
from .linear import Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .pooling import AvgPool1d, MaxPool1d

# The recurrent layers and cells live in the top-level `models` package, which builds
# on minigrad (minigrad never imports it): say so to a PyTorch user who looks here.
_IN_MODELS = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")


def __getattr__(name):
    """AttributeError for a missing name; for torch.nn's recurrent layers and cells,
    one that says where minigrad keeps them."""
    if name in _IN_MODELS:
        raise AttributeError(
            f"module 'minigrad.nn' has no attribute {name!r}: the recurrent layers and "
            f"cells live in the `models` package beside minigrad: `import models`, then "
            f"models.{name}(...), with torch.nn.{name}'s arguments, shapes and parameter "
            f"names")
    raise AttributeError(f"module 'minigrad.nn' has no attribute {name!r}")
