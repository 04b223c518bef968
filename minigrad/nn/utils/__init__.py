"""Utilities for training modules (as torch.nn.utils)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
