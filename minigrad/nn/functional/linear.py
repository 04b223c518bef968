"""The affine map y = x W^T + b."""


def linear(input, weight, bias=None):
    """y = x W^T + b.

    Args:
        input: (*, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.
    Returns:
        (*, out_features).
    """
    if input.dtype != weight.dtype:  # numpy would promote silently; PyTorch refuses
        raise TypeError(f"linear: input has dtype {input.dtype} but the weight is "
                        f"{weight.dtype}; convert one of them (.float() / .double())")
    out = input @ weight.mT
    return out if bias is None else out + bias
