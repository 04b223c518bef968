"""How minigrad reacts to bad input a user would plausibly give.

The promise: "Bad input gets a clear error, and nothing is lost. Name the op, the
shapes, and where the user created the failing node. A failed load_state_dict
leaves the model untouched. Files are loaded without pickle."

Regular tests record what already keeps that promise (the exception type and the
key words of its message). `xfail(strict=True)` tests record where it is broken
today: a raw numpy/Python error leaking from inside, a message that does not name
the op, module or argument, or a silent wrong result. Each reason says what the
message should contain; when a fix lands the xfail starts passing and strict mode
turns it into a failure, so the marker gets removed with the fix.
"""
import operator
import os
import pathlib
import pickle
import re
import shutil
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
import models
import models.architectures
from minigrad import data as D
from minigrad.train import tbptt_chunks
from minigrad_apps.cli import main as cli_main

HERE = os.path.abspath(__file__)


def bad(reason):
    """Mark a test recording behaviour that breaks the promise today."""
    return pytest.mark.xfail(strict=True, reason=reason)


def state_of(module):
    """name -> (parameter object, copy of its data, dtype) to check a module is untouched."""
    return {name: (p, np.array(p.data, copy=True), p.data.dtype)
            for name, p in module.named_parameters()}


def assert_untouched(module, before):
    after = dict(module.named_parameters())
    assert after.keys() == before.keys()
    for name, (param, data, dtype) in before.items():
        assert after[name] is param
        assert param.data.dtype == dtype
        np.testing.assert_array_equal(param.data, data)


def run_cli(argv, capsys):
    """(exit status, stderr) of `minigrad ARGV` run in this process."""
    try:
        status = cli_main(argv)
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err
    if isinstance(status, str):  # SystemExit("message") prints it and exits with 1
        err, status = err + status, 1
    return status, err


# =============================================================================
# Tensor ops: GOOD
# =============================================================================

@pytest.mark.parametrize("name, op", [("add", operator.add), ("sub", operator.sub),
                                      ("mul", operator.mul), ("div", operator.truediv)])
def test_broadcast_mismatch_names_op_shapes_and_user_line(name, op):
    x, y = mg.randn(2, 3, requires_grad=True), mg.randn(4, 5)
    with pytest.raises(mg.ShapeError) as info:
        op(x, y)
    message = str(info.value)
    assert message.startswith(f"{name}:")
    assert "(2, 3)" in message and "(4, 5)" in message
    assert HERE in message  # "created at <this file>:<line>"


def test_where_broadcast_mismatch_names_where_and_all_shapes():
    with pytest.raises(mg.ShapeError) as info:
        mg.where(mg.ones(2, 3) > 0, mg.ones(2, 3), mg.ones(4, 5))
    message = str(info.value)
    assert message.startswith("where:") and "(4, 5)" in message and HERE in message


def test_matmul_inner_dimensions():
    with pytest.raises(mg.ShapeError, match=r"matmul: \(2, 3\) @ \(4, 2\): inner dimensions "
                                            r"3 and 4 differ"):
        mg.randn(2, 3) @ mg.randn(4, 2)


def test_reshape_to_a_wrong_size():
    with pytest.raises(mg.ShapeError, match=r"reshape.*\(2, 3\).*6 elements.*\(4, 2\)"):
        mg.randn(2, 3).reshape(4, 2)


@pytest.mark.parametrize("index", [5, -3, (slice(None), 7), (0, 0, 0)])
def test_index_out_of_bounds_names_getitem_index_and_shape(index):
    with pytest.raises(mg.MinigradError) as info:
        mg.randn(2, 3)[index]
    assert "getitem" in str(info.value) and "(2, 3)" in str(info.value)


def test_cat_and_stack_with_mismatched_shapes():
    with pytest.raises(mg.ShapeError, match=r"concat:.*\[\(2, 3\), \(2, 4\)\]"):
        mg.cat([mg.ones(2, 3), mg.ones(2, 4)], dim=0)
    with pytest.raises(mg.ShapeError, match=r"stack:.*\[\(2, 3\), \(3, 2\)\]"):
        mg.stack([mg.ones(2, 3), mg.ones(3, 2)])


@pytest.mark.parametrize("fn, name", [(mg.cat, "concat"), (mg.stack, "stack")])
def test_cat_and_stack_of_an_empty_list(fn, name):
    with pytest.raises(ValueError, match=f"{name}: expected a non-empty sequence"):
        fn([])


def test_backward_on_a_non_scalar_says_pass_gradient():
    x = mg.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one element.*\(2, 3\).*gradient="):
        (x * 2).backward()


def test_backward_with_a_gradient_of_the_wrong_shape():
    x = mg.randn(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\).*\(2, 3\)"):
        (x * 2).backward(mg.ones(3))


def test_backward_twice_names_the_op_and_retain_graph():
    x = mg.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(mg.GraphFreedError, match=r"graph of sum.*retain_graph=True"):
        y.backward()


def test_backward_on_a_tensor_without_a_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.randn(3).sum().backward()


def test_grad_of_an_unused_input_says_allow_unused():
    x, z = mg.randn(2, requires_grad=True), mg.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 0 \(shape \(2,\)\).*allow_unused=True"):
        mg.grad((x * 2).sum(), z)


@pytest.mark.parametrize("check", [mg.gradcheck, mg.gradgradcheck])
def test_a_gradient_check_that_checks_nothing_is_refused(check):
    """As torch.autograd.gradcheck: no input requiring grad is a ValueError, not True;
    nor is a function without a floating-point output a pass."""
    name = check.__name__
    with pytest.raises(ValueError, match=f"{name}: none of the inputs requires grad "
                                         r"\(a Tensor of shape \(2,\)\)"):
        check(lambda x: x * 2, (mg.tensor([1.0, 2.0], dtype=mg.float64),))
    with pytest.raises(ValueError, match=f"{name}: none of the inputs requires grad"):
        check(lambda x: x * 2, (mg.tensor([1, 2]),))
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(ValueError, match=f"{name}: fn returned no floating-point Tensor"):
        check(lambda x: x > 0, (x,))
    assert check(lambda x: x * x, (x,)) is True  # the same input, something to check


