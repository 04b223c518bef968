"""Central finite differences, the test suite's one numerical gradient (float64)."""
import numpy as np


def central_difference(f, array, eps=1e-6):
    """Gradient of the scalar f() with respect to every entry of `array`, which is
    perturbed in place (and restored)."""
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        saved = array[i]
        array[i] = saved + eps
        plus = f()
        array[i] = saved - eps
        minus = f()
        array[i] = saved
        grad[i] = (plus - minus) / (2 * eps)
    return grad
