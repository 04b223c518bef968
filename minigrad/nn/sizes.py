"""The check of a size argument (a layer's width, a chunk length), shared by `nn`, `train`
and the recurrent models.

A size is a count: an int or a numpy integer, never a float, a str or a bool (True is
not 1 channel). TypeError names the owner (the class or function the user called), the
argument and what it got, as PyTorch's layers say "hidden_size must be an int".
"""
from numbers import Integral


def is_int(value):
    """An int or a numpy integer, but not a bool: a size is a count, not a flag."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_sizes(owner, minimum=1, **sizes):
    """Every size (argument name -> value) an int >= `minimum`, checked in the order given:
    TypeError for a non-integer, ValueError below the minimum."""
    for name, value in sizes.items():
        if not is_int(value):
            raise TypeError(f"{owner}: {name} must be an int, got a {type(value).__name__} "
                            f"({value!r})")
        if value < minimum:
            raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value}")