# minigrad's own filter silences this outside pytest (see test_numerical_stability's
# subprocess test); pytest's per-test warning capture can drop it
@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_a_nan_gradient_or_a_zero_step_fails_the_check_instead_of_passing_it():
    """NaN compared with anything is False: "no element exceeds the tolerance" held for
    a NaN gradient (sqrt at -1) and for eps=0, whose differences are 0/0."""
    x = mg.tensor([-1.0, 4.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"wrong at input element \(0,\).*analytic "
                                                r"nan, numerical nan"):
        mg.gradcheck(lambda x: x.sqrt(), (x,))
    assert mg.gradcheck(lambda x: x.sqrt(), (x,), raise_exception=False) is False
    for eps in (0, -1e-6, float("nan")):
        with pytest.raises(ValueError, match="gradcheck: eps must be a positive finite step"):
            mg.gradcheck(lambda x: x * x, (x,), eps=eps)
    assert mg.gradcheck(lambda x: x * x, (x,), eps=np.float64(1e-6))


def test_torch_fails_a_nan_gradient_too():
    torch = pytest.importorskip("torch")
    x = torch.tensor([-1.0, 4.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):  # its GradcheckError
        torch.autograd.gradcheck(torch.sqrt, (x,))


def test_gradcheck_of_nothing_is_refused_by_torch_too():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        torch.autograd.gradcheck(lambda x: x * 2, (torch.tensor([1.0, 2.0]),))


def test_manual_seed_takes_torchs_range_and_reads_negative_seeds_modulo_2_64():
    draws = {}
    for seed in (-1, 2**64 - 1, -2**63, 2**63, 0):
        mg.manual_seed(seed)
        draws[seed] = mg.randn(3).numpy()
    np.testing.assert_array_equal(draws[-1], draws[2**64 - 1])
    np.testing.assert_array_equal(draws[-2**63], draws[2**63])
    assert not np.array_equal(draws[-1], draws[0])
    for seed in (2**64, -2**63 - 1):
        with pytest.raises(ValueError, match=r"manual_seed: seed must be in \[-2\*\*63, "
                                             r"2\*\*64\)"):
            mg.manual_seed(seed)
    for seed, kind in ((1.5, "float"), ("3", "str"), (None, "NoneType")):
        with pytest.raises(TypeError, match=f"manual_seed: seed must be an int, got {kind}"):
            mg.manual_seed(seed)
    mg.manual_seed(0)


def test_torch_reads_a_negative_seed_modulo_2_64_too():
    torch = pytest.importorskip("torch")
    generator = torch.Generator()
    assert generator.manual_seed(-1).initial_seed() == 2**64 - 1
    assert generator.manual_seed(-2**63).initial_seed() == 2**63
    with pytest.raises((RuntimeError, ValueError)):
        generator.manual_seed(2**64)


@pytest.mark.parametrize("make", [lambda: mg.tensor([1, 2], requires_grad=True),
                                  lambda: mg.arange(3, requires_grad=True),
                                  lambda: mg.zeros(2, dtype=mg.int64, requires_grad=True)])
def test_requires_grad_on_an_int_tensor(make):
    with pytest.raises(TypeError, match="only floating point tensors can require gradients"
                       ".*int64"):
        make()


@pytest.mark.parametrize("data, kind", [(None, "NoneType"), ({"a": 1}, "dict"),
                                        ((i for i in range(3)), "generator")])
def test_tensor_of_non_numeric_python_data(data, kind):
    with pytest.raises(TypeError, match=f"tensor: cannot make a tensor from {kind} data"):
        mg.tensor(data)


@pytest.mark.parametrize("call, op", [(lambda x: x.sum(dim=3), "sum"),
                                      (lambda x: x.mean(5), "mean"),
                                      (lambda x: F.softmax(x, dim=4), "softmax")])
def test_reduction_over_a_dim_out_of_range(call, op):
    with pytest.raises(mg.ShapeError, match=f"{op}: axis .* out of bounds.*dimension 2"):
        call(mg.randn(2, 3))


@pytest.mark.parametrize("call, op", [(lambda x: x.transpose(0, 4), "transpose"),
                                      (lambda x: x.squeeze(5), "squeeze"),
                                      (lambda x: x.unsqueeze(5), "unsqueeze")])
def test_shape_op_dim_out_of_range_is_an_index_error_naming_the_shape(call, op):
    with pytest.raises(IndexError, match=rf"{op}: dimension .* out of range.*\(2, 3\)"):
        call(mg.randn(2, 3))


def test_item_of_a_non_scalar():
    with pytest.raises(ValueError, match=r"item: only one-element.*\(2, 3\)"):
        mg.randn(2, 3).item()


def test_tensor_to_a_gpu_device():
    with pytest.raises(ValueError, match="CPU only.*cuda"):
        mg.randn(2).to("cuda")


# =============================================================================
# Tensor ops: GOOD since the fixes (each was a strict xfail here)
# =============================================================================

def test_iterating_a_tensor_stops_at_its_length():
    rows = [row.shape for row in mg.randn(2, 3)]
    assert rows == [(3,), (3,)]
    assert [float(v) for v in mg.arange(3.0)] == [0.0, 1.0, 2.0]
    a, b = mg.randn(2, 3)
    assert a.shape == b.shape == (3,)
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(mg.tensor(1.0))
    with pytest.raises(IndexError, match=r"getitem: index 2 .*\(2, 3\)") as info:
        mg.randn(2, 3)[2]
    # one exception, catchable as Python's IndexError or as minigrad's shape error
    assert isinstance(info.value, mg.ShapeIndexError) and isinstance(info.value, mg.ShapeError)


def test_numpy_asarray_of_a_tensor():
    x = mg.randn(2, 3)
    array = np.asarray(x)
    assert array.dtype == np.float32
    np.testing.assert_array_equal(array, x.numpy())
    assert np.asarray(x, dtype=np.float64).dtype == np.float64


def test_tensor_of_ragged_lists_names_tensor():
    with pytest.raises(ValueError) as info:
        mg.tensor([[1, 2, 3], [4, 5]])
    assert "tensor" in str(info.value)
    assert str(info.value).startswith("tensor: rows have different lengths: expected a "
                                      "sequence of length 3 at dim 1, got a sequence of "
                                      "length 2")


@pytest.mark.parametrize("op, name, other", [(operator.add, "add", None),
                                             (operator.mul, "mul", "abc"),
                                             (lambda x, y: y + x, "add", None)])
def test_arithmetic_with_a_non_number_names_the_op(op, name, other):
    x = mg.randn(2, 3, requires_grad=True)
    with pytest.raises(TypeError, match=name) as info:
        op(x, other)
    assert str(info.value).startswith(f"{name}: unsupported operand type")
    assert f"'{type(other).__name__}'" in str(info.value) and HERE in str(info.value)


def test_cat_given_tensors_as_separate_arguments():
    a = mg.randn(2, 3)
    with pytest.raises(TypeError, match=r"(cat|concat).*(list|sequence)"):
        mg.cat(a, a)


@pytest.mark.parametrize("fn", [mg.cat, mg.stack])
def test_cat_and_stack_with_a_dim_out_of_range(fn):
    with pytest.raises(IndexError, match="out of range") as info:
        fn([mg.ones(2, 3), mg.ones(2, 3)], dim=5)
    assert re.match(r"(concat|stack): dimension 5 is out of range", str(info.value))


@pytest.mark.parametrize("call, name", [(lambda x: x.split(0), "split"),
                                        (lambda x: x.chunk(0), "chunk")])
def test_split_and_chunk_by_zero(call, name):
    with pytest.raises((ValueError, RuntimeError), match=name) as info:
        call(mg.randn(2, 3))
    assert re.match(rf"{name}: .* at least 1, got 0", str(info.value))


@pytest.mark.parametrize("index", [1.0, [0.0, 1.0]])
def test_indexing_with_floats_says_integers(index):
    with pytest.raises((IndexError, TypeError, ValueError)) as info:
        mg.randn(2, 3)[index]
    assert "integer" in str(info.value)
    assert str(info.value).startswith("getitem: indices must be integers")


@pytest.mark.parametrize("data, word", [("abc", "str"), (["a", "b"], "str"),
                                        (np.array([1.0, 2.0], dtype=object), "object")])
def test_tensor_of_strings_or_objects_is_refused(data, word):
    with pytest.raises(TypeError, match=word):
        mg.tensor(data)


@pytest.mark.parametrize("make", [lambda: mg.tensor([1.0], dtype="float33"),
                                  lambda: mg.zeros(2, dtype="flaot32")])
def test_unknown_dtype_name_names_dtype(make):
    with pytest.raises(TypeError) as info:
        make()
    assert "dtype" in str(info.value)
    assert re.match(r"(tensor|zeros): dtype='\w+' is not a dtype; did you mean 'float32'",
                    str(info.value))


def test_grad_of_a_non_leaf_warns_about_retain_grad():
    x = mg.randn(3, requires_grad=True)
    h = x * 2
    h.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grad = h.grad
    assert grad is None
    assert any("retain_grad" in str(w.message) for w in caught)
    assert all(w.category is UserWarning and w.filename == HERE for w in caught)


# =============================================================================
# nn: GOOD
# =============================================================================

def test_embedding_ids_out_of_range_and_float_ids():
    emb = nn.Embedding(10, 4)
    with pytest.raises(IndexError, match=r"Embedding: ids must lie in \[0, 10\).*\[1, 10\]"):
        emb(mg.tensor([1, 10]))
    with pytest.raises(IndexError, match=r"Embedding.*\[-1, -1\]"):
        emb(mg.tensor([-1]))
    with pytest.raises(TypeError, match="Embedding: expected integer ids, got dtype float32"):
        emb(mg.tensor([1.0, 2.0]))


def test_linear_with_a_float64_or_int_input_names_linear_and_both_dtypes():
    lin = nn.Linear(4, 3)
    with pytest.raises(TypeError, match="linear: input has dtype float64 but "
                                        "the weight is float32"):
        lin(mg.randn(2, 4, dtype=mg.float64))
    with pytest.raises(TypeError, match="linear: input has dtype int64"):
        lin(mg.tensor([[1, 2, 3, 4]]))


@pytest.mark.parametrize("shape", [(2, 4, 10), (2, 10, 3)])  # wrong channels; (N, L, C)
def test_conv1d_with_wrong_channels(shape):
    with pytest.raises(ValueError, match=r"conv1d: the weight \(5, 3, 3\) expects 3 input "
                                         r"channels"):
        nn.Conv1d(3, 5, 3)(mg.randn(*shape))


@pytest.mark.parametrize("layer, x", [(nn.Conv1d(3, 5, 3), (2, 3, 2)),
                                      (nn.MaxPool1d(5), (1, 2, 3)),
                                      (nn.AvgPool1d(5), (1, 2, 3))])
def test_input_shorter_than_the_kernel_gives_both_lengths(layer, x):
    with pytest.raises(ValueError, match=rf"length {x[-1]} .*shorter than the kernel's span"):
        layer(mg.randn(*x))


def test_cross_entropy_target_checks():
    logits = mg.randn(4, 3, requires_grad=True)
    with pytest.raises(IndexError, match="nll_loss: target 3 is out of bounds for 3 classes"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2, 3]))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2, -1]))
    with pytest.raises(ValueError, match=r"expected a target of shape \(4,\).*got \(2,\)"):
        F.cross_entropy(logits, mg.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"expected a target of shape \(4,\).*got \(4, 1\)"):
        F.cross_entropy(logits, mg.tensor([[0], [1], [2], [0]]))


