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
