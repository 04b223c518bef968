"""Activations as functions: thin passthroughs to the Tensor methods (stable for large inputs)."""


def softmax(input, dim=-1):
    """exp(x_i - max x) / sum_j exp(x_j - max x) along `dim`."""
    return input.softmax(axis=dim)


def log_softmax(input, dim=-1):
    """x_i - logsumexp(x) along `dim`, computed shifted by the max."""
    return input.log_softmax(axis=dim)


def relu(input):
    return input.relu()


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def leaky_relu(input, negative_slope=0.01):
    """x where x > 0, else negative_slope * x."""
    return input.leaky_relu(negative_slope)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    return input.softplus(beta=beta, threshold=threshold)