def test_cross_entropy_float_targets_of_the_wrong_shape():
    logits = mg.randn(4, 3)
    with pytest.raises(ValueError, match=r"probability targets must have the input's shape "
                                         r"\(4, 3\), got \(4, 5\)"):
        F.cross_entropy(logits, mg.rand(4, 5))
    with pytest.raises(ValueError, match=r"got \(4,\).*integer target"):
        F.cross_entropy(logits, mg.tensor([0.0, 1.0, 2.0, 0.0]))


def test_bce_and_reduction_checks():
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target shape "
                                         r"\(4,\) differs from input shape \(4, 1\)"):
        F.binary_cross_entropy_with_logits(mg.randn(4, 1), mg.rand(4))
    with pytest.raises(ValueError, match="reduction must be one of.*'avg'"):
        F.mse_loss(mg.randn(4), mg.randn(4), reduction="avg")


def test_one_hot_and_dropout_arguments():
    with pytest.raises(ValueError, match=r"one_hot: indices must lie in \[0, 3\)"):
        F.one_hot(mg.tensor([0, 5]), 3)
    with pytest.raises(TypeError, match="one_hot: indices must be integers"):
        F.one_hot(mg.tensor([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match="dropout probability.*1.5"):
        nn.Dropout(1.5)


def _mlp():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


def _edit(state, drop=(), **replace):
    """A copy of `state` without the keys in `drop`, with `replace` ({key: array}) applied."""
    state = {k: v for k, v in state.items() if k not in drop}
    state.update(replace)
    return state


@pytest.mark.parametrize("change, words", [
    ({"0.weight": np.zeros((3, 3))}, ["shape mismatch for '0.weight'", "(3, 2)", "(3, 3)"]),
    # a valid new 0.weight next to a missing 2.bias: nothing may be written
    ({"drop": ["2.bias"], "0.weight": np.ones((3, 2))}, ["missing key '2.bias'"]),
    ({"extra": np.ones(2)}, ["unexpected key 'extra'"]),
    ({"0.weight": np.full((3, 2), "a")}, ["cannot convert '0.weight'", "float32"]),
    # a jagged list: numpy's "inhomogeneous shape" named no key
    ({"0.weight": [[1.0, 2.0], [3.0], [4.0, 5.0]]},
     ["'0.weight' is not an array", "rows have different lengths", "at dim 1"]),
    ({"extra": [[1.0], [2.0, 3.0]]}, ["unexpected key 'extra' is not an array"]),
])
def test_failed_load_state_dict_lists_the_problem_and_leaves_the_model_untouched(change, words):
    model = _mlp()
    before = state_of(model)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(_edit(model.state_dict(), **change))
    message = str(info.value)
    assert "load_state_dict of Sequential failed; nothing was changed" in message
    for word in words:
        assert word in message
    assert_untouched(model, before)


def test_load_state_dict_of_a_nested_checkpoint_lists_keys_and_changes_nothing():
    model = _mlp()
    before = state_of(model)
    with pytest.raises(RuntimeError, match=r"missing key '0.weight'.*unexpected key 'model'"
                                           r"|unexpected key 'model'"):
        model.load_state_dict({"model": model.state_dict(), "optim": {}})
    assert_untouched(model, before)


def test_load_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        mg.load(path)


def test_load_of_a_single_npy(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match=r"load: .*a\.npy is a single \.npy array"):
        mg.load(path)


class _TouchOnUnpickle:
    """Unpickling this creates `path`: proof that something was unpickled."""

    def __init__(self, path):
        self.path = pathlib.Path(path)

    def __reduce__(self):
        return (pathlib.Path.touch, (self.path,))


def test_load_of_an_npz_with_object_arrays_refuses_without_unpickling(tmp_path):
    marker = tmp_path / "unpickled"
    path = tmp_path / "evil.npz"
    np.savez(path, fine=np.ones(2), evil=np.array([_TouchOnUnpickle(marker)], dtype=object))
    assert not marker.exists()
    with pytest.raises(ValueError, match=r"entry 'evil'.*pickled Python objects.*refused"):
        mg.load(path)
    assert not marker.exists()


def test_save_of_an_object_array_is_refused(tmp_path):
    with pytest.raises(TypeError, match="save: 'a' holds Python objects"):
        mg.save({"a": np.array([None])}, tmp_path / "o.npz")
    assert not list(tmp_path.iterdir())  # no partial file left behind


def test_optimizer_arguments():
    params = list(_mlp().parameters())
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="invalid SGD option: lr=-1"):
        mg.optim.SGD(params, lr=-1)
    with pytest.raises(ValueError, match=r"invalid Adam option: lr=-1"):
        mg.optim.Adam(params, lr=-1)
    with pytest.raises(ValueError, match=r"invalid Adam option.*betas=\(1.5, 0.9\)"):
        mg.optim.Adam(params, betas=(1.5, 0.9))
    with pytest.raises(TypeError, match="leaf Tensors"):
        mg.optim.SGD([1, 2], lr=0.1)
    with pytest.raises(TypeError, match="got a Tensor"):
        mg.optim.SGD(params[0], lr=0.1)


def test_optimizer_load_state_dict_of_another_model_changes_nothing():
    small, big = nn.Linear(2, 3), nn.Linear(4, 3)
    opts = []
    for model, lr in ((small, 0.1), (big, 0.5)):
        opt = mg.optim.Adam(model.parameters(), lr=lr)
        model(mg.randn(1, model.in_features)).sum().backward()
        opt.step()
        opts.append(opt)
    before = {k: np.array(v, copy=True) for k, v in opts[0].state[small.weight].items()
              if isinstance(v, np.ndarray)}
    with pytest.raises(ValueError, match=r"(?s)nothing was loaded.*'exp_avg' has shape \(3, 4\)"):
        opts[0].load_state_dict(opts[1].state_dict())
    assert opts[0].param_groups[0]["lr"] == 0.1
    for key, value in before.items():
        np.testing.assert_array_equal(opts[0].state[small.weight][key], value)


def test_module_attribute_before_super_init():
    class Model(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) before assigning "
                                             r"attribute 'layer'"):
        Model()


