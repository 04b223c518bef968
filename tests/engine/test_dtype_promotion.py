"""Type promotion with Python numbers follows PyTorch, not numpy."""
import numpy as np

import minigrad as mg


def test_integer_tensor_times_python_float_gives_the_default_dtype():
    assert (mg.arange(3) * 0.5).dtype == np.float32
    assert (0.5 * mg.arange(3)).dtype == np.float32
    assert (mg.tensor([True, False]) * 1.5).dtype == np.float32
    np.testing.assert_array_equal((mg.arange(3) * 0.5).data, [0.0, 0.5, 1.0])


def test_float_tensors_keep_their_dtype_and_ints_stay_ints():
    assert (mg.randn(3) * 0.5).dtype == np.float32
    assert (mg.randn(3, dtype=mg.float64) * 0.5).dtype == np.float64
    assert (mg.arange(3) + 1).dtype == np.int64


def test_default_float64_gives_float64():
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        assert (mg.arange(3) * 0.5).dtype == np.float64
    finally:
        mg.set_default_dtype(previous)
