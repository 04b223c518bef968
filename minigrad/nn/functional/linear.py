"""The affine map y = x W^T + b."""
from ...errors import op_error
from ...tensor import Tensor


def linear(input, weight, bias=None):
    """y = x W^T + b.

    Args:
        input: (*, in_features).
        weight: (out_features, in_features).
        bias: (out_features,) or None.
    Returns:
        (*, out_features).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"linear: input must be a Tensor, got {type(input).__name__}")
    if input.dtype != weight.dtype:  # numpy would promote silently; PyTorch refuses
        raise TypeError(f"linear: input has dtype {input.dtype} but the weight is "
                        f"{weight.dtype}; convert one of them (.float() / .double())")
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise op_error("linear", (input, weight),
                       f"expected an input of shape (*, in_features={weight.shape[-1]}) for "
                       f"the weight {weight.shape}, got {input.shape}")
    out = input @ weight.mT
    return out if bias is None else out + bias