# =============================================================================
# nn: BAD
# =============================================================================

@pytest.mark.parametrize("args, words", [
    (lambda: ([nn.Linear(2, 3), nn.Linear(3, 1)],),
     r"Sequential: module 0 is a list, not a Module; .*Sequential\(\*modules\)"),
    (lambda: (nn.Linear(2, 2), lambda x: x), "Sequential: module 1 is a function, not a Module")])
def test_sequential_refuses_what_is_not_a_module(args, words):
    with pytest.raises(TypeError, match=words):
        nn.Sequential(*args())


def test_mse_loss_with_mismatched_shapes_warns_or_raises():
    # as PyTorch: a UserWarning (attributed to the user's line), the broadcast result kept
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        F.mse_loss(mg.randn(4, 1), mg.randn(4))
    [warning] = caught
    assert warning.category is UserWarning and warning.filename == HERE
    assert re.search(r"mse_loss: .*target size \(4,\).*input size \(4, 1\).*broadcasting",
                     str(warning.message))


def test_module_to_a_device_string():
    model = nn.Linear(2, 2)
    assert model.to("cpu") is model
    before = state_of(model)
    with pytest.raises(ValueError, match="CPU only.*'cuda'"):
        model.to("cuda")
    assert_untouched(model, before)
    assert model.to("cpu", mg.float64).weight.dtype == mg.float64


def test_linear_with_wrong_input_features_names_linear():
    with pytest.raises(mg.ShapeError) as info:
        nn.Linear(4, 3)(mg.randn(2, 5))
    message = str(info.value)
    assert message.startswith("linear: expected an input of shape (*, in_features=4)")
    assert "(2, 5)" in message and "(3, 4)" in message and HERE in message


def test_load_state_dict_given_a_path():
    model = _mlp()
    before = state_of(model)
    with pytest.raises(TypeError, match=r"load_state_dict of Sequential: .*got a str; .*"
                                        r"mg\.load\('model\.npz'\)"):
        model.load_state_dict("model.npz")
    assert_untouched(model, before)


def _text_file(path):
    path.write_text("hello world\n")


def _empty_file(path):
    path.write_bytes(b"")


def _truncated_npz(path):
    mg.save({"w": np.ones((20, 20))}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _pickle_file(path):
    path.write_bytes(pickle.dumps({"weight": [1.0, 2.0]}))


@pytest.mark.parametrize("write", [_text_file, _pickle_file, _empty_file, _truncated_npz])
def test_load_of_a_file_that_is_not_an_npz_names_the_path(tmp_path, write):
    path = tmp_path / "weights.npz"
    write(path)
    with pytest.raises(ValueError) as info:
        mg.load(path)
    assert str(info.value).startswith(f"load: {path} is not an .npz archive")
    assert "allow_pickle" not in str(info.value)


def test_load_of_a_pytorch_zip_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"weight": 1}))
        archive.writestr("archive/version", b"3\n")
    with pytest.raises(ValueError, match=rf"load: {re.escape(str(path))} is not an \.npz "
                                         r"archive: its entry 'archive/data\.pkl' is not a "
                                         r"\.npy array"):
        mg.load(path)


@pytest.mark.parametrize("make, words", [
    (lambda: nn.Conv1d(3, 5, 0)(mg.randn(1, 3, 10)), "Conv1d: kernel_size must be at least 1"),
    (lambda: nn.Conv1d(3, 5, 3, stride=0)(mg.randn(1, 3, 10)), "Conv1d: stride must be at least"),
    (lambda: nn.MaxPool1d(0)(mg.randn(1, 2, 3)), "max_pool1d: kernel_size must be at least 1"),
    (lambda: F.avg_pool1d(mg.randn(1, 2, 3), 2, stride=0), "avg_pool1d: stride must be at least")])
def test_conv_and_pool_with_zero_sizes(make, words):
    with pytest.raises(ValueError, match=f"{words}.*got 0"):
        make()


@pytest.mark.parametrize("layer, x, name", [(nn.Conv1d(3, 5, 3), (2, 3, 2), "conv1d"),
                                            (nn.MaxPool1d(5), (1, 2, 3), "max_pool1d"),
                                            (nn.AvgPool1d(5), (1, 2, 3), "avg_pool1d")])
def test_input_shorter_than_the_kernel_names_the_op(layer, x, name):
    with pytest.raises(ValueError, match=f"^{name}: the input .*shorter than the kernel"):
        layer(mg.randn(*x))


def test_linear_on_a_list():
    with pytest.raises(TypeError, match="linear: input must be a Tensor, got list"):
        nn.Linear(4, 3)([[1.0, 2.0, 3.0, 4.0]])


