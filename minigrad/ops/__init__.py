"""All primitives, plus the composite functions built from them.

Importing this package registers every primitive (Tensor's methods, defined in
tensor.py, call them).
"""
from .arithmetic import add, div, mul, neg, pow, pow_const, sub
from .unary import (abs, cast, clip, clone, cos, exp, leaky_relu, log, relu, sigmoid, sin,
                    softplus, sqrt, tanh)
from .shape import expand, permute, reshape, sum_to
from .reductions import amax, amin, argmax, argmin, max, mean, min, sum, var
from .indexing import getitem, scatter_add, scatter_add_many
from .joining import chunk, concat, split, stack
from .linalg import matmul
from .softmax_family import log_softmax, logsumexp, softmax
from .selection import (bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, ge, gt, le,
                        logical_and, logical_not, logical_or, lt, maximum, minimum, ne, where)
