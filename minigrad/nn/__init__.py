"""Neural-network building blocks, mirroring torch.nn."""
from .parameter import Parameter
from .module import Module
from . import functional
