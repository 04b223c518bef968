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