def test_optimizer_load_state_dict_given_a_model_state_dict():
    model = _mlp()
    opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(mg.randn(1, 2)).sum().backward()
    opt.step()
    before = opt.state_dict()
    with pytest.raises(ValueError, match=r"load_state_dict of SGD: .*keys 'state' and "
                                         r"'param_groups'; got keys \['0.weight'"):
        opt.load_state_dict(model.state_dict())
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for number, entries in before["state"].items():
        np.testing.assert_array_equal(after["state"][number]["momentum_buffer"],
                                      entries["momentum_buffer"])


def test_optimizer_given_a_module():
    with pytest.raises(TypeError, match=r"SGD: params is a Sequential \(a Module\).*"
                                        r"model\.parameters\(\)"):
        mg.optim.SGD(_mlp(), lr=0.1)


@pytest.mark.parametrize("target", [mg.tensor([0, 1, 2, 0]), mg.rand(4, 3)])
def test_cross_entropy_with_a_weight_of_the_wrong_length(target):
    with pytest.raises(ValueError, match=r"cross_entropy: weight should be defined either for "
                                         r"all 3 classes or no classes.*\(5,\)"):
        F.cross_entropy(mg.randn(4, 3), target, weight=mg.ones(5))


def test_module_to_an_integer_dtype():
    model = nn.Linear(2, 2)
    before = state_of(model)
    with pytest.raises(TypeError, match="Linear.to only accepts floating point dtypes, "
                                        "got int64"):
        model.to(mg.int64)
    assert_untouched(model, before)


# =============================================================================
# models: GOOD
# =============================================================================

