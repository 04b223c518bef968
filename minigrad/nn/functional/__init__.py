"""Stateless neural-network functions, mirroring torch.nn.functional."""
from .activation import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .dropout import dropout
from .linear import linear
from .loss import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss
from .one_hot import one_hot
from .conv import conv1d, pad1d, unfold1d
from .pooling import avg_pool1d, max_pool1d
