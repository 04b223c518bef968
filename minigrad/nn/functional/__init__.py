"""Stateless neural-network functions, mirroring torch.nn.functional."""
from .dropout import dropout