def test_lstm_input_checks():
    lstm = models.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"LSTM: input has feature size 4.*input_size=3"):
        lstm(mg.randn(5, 2, 4))
    with pytest.raises(ValueError, match=r"LSTM: input must be 3-D.*\(5, 2, 3, 1\)"):
        lstm(mg.randn(5, 2, 3, 1))
    with pytest.raises(TypeError, match="LSTM: input must be a Tensor, got ndarray"):
        lstm(np.ones((5, 2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="LSTM: input has dtype float64 but the parameters "
                                        "are float32"):
        lstm(mg.randn(5, 2, 3, dtype=mg.float64))


def test_lstm_hx_checks():
    lstm, x = models.LSTM(3, 4), mg.randn(5, 2, 3)
    with pytest.raises(ValueError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        lstm(x, mg.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"hx \(h_0\) has shape \(1, 3, 4\), expected "
                                         r"\(1, 2, 4\)"):
        lstm(x, (mg.zeros(1, 3, 4), mg.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match=r"hx \(h_0\) has shape \(2, 4\)"):
        lstm(x, (mg.zeros(2, 4), mg.zeros(2, 4)))


@pytest.mark.parametrize("lengths, words", [
    ([0, 5], r"lengths must be in \[1, L=5\]; got 0 for sequence 0"),
    ([6, 5], r"got 6 for sequence 0"),
    ([-1, 5], r"got -1 for sequence 0"),
    ([5], r"lengths must be 2 integers.*got shape \(1,\)"),
    ([5.0, 3.0], r"lengths must be 2 integers.*dtype float64"),
    ([[5], [3]], r"got shape \(2, 1\)"),
])
def test_lstm_lengths_checks(lengths, words):
    with pytest.raises(ValueError) as info:
        models.LSTM(3, 4)(mg.randn(5, 2, 3), lengths=lengths)
    assert str(info.value).startswith("LSTM: ")
    assert re.search(words, str(info.value))


def test_lengths_on_unbatched_input_and_batch_first_count():
    with pytest.raises(ValueError, match="LSTM: lengths needs batched"):
        models.LSTM(3, 4)(mg.randn(5, 3), lengths=[5])
    # batch_first=True given a time-major (L=5, N=2) input reads N=5: lengths for 2 say so
    with pytest.raises(ValueError, match=r"lengths must be 5 integers.*got shape \(2,\)"):
        models.LSTM(3, 4, batch_first=True)(mg.randn(5, 2, 3), lengths=[5, 3])


def test_bidirectional_arguments():
    with pytest.raises(ValueError, match=r"Bidirectional: merge_mode must be one of "
                                         r"\('concat', 'sum', 'mul', 'ave'\), got 'average'"):
        models.Bidirectional(models.LSTM(3, 4), merge_mode="average")
    with pytest.raises(ValueError, match="Bidirectional: the wrapped layer must be "
                                         "unidirectional"):
        models.Bidirectional(models.LSTM(3, 4, bidirectional=True))


@pytest.mark.parametrize("hx", [lambda: (mg.zeros(1, 2, 4),),
                                lambda: (mg.zeros(1, 2, 4), mg.zeros(1, 2, 4))])
def test_gru_hx_given_as_a_tuple(hx):
    with pytest.raises(ValueError, match=r"GRU: hx \(h_0\) has shape tuple, expected "
                                         r"\(1, 2, 4\)"):
        models.GRU(3, 4)(mg.randn(5, 2, 3), hx())


def test_recurrent_constructor_arguments():
    with pytest.raises(ValueError, match="LSTM: hidden_size must be >= 1, got 0"):
        models.LSTM(3, 0)
    with pytest.raises(ValueError, match="LSTMCell: input_size must be >= 1, got 0"):
        models.LSTMCell(0, 4)
    with pytest.raises(ValueError, match="LSTM: num_layers must be >= 1, got 0"):
        models.LSTM(3, 4, num_layers=0)
    with pytest.raises(ValueError, match=r"LSTM: dropout must be in \[0, 1\), got 1.0"):
        models.LSTM(3, 4, dropout=1.0)
    with pytest.raises(ValueError, match="RNNCell: nonlinearity must be 'tanh' or 'relu'"):
        models.RNN(3, 4, nonlinearity="sigmoid")


def _jordan_cell(**sizes):
    return models.JordanCell(**{"input_size": 3, "hidden_size": 4, "output_size": 2, **sizes})


def _jordan(**sizes):
    return models.JordanRNN(**{"input_size": 3, "hidden_size": 4, "output_size": 2, **sizes})


def _layer(kind):
    return lambda **sizes: kind(**{"input_size": 3, "hidden_size": 4, **sizes})


def _arch(name, **defaults):
    return lambda **sizes: getattr(models.architectures, name)(**{**defaults, **sizes})


# every size argument of every layer, cell and architecture (the owner the user called)
SIZE_ARGUMENTS = [
    *[(kind.__name__, _layer(kind), arg)
      for kind in (models.RNN, models.LSTM, models.GRU)
      for arg in ("input_size", "hidden_size", "num_layers")],
    *[(kind.__name__, _layer(kind), arg)
      for kind in (models.RNNCell, models.LSTMCell, models.GRUCell)
      for arg in ("input_size", "hidden_size")],
    ("LSTM", _layer(models.LSTM), "proj_size"),
    ("LSTMCell", _layer(models.LSTMCell), "proj_size"),
    *[("JordanCell", _jordan_cell, arg) for arg in ("input_size", "hidden_size", "output_size")],
    *[("JordanRNN", _jordan, arg) for arg in ("input_size", "hidden_size", "output_size")],
    *[("AdditiveAttention", _arch("AdditiveAttention", query_size=3, key_size=3, hidden_size=4),
       arg) for arg in ("query_size", "key_size", "hidden_size")],
    *[("SequenceClassifier", _arch("SequenceClassifier", vocab_size=5, input_size=3,
                                   hidden_size=4, num_classes=2), arg)
      for arg in ("vocab_size", "input_size", "hidden_size", "num_classes", "num_layers")],
    *[("SequenceTagger", _arch("SequenceTagger", vocab_size=5, input_size=3, hidden_size=4,
                               num_tags=2), arg)
      for arg in ("vocab_size", "input_size", "hidden_size", "num_tags", "num_layers")],
    *[("Conv1dClassifier", _arch("Conv1dClassifier", vocab_size=5, embedding_dim=3,
                                 num_filters=4, num_classes=2), arg)
      for arg in ("vocab_size", "embedding_dim", "num_filters", "num_classes", "kernel_size",
                  "pool_size")],
    *[("SequenceGenerator", _arch("SequenceGenerator", vocab_size=5, embedding_dim=3,
                                  hidden_size=4), arg)
      for arg in ("vocab_size", "embedding_dim", "hidden_size", "num_layers", "context_size")],
    *[("Encoder", _arch("Encoder", vocab_size=5, embedding_dim=3, hidden_size=4), arg)
      for arg in ("vocab_size", "embedding_dim", "hidden_size", "num_layers")],
    *[(name, _arch(name, src_vocab=5, tgt_vocab=6, embedding_dim=3, hidden_size=4), arg)
      for name in ("Seq2Seq", "AttentionSeq2Seq")
      for arg in ("src_vocab", "tgt_vocab", "embedding_dim", "hidden_size", "num_layers")],
]


def _tbptt_chunks(k):
    return list(tbptt_chunks(mg.randn(5, 2, 3), k=k))


SIZE_ARGUMENTS.append(("tbptt_chunks", _tbptt_chunks, "k"))
# the engine's layers, which allow a size of 0 as PyTorch's do (an empty Linear)
ZERO_SIZE_ARGUMENTS = [
    *[("Linear", lambda **sizes: nn.Linear(**{"in_features": 3, "out_features": 2, **sizes}),
       arg) for arg in ("in_features", "out_features")],
    *[("Embedding", lambda **sizes: nn.Embedding(**{"num_embeddings": 5, "embedding_dim": 3,
                                                   **sizes}), arg)
      for arg in ("num_embeddings", "embedding_dim")],
]
OPTIONAL_SIZES = ("pool_size", "context_size", "vocab_size")  # None: there is none
NOT_INTS = [(value, kind, owner, make, arg)
            for value, kind in [(2.5, "float"), ("4", "str"), (True, "bool"), (None, "NoneType")]
            for owner, make, arg in SIZE_ARGUMENTS + ZERO_SIZE_ARGUMENTS
            if not (value is None and arg in OPTIONAL_SIZES)]


@pytest.mark.parametrize("owner, make, arg", ZERO_SIZE_ARGUMENTS,
                         ids=[f"{o}-{a}" for o, _, a in ZERO_SIZE_ARGUMENTS])
def test_an_engine_layer_takes_a_size_of_0_and_names_a_negative_one(owner, make, arg):
    make(**{arg: 0})
    with pytest.raises(ValueError, match=f"{owner}: {arg} must be >= 0, got -1"):
        make(**{arg: -1})


@pytest.mark.parametrize("value, kind, owner, make, arg", NOT_INTS,
                         ids=[f"{owner}-{arg}-{kind}" for _, kind, owner, _, arg in NOT_INTS])
def test_a_size_that_is_not_an_int_names_the_model_and_the_argument(value, kind, owner, make,
                                                                     arg):
    """As PyTorch: "hidden_size should be of type int"; not numpy's "'float' object
    cannot be interpreted as an integer" from inside. A bool is refused too (nn.Linear
    refuses it; torch lets True through as 1 in LSTM and GRU only)."""
    with pytest.raises(TypeError, match=f"{owner}: {arg} must be an int, got a {kind}"):
        make(**{arg: value})


@pytest.mark.parametrize("owner, make, arg",
                         [row for row in SIZE_ARGUMENTS if row[2] != "proj_size"],
                         ids=[f"{o}-{a}" for o, _, a in SIZE_ARGUMENTS if a != "proj_size"])
def test_a_size_below_1_names_the_model_and_the_argument(owner, make, arg):
    with pytest.raises(ValueError, match=f"{owner}: {arg} must be >= 1, got 0"):
        make(**{arg: 0})


def test_numpy_integers_are_sizes():
    layer = models.LSTM(np.int64(3), np.int32(4), num_layers=np.int64(2), proj_size=np.int8(2))
    assert layer(mg.randn(5, 1, 3))[0].shape == (5, 1, 2)


def test_vocab_size_none_means_feature_vectors_not_a_missing_size():
    model = models.architectures.SequenceTagger(None, 3, 4, 2)
    assert model(mg.randn(2, 5, 3)).shape == (2, 5, 2)
    with pytest.raises(TypeError, match="Encoder: vocab_size must be an int, got a NoneType"):
        models.architectures.Encoder(None, 3, 4)


@pytest.mark.parametrize("value", ["0.1", None, True, float("nan"), 1.0])
def test_a_dropout_that_is_not_a_probability_names_the_layer(value):
    for arg in ("dropout", "recurrent_dropout"):
        with pytest.raises(ValueError, match=rf"LSTM: {arg} must be in \[0, 1\), got "
                                             rf"{re.escape(repr(value))}"):
            models.LSTM(3, 4, **{arg: value})


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_torch_names_a_float_or_str_size_as_we_do(kind):
    torch = pytest.importorskip("torch")
    for value, name in ((2.5, "float"), ("4", "str")):
        with pytest.raises(TypeError, match=f"hidden_size should be of type int, got: {name}"):
            getattr(torch.nn, kind)(3, value)
        with pytest.raises(TypeError, match=f"{kind}: hidden_size must be an int, got a {name}"):
            getattr(models, kind)(3, value)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_mg_nn_lstm_says_the_recurrent_layers_live_in_models(name):
    with pytest.raises(AttributeError, match=rf"module 'minigrad.nn' has no attribute "
                                             rf"'{name}'.*`import models`.*models\.{name}\("):
        getattr(nn, name)
    assert not hasattr(nn, name) and hasattr(models, name)
    with pytest.raises(AttributeError, match=r"has no attribute 'Lstm'$"):
        nn.Lstm  # other names: the plain error


def test_the_hint_at_mg_nn_lstm_does_not_import_models():
    program = ("import sys, minigrad as mg\n"
               "try:\n    mg.nn.LSTM\nexcept AttributeError:\n    pass\n"
               "print('models' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=os.path.dirname(HERE)))
    assert done.stdout.strip() == "False", done.stderr


def test_cell_input_and_state_shapes():
    with pytest.raises(ValueError, match=r"LSTMCell: input x has shape \(5, 2, 3\), "
                                         r"expected \(N, 3\)"):
        models.LSTMCell(3, 4)(mg.randn(5, 2, 3))
    with pytest.raises(ValueError, match=r"LSTMCell: h has shape \(3, 4\), expected \(2, 4\)"):
        models.LSTMCell(3, 4)(mg.randn(2, 3), (mg.zeros(3, 4), mg.zeros(3, 4)))


def test_tbptt_chunk_arguments():
    x = mg.randn(5, 2, 3)
    with pytest.raises(ValueError, match="tbptt_chunks: k must be >= 1, got 0"):
        list(models.tbptt_chunks(x, k=0))
    with pytest.raises(ValueError, match="x has 5 steps along axis 0 but y has 4"):
        list(models.tbptt_chunks(x, mg.randn(4, 2), k=2))


# =============================================================================
# models: BAD
# =============================================================================

@pytest.mark.parametrize("cell, hx, words", [
    (lambda: models.LSTMCell(3, 4), lambda: mg.zeros(2, 4),
     r"LSTMCell: hx must be a tuple \(h, c\), got a Tensor of shape \(2, 4\)"),
    (lambda: models.LSTMCell(3, 4), lambda: (mg.zeros(2, 4),) * 3,
     r"LSTMCell: hx must be a tuple \(h, c\), got a tuple of 3"),
    (lambda: models.GRUCell(3, 4), lambda: (mg.zeros(2, 4),),
     r"GRUCell: h has shape tuple, expected \(2, 4\).*pass one Tensor"),
])
def test_cell_given_the_wrong_state_container_names_the_cell(cell, hx, words):
    with pytest.raises(ValueError, match=words):
        cell()(mg.randn(2, 3), hx())


@pytest.mark.parametrize("call, error, words", [
    (lambda: models.Bidirectional(models.GRU(3, 4))(mg.randn(5, 2, 3), mg.zeros(1, 2, 4)),
     ValueError, r"Bidirectional: hx must be a pair \(forward hx, backward hx\).*got a "
                 r"Tensor of shape \(1, 2, 4\)"),
    (lambda: models.Bidirectional(nn.Linear(3, 4)),
     TypeError, "Bidirectional: layer must be a recurrent layer.*got Linear")])
def test_bidirectional_wrong_hx_or_layer_names_bidirectional(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.parametrize("call, words", [
    (lambda h: models.LSTM(3, 4)(mg.randn(5, 2, 3), (h(1, 2, 4), h(1, 2, 4))),
     r"LSTM: hx \(h_0\) has dtype float64 but the parameters are float32"),
    (lambda h: models.GRU(3, 4)(mg.randn(5, 2, 3), h(1, 2, 4)), r"GRU: hx \(h_0\) has dtype"),
    (lambda h: models.RNN(3, 4)(mg.randn(5, 2, 3), h(1, 2, 4)), r"RNN: hx \(h_0\) has dtype"),
    (lambda h: models.LSTMCell(3, 4)(mg.randn(2, 3), (mg.zeros(2, 4), h(2, 4))),
     "LSTMCell: c has dtype float64"),
    (lambda h: models.GRUCell(3, 4)(mg.randn(2, 3), h(2, 4)), "GRUCell: h has dtype float64")])
def test_lstm_hx_of_another_dtype(call, words):
    with pytest.raises(TypeError, match=words):
        call(lambda *shape: mg.zeros(*shape, dtype=mg.float64))


def test_lstm_unknown_keyword_names_lstm():
    with pytest.raises(TypeError, match=r"LSTM\.__init__\(\) got an unexpected keyword "
                                        r"argument 'nonlinearity'"):
        models.LSTM(3, 4, nonlinearity="relu")
    with pytest.raises(TypeError, match=r"GRU\.__init__\(\) got an unexpected keyword "
                                        r"argument 'nonlinearity'"):
        models.GRU(3, 4, nonlinearity="relu")


def test_jordan_y0_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"JordanRNN: y0 has shape \(2, 4\), expected "
                                         r"\(2, 2\) \(N, output_size\)"):
        models.JordanRNN(3, 4, 2)(mg.randn(5, 2, 3), mg.zeros(2, 4))


# =============================================================================
# graph tools: GOOD
# =============================================================================

def _scalar_rnn_loss():
    w = mg.tensor(0.5, requires_grad=True)
    h = mg.tensor(0.0)
    for t, x in enumerate([1.0, -0.5, 0.25]):
        with mg.name_scope(f"t{t}"):
            h = (w * h + x).tanh()
    return w, (h - 1.0) ** 2


@pytest.mark.parametrize("value, kind", [(None, "NoneType"), (np.ones(3), "ndarray")])
def test_trace_of_a_non_tensor(value, kind):
    with pytest.raises(TypeError, match=f"trace: output 0 is a {kind}, not a Tensor"):
        mg.trace(value)


def test_render_highlight_and_detail_checks():
    w, loss = _scalar_rnn_loss()
    stranger = mg.tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match="render: the highlighted tensor is not part of the "
                                         "graph"):
        mg.render(loss, highlight=stranger)
    with pytest.raises(ValueError, match="render: no parameter named 'weight_hh_l0'"):
        mg.render(loss, highlight="weight_hh_l0")
    with pytest.raises(ValueError, match="render: detail must be one of ops, cells, layers, "
                                         "got 'op'"):
        mg.render(loss, detail="op")
    with pytest.raises(ValueError, match="render: max_nodes must be at least 10"):
        mg.render(loss, max_nodes=0)


def test_render_and_per_step_grads_after_backward_say_the_graph_was_freed():
    w, loss = _scalar_rnn_loss()
    loss.backward()
    # render draws the structure and says how to get the magnitudes
    assert re.search("freed.*retain_graph=True", mg.render(loss, highlight=w).source, re.S)
    with pytest.raises(mg.GraphFreedError, match="trace before backward"):
        mg.bptt.per_step_grads(loss, w)


def test_per_step_grads_when_the_param_skips_the_time_steps():
    w = mg.tensor(0.5, requires_grad=True)
    with pytest.raises(ValueError, match="per_step_grads: .*outside='append'"):
        mg.bptt.per_step_grads((w * w).tanh(), w)


def test_enumerate_paths_refuses_an_exponential_graph_quickly():
    w = mg.tensor(0.5, requires_grad=True)
    h = w
    for _ in range(20):  # two edges from h per step: 2**20 paths
        h = (h * h + h).tanh() * 0.5
    with pytest.raises(ValueError, match="enumerate_paths: more than max_paths=10000 paths"):
        mg.bptt.enumerate_paths(h, w)


def test_enumerate_paths_refuses_a_non_scalar_graph():
    w = mg.tensor(0.5, requires_grad=True)
    with pytest.raises(ValueError, match=r"enumerate_paths works on scalar graphs.*\(3,\)"):
        mg.bptt.enumerate_paths((mg.ones(3) * w).sum(), w)


# =============================================================================
# graph tools: BAD
# =============================================================================

@pytest.mark.parametrize("value, kind", [(None, "NoneType"), (3.0, "float")])
def test_render_of_a_non_tensor_names_render(value, kind):
    with pytest.raises(TypeError, match=f"render: outputs is a {kind}, not a Tensor"):
        mg.render(value)


def test_enumerate_paths_with_a_source_not_in_the_graph():
    w, loss = _scalar_rnn_loss()
    with pytest.raises(ValueError, match=r"enumerate_paths: source \(shape \(\)\) is not in "
                                         r"the graph that computed the loss"):
        mg.bptt.enumerate_paths(loss, mg.tensor(1.0, requires_grad=True))


def test_per_step_grads_with_a_param_not_in_the_graph():
    w, loss = _scalar_rnn_loss()
    with pytest.raises(ValueError) as info:
        mg.bptt.per_step_grads(loss, mg.tensor(1.0, requires_grad=True))
    assert str(info.value).startswith("per_step_grads: param (shape ()) is not in the graph")
    assert "allow_unused" not in str(info.value)


# =============================================================================
# data: GOOD
# =============================================================================

def test_sliding_windows_arguments():
    series = np.arange(10.0)
    with pytest.raises(ValueError, match=r"sliding_windows: input_len \+ horizon = 21 is "
                                         r"longer than the series \(T=10\)"):
        D.sliding_windows(series, 20)
    with pytest.raises(ValueError, match="sliding_windows: input_len=0, expected a positive int"):
        D.sliding_windows(series, 0)
    with pytest.raises(ValueError, match=r"sliding_windows: series has shape \(3, 3, 3\)"):
        D.sliding_windows(np.ones((3, 3, 3)), 2)


def test_pad_sequences_arguments():
    with pytest.raises(ValueError, match="pad_sequences: got no sequences"):
        D.pad_sequences([])
    with pytest.raises(ValueError, match=r"pad_sequences: mismatched step shapes \[\(3,\), "
                                         r"\(4,\)\]"):
        D.pad_sequences([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="pad_sequences: padding='both'"):
        D.pad_sequences([[1]], padding="both")
    with pytest.raises(ValueError, match="pad_sequences: sequence 0 is a scalar"):
        D.pad_sequences(["abc", "de"])


def test_vocabulary_unknown_tokens():
    with_unk = D.Vocabulary(["a", "b"])
    assert with_unk.encode(["a", "zzz"]).tolist() == [with_unk.index("a"), with_unk.unk_index]
    without = D.Vocabulary(["a", "b"], unk_token=None)
    with pytest.raises(ValueError, match="unknown token 'zzz' and the vocabulary has no UNK"):
        without.encode(["a", "zzz"])
    with pytest.raises(ValueError, match="Vocabulary.encode: expected a list of "
                                         "tokens, got a str"):
        with_unk.encode("a b")
    with pytest.raises(ValueError, match="Vocabulary.decode: id 9 out of range"):
        with_unk.decode([0, 9])
    with pytest.raises(ValueError, match="Vocabulary.fit: expected a list of token lists"):
        D.Vocabulary.fit(["a b", "c"])


def test_other_data_helpers():
    with pytest.raises(ValueError, match="one_hot: id 5 out of range"):
        D.one_hot([0, 5], 3)
    with pytest.raises(ValueError, match="batch_indices: batch_size=0"):
        D.batch_indices(10, 0)
    with pytest.raises(ValueError, match=r"BatchIterator: mismatched lengths \[10, 9\]"):
        D.BatchIterator(np.ones(10), np.ones(9), batch_size=2)
    with pytest.raises(ValueError, match="StandardScaler.transform: not fitted"):
        D.StandardScaler().transform(np.ones(3))
    with pytest.raises(ValueError, match="seasonal_decompose: series of length 5 is too short "
                                         "for period=12"):
        D.seasonal_decompose(np.arange(5.0), 12)
    with pytest.raises(ValueError, match="load_text: unknown text 'nope'"):
        D.load_text("nope")


# =============================================================================
# data: BAD
# =============================================================================

def test_tokenize_corpus_given_one_string():
    with pytest.raises(ValueError, match="tokenize_corpus: expected a list of texts, got one "
                                         "str"):
        D.tokenize_corpus("hello world")


def test_sliding_windows_target_index_out_of_range():
    with pytest.raises(IndexError, match=r"sliding_windows: target_index=5 is out of range for "
                                         r"a series of shape \(10, 2\)"):
        D.sliding_windows(np.ones((10, 2)), 3, target_index=5)


# =============================================================================
# CLI: GOOD
# =============================================================================

@pytest.mark.parametrize("argv, words", [
    (["render", "nosuchmodel", "--steps", "3", "--out", "x.svg"], "invalid choice: 'nosuchmodel'"),
    (["render", "lstm", "--steps", "0", "--out", "x.svg"], "--steps: must be at least 1, got 0"),
    (["render", "lstm", "--steps", "-2", "--out", "x.svg"], "must be at least 1, got -2"),
    (["render", "lstm", "--steps", "2.5", "--out", "x.svg"], "--steps: '2.5' is not an integer"),
    (["render", "lstm", "--steps", "ten", "--out", "x.svg"], "'ten' is not an integer"),
    (["render", "lstm", "--steps", "3", "--out", "x.txt"], "--out must end in .svg, .png or .pdf"),
    (["render", "lstm", "--steps", "3", "--highlight", "nope", "--out", "x.svg"],
     "--highlight: no parameter 'nope'; choose from weight_ih_l0"),
    (["bptt", "lstm", "--steps", "0", "--out", "x.svg"], "--steps: must be at least 1"),
    (["bptt", "lstm", "--steps", "3", "--out", "x.jpg"], "--out must end in .svg, .png or .pdf"),
    (["train", "nosuch"], "invalid choice: 'nosuch'"),
])
def test_cli_bad_arguments_exit_2_with_a_message(argv, words, capsys):
    status, err = run_cli(argv, capsys)
    assert status == 2
    assert words in err


def test_cli_train_epochs_zero_exits_2_as_every_bad_argument(capsys):
    status, err = run_cli(["train", "sentiment", "--epochs", "0"], capsys)
    assert status == 2 and "argument --epochs: must be at least 1, got 0" in err


@pytest.mark.parametrize("command", ["render", "bptt"])
def test_cli_unwritable_out_exits_2_naming_the_path(command, tmp_path, capsys):
    if command == "render" and shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = str(blocker / "x.svg")  # a path under a regular file: unwritable even for root
    status, err = run_cli([command, "lstm", "--steps", "3", "--out", out], capsys)
    assert status == 2
    assert f"cannot write {out!r}" in err


# =============================================================================
# CLI: BAD
# =============================================================================

def test_cli_train_unwritable_out(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = str(blocker / "charts")  # checked before training: exit 2 at once, nothing lost
    status, err = run_cli(["train", "seq2seq", "--quick", "--epochs", "1", "--out", out],
                          capsys)
    assert status == 2
    assert f"cannot write {out!r}" in err


def test_cli_render_max_nodes_below_10(tmp_path, capsys):
    status, err = run_cli(["render", "lstm", "--steps", "3", "--max-nodes", "5",
                           "--out", str(tmp_path / "x.svg")], capsys)
    assert status == 2
    assert "--max-nodes: must be at least 10, got 5" in err
