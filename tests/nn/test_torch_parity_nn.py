"""minigrad.nn / optim / models against PyTorch: what the other torch comparisons leave out.

Module API (names, order, state dicts, modes, repr), layers with weights copied from
torch (forward and gradients), nn.init distributions, optimizers over several steps with
every option, gradient clipping, and RNN / LSTM / GRU layers and cells (outputs, final
states and every gradient). Everything runs in float64 and deterministic math is compared
with rtol 1e-10. Known discrepancies are strict xfails whose reason spells the difference;
deliberate ones are ordinary tests of minigrad's behaviour whose docstring says why.
"""
import math
import warnings
from collections import OrderedDict

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
import models  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_  # noqa: E402
from tests.nn.module_cases import (SharedChildAndBuffer, Tree, WithBuffer,  # noqa: E402
                                   WithExtraRepr)

tnn = torch.nn
TF = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12


@pytest.fixture(autouse=True)
def float64_default():
    previous = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    mg.manual_seed(0)
    torch.manual_seed(0)
    yield
    mg.set_default_dtype(previous)


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    if isinstance(ours, mg.Tensor):
        ours = ours.data
    if isinstance(theirs, torch.Tensor):
        theirs = theirs.detach().numpy()
    assert np.shape(ours) == np.shape(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def load_from_torch(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def close_param_grads(ours, theirs):
    mine = dict(ours.named_parameters())
    names = [n for n, _ in theirs.named_parameters()]
    assert list(mine) == names
    for name, p in theirs.named_parameters():
        assert p.grad is not None, name
        assert mine[name].grad is not None, name
        close(mine[name].grad, p.grad)


def weights_like(out, seed):
    return np.random.default_rng(seed).normal(size=tuple(out.shape))


# ====================================================================== Module API
class OursBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(mg.ones(3))
        self.inner = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2, bias=False))
        self.head = nn.Linear(2, 1)
        self.offset = nn.Parameter(mg.zeros(1))


class TheirsBlock(tnn.Module):
    def __init__(self):
        super().__init__()
        self.scale = tnn.Parameter(torch.ones(3, dtype=torch.float64))
        self.inner = tnn.Sequential(tnn.Linear(3, 4), tnn.Tanh(), tnn.Linear(4, 2, bias=False))
        self.head = tnn.Linear(2, 1)
        self.offset = tnn.Parameter(torch.zeros(1, dtype=torch.float64))


def test_named_parameters_modules_children_order_and_prefix():
    ours, theirs = OursBlock(), TheirsBlock()
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == \
        [n for n, _ in theirs.named_parameters(recurse=False)]
    assert [n for n, _ in ours.named_parameters(prefix="m")] == \
        [n for n, _ in theirs.named_parameters(prefix="m")]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.modules()][1:] == \
        [type(m).__name__ for m in theirs.modules()][1:]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_load_torch_state_dict_and_non_strict_report():
    ours, theirs = OursBlock(), TheirsBlock().double()
    load_from_torch(ours, theirs)
    x = np.random.default_rng(0).normal(size=(5, 3))
    close(ours.head(ours.inner(mg.tensor(x) * ours.scale)),
          theirs.head(theirs.inner(torch.tensor(x) * theirs.scale)))
    partial = {k: v.detach().numpy() for k, v in theirs.state_dict().items()
               if not k.startswith("head")}
    partial["extra.weight"] = np.zeros(2)
    got = ours.load_state_dict(partial, strict=False)
    want = theirs.load_state_dict({k: torch.tensor(v) for k, v in partial.items()},
                                  strict=False)
    assert list(got.missing_keys) == list(want.missing_keys)
    assert list(got.unexpected_keys) == list(want.unexpected_keys)
    with pytest.raises(RuntimeError):
        ours.load_state_dict(partial)


def test_train_eval_flags_reach_every_submodule():
    ours, theirs = OursBlock(), TheirsBlock()
    assert ours.training is theirs.training is True
    assert ours.eval() is ours and theirs.eval() is theirs
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    assert not any(m.training for m in ours.modules())
    ours.inner.train()
    theirs.inner.train()
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    ours.train(False)
    theirs.train(False)
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]


def test_zero_grad_set_to_none_semantics():
    ours, theirs = nn.Linear(3, 2), tnn.Linear(3, 2).double()
    x = np.ones((1, 3))
    ours(mg.tensor(x)).sum().backward()
    theirs(torch.tensor(x)).sum().backward()
    ours.zero_grad(set_to_none=False)
    theirs.zero_grad(set_to_none=False)
    close(ours.weight.grad, theirs.weight.grad)
    close(ours.bias.grad, theirs.bias.grad)
    ours.zero_grad()  # default: set to None, as torch >= 2.0
    theirs.zero_grad()
    assert ours.weight.grad is None and theirs.weight.grad is None
    ours.zero_grad(set_to_none=False)  # a None gradient stays None
    theirs.zero_grad(set_to_none=False)
    assert ours.weight.grad is None and theirs.weight.grad is None


def test_requires_grad_toggle_returns_module_and_stops_gradients():
    ours, theirs = nn.Linear(3, 2), tnn.Linear(3, 2).double()
    assert ours.requires_grad_(False) is ours and theirs.requires_grad_(False) is theirs
    assert [p.requires_grad for p in ours.parameters()] == \
        [p.requires_grad for p in theirs.parameters()] == [False, False]
    x = mg.tensor(np.ones((1, 3)), requires_grad=True)
    ours(x).sum().backward()
    assert ours.weight.grad is None and x.grad is not None
    ours.requires_grad_()
    assert all(p.requires_grad for p in ours.parameters())


def test_apply_visits_children_in_order_then_the_module():
    class TheirsTree(tnn.Module):  # module_cases.Tree
        def __init__(self):
            super().__init__()
            self.a = tnn.Sequential(tnn.Linear(1, 1), tnn.ReLU())
            self.b = tnn.Tanh()

    seen_ours, seen_theirs = [], []
    assert Tree().apply(lambda m: seen_ours.append(type(m).__name__)) is not None
    TheirsTree().apply(lambda m: seen_theirs.append(type(m).__name__))
    assert seen_ours == [n.replace("TheirsTree", "Tree") for n in seen_theirs]


class TheirsWithBuffer(tnn.Module):  # module_cases.WithBuffer
    def __init__(self):
        super().__init__()
        self.w = tnn.Parameter(torch.zeros(2))
        self.register_buffer("running", torch.zeros(2))
        self.child = tnn.Linear(2, 1)


def test_buffers_are_listed_and_saved_but_not_parameters():
    ours, theirs = WithBuffer(), TheirsWithBuffer()
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())


def test_state_dict_order_interleaves_buffers_per_module():
    assert list(WithBuffer().state_dict()) == list(TheirsWithBuffer().state_dict())


def test_state_dict_keeps_tied_parameters_under_every_name():
    ours_a, ours_b = nn.Linear(2, 2), nn.Linear(2, 2)
    ours_b.weight = ours_a.weight
    theirs_a, theirs_b = tnn.Linear(2, 2), tnn.Linear(2, 2)
    theirs_b.weight = theirs_a.weight
    ours, theirs = nn.Sequential(ours_a, ours_b), tnn.Sequential(theirs_a, theirs_b)
    # named_parameters de-duplicates in both
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    load_from_torch(ours, theirs.double())  # strict: every name of the tied weight is there
    close(ours_b.weight, theirs_b.weight)
    assert ours_b.weight is ours_a.weight


def test_state_dict_values_are_copies_unlike_torch():
    """A deliberate difference: minigrad's state_dict() is "ordered name -> numpy array
    copy" (the project's spec), so a saved state stays as it was while training goes on;
    torch's values share memory with the parameters (write through them with
    load_state_dict here)."""
    ours = nn.Linear(2, 2)
    before = ours.weight.data.copy()
    state = ours.state_dict()
    state["weight"][...] = 5.0
    np.testing.assert_array_equal(ours.weight.data, before)
    ours.weight.data += 1.0
    np.testing.assert_array_equal(state["weight"], 5.0)
    ours.load_state_dict(state)
    np.testing.assert_array_equal(ours.weight.data, 5.0)


def test_assigning_a_plain_tensor_to_a_parameter_name_raises():
    with pytest.raises(TypeError):
        tnn.Linear(2, 2).weight = torch.zeros(2, 2)
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError):
        layer.weight = mg.zeros(2, 2)


def test_register_parameter_rejects_a_plain_tensor():
    with pytest.raises(TypeError):
        tnn.Linear(1, 1).register_parameter("extra", torch.zeros(1))
    with pytest.raises(TypeError):
        nn.Linear(1, 1).register_parameter("extra", mg.zeros(1))


def test_reassigning_a_parameter_keeps_its_position():
    ours, theirs = nn.Linear(2, 2), tnn.Linear(2, 2)
    ours.weight = nn.Parameter(mg.zeros(2, 2))
    theirs.weight = tnn.Parameter(torch.zeros(2, 2))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.weight, theirs.weight = None, None  # an empty slot keeps the position too
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias"]
    ours.weight = nn.Parameter(mg.zeros(2, 2))
    theirs.weight = tnn.Parameter(torch.zeros(2, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    ours, theirs = nn.Linear(2, 2, bias=False), tnn.Linear(2, 2, bias=False)
    ours.bias = nn.Parameter(mg.zeros(2))
    theirs.bias = tnn.Parameter(torch.zeros(2))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]


def test_registered_names_keep_their_kind():
    for module in (nn.Sequential(nn.Linear(1, 1)), tnn.Sequential(tnn.Linear(1, 1))):
        with pytest.raises(TypeError):  # a tensor as a child
            setattr(module, "0", (mg.zeros(1) if isinstance(module, nn.Module)
                                  else torch.zeros(1)))
        with pytest.raises(TypeError):  # a module as a parameter
            module[0].weight = nn.Tanh() if isinstance(module, nn.Module) else tnn.Tanh()
    ours, theirs = WithBuffer(), TheirsWithBuffer()
    with pytest.raises(TypeError):
        theirs.running = 3.0
    with pytest.raises(TypeError):
        ours.running = 3.0
    ours.running = nn.Linear(1, 1)  # a module or a parameter may take a buffer's name
    theirs.running = tnn.Linear(1, 1)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_replacing_a_child_module_keeps_its_position():
    ours = nn.Sequential(nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 1))
    theirs = tnn.Sequential(tnn.Linear(1, 1), tnn.Tanh(), tnn.Linear(1, 1))
    setattr(ours, "0", nn.Linear(1, 1))
    setattr(theirs, "0", tnn.Linear(1, 1))
    assert type(ours[0]).__name__ == type(theirs[0]).__name__ == "Linear"
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours[1], theirs[1] = nn.ReLU(), tnn.ReLU()
    assert repr(ours) == repr(theirs)


def test_named_children_and_named_buffers_skip_shared_objects():
    class Theirs(tnn.Module):  # module_cases.SharedChildAndBuffer
        def __init__(self):
            super().__init__()
            self.a = self.b = tnn.Linear(1, 1)
            buf = torch.zeros(1)
            self.register_buffer("x", buf)
            self.register_buffer("y", buf)

    ours, theirs = SharedChildAndBuffer(), Theirs()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert len(list(ours.children())) == len(list(theirs.children())) == 1
    assert len(list(ours.modules())) == len(list(theirs.modules())) == 2
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 2
    assert len(list(ours.buffers())) == len(list(theirs.buffers())) == 1
    assert list(ours.state_dict()) == list(theirs.state_dict())  # every name, in both
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_modules(remove_duplicate=False)]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_parameters(remove_duplicate=False)]


def test_dtype_cast_keeps_gradients():
    mg.set_default_dtype(mg.float32)
    ours, theirs = nn.Linear(2, 1), tnn.Linear(2, 1)
    load_from_torch(ours, theirs)
    ours(mg.tensor(np.ones((1, 2), dtype=np.float32))).sum().backward()
    theirs(torch.ones(1, 2)).sum().backward()
    ours.double()
    theirs.double()
    assert theirs.weight.grad.dtype == torch.float64
    assert ours.weight.grad is not None
    close(ours.weight.grad, theirs.weight.grad)


def test_repr_of_leaf_modules_and_containers():
    pairs = [
        (nn.Linear(4, 2, bias=False), tnn.Linear(4, 2, bias=False)),
        (nn.Embedding(10, 4, padding_idx=-1), tnn.Embedding(10, 4, padding_idx=-1)),
        (nn.Dropout(0.25), tnn.Dropout(0.25)),
        (nn.Flatten(0, 2), tnn.Flatten(0, 2)),
        (nn.MaxPool1d(3, 1, 1, 2, True), tnn.MaxPool1d(3, 1, 1, 2, ceil_mode=True)),
        (nn.AvgPool1d(3), tnn.AvgPool1d(3)),
        (nn.Conv1d(2, 3, 5, stride=2, padding=1, dilation=2, bias=False),
         tnn.Conv1d(2, 3, 5, stride=2, padding=1, dilation=2, bias=False)),
        (nn.Sequential(), tnn.Sequential()),
        (nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Sigmoid())),
         tnn.Sequential(tnn.Linear(2, 2), tnn.Sequential(tnn.ReLU(), tnn.Sigmoid()))),
        (models.LSTM(3, 2, num_layers=2, bidirectional=True, batch_first=True, dropout=0.5),
         tnn.LSTM(3, 2, num_layers=2, bidirectional=True, batch_first=True, dropout=0.5)),
        (models.GRU(3, 2, bias=False), tnn.GRU(3, 2, bias=False)),
        (models.LSTMCell(3, 2, bias=False), tnn.LSTMCell(3, 2, bias=False)),
        (models.GRUCell(3, 2), tnn.GRUCell(3, 2)),
        (models.RNNCell(3, 2), tnn.RNNCell(3, 2)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)


def test_repr_with_extra_repr_and_children():
    class RT(tnn.Module):  # module_cases.WithExtraRepr
        def __init__(self):
            super().__init__()
            self.l = tnn.Linear(1, 1)

        def extra_repr(self):
            return "k=1"

    assert repr(WithExtraRepr()) == repr(RT()).replace("RT(", "WithExtraRepr(")


def test_rnn_layer_repr():
    assert repr(models.RNN(3, 2)) == repr(tnn.RNN(3, 2))


def test_rnn_cell_relu_repr():
    assert repr(models.RNNCell(3, 2, nonlinearity="relu")) == \
        repr(tnn.RNNCell(3, 2, nonlinearity="relu"))


def test_conv1d_string_padding_repr():
    assert repr(nn.Conv1d(2, 3, 3, padding="same")) == repr(tnn.Conv1d(2, 3, 3, padding="same"))


def test_module_list_and_parameter_list_register_their_items():
    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
            self.extra = nn.ParameterList([nn.Parameter(mg.zeros(2))])

    class Theirs(tnn.Module):
        def __init__(self):
            super().__init__()
            self.layers = tnn.ModuleList([tnn.Linear(2, 2), tnn.Linear(2, 2)])
            self.extra = tnn.ParameterList([tnn.Parameter(torch.zeros(2))])

    ours, theirs = Ours(), Theirs()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours.layers) == repr(theirs.layers)
    for i in (0, 1, -1, -2):
        assert ours.layers[i] is list(ours.layers)[i]
        assert ours.extra[i // 2] is list(ours.extra)[i // 2]
    for items in (ours.layers, theirs.layers, ours.extra, theirs.extra):
        with pytest.raises(IndexError):
            items[2]
    ours.layers.append(nn.Tanh()).extend([nn.ReLU(), nn.ReLU()])
    theirs.layers.append(tnn.Tanh()).extend([tnn.ReLU(), tnn.ReLU()])
    ours.extra.append(mg.zeros(3)).extend([nn.Parameter(mg.ones(1))])  # a Tensor: a Parameter
    theirs.extra.append(torch.zeros(3)).extend([tnn.Parameter(torch.ones(1))])
    assert isinstance(ours.extra[1], nn.Parameter) and isinstance(theirs.extra[1], tnn.Parameter)
    assert len(ours.layers) == len(theirs.layers) == 5
    assert len(ours.extra) == len(theirs.extra) == 3
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours.layers) == repr(theirs.layers)
    assert list(ours.layers[1:3]._modules) == list(theirs.layers[1:3]._modules) == ["0", "1"]
    ours.layers[0], theirs.layers[0] = nn.Tanh(), tnn.Tanh()
    assert repr(ours.layers) == repr(theirs.layers)


def test_module_dict_and_identity():
    ours = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.Tanh()})
    theirs = tnn.ModuleDict({"enc": tnn.Linear(2, 3), "act": tnn.Tanh()})
    ours["dec"], theirs["dec"] = nn.Linear(3, 1), tnn.Linear(3, 1)
    del ours["act"], theirs["act"]
    assert list(ours) == list(theirs) == ["enc", "dec"]
    assert len(ours) == len(theirs) and ("enc" in ours) == ("enc" in theirs)
    assert list(ours.keys()) == list(theirs.keys())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    for module in (ours, theirs):
        with pytest.raises(KeyError):  # a name that would hide a method
            module["keys"] = module["enc"]
    assert repr(nn.Identity(3, k=1)) == repr(tnn.Identity(3, k=1))
    x = np.ones((2, 3))
    close(nn.Identity()(mg.tensor(x)), tnn.Identity()(torch.tensor(x)))


# ============================================================================ Layers
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(3,), (5, 3), (2, 4, 3)])
def test_linear_forward_and_gradients(bias, shape):
    theirs = tnn.Linear(3, 4, bias=bias).double()
    ours = nn.Linear(3, 4, bias=bias)
    load_from_torch(ours, theirs)
    x = np.random.default_rng(1).normal(size=shape)
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    close(yo, yt)
    w = weights_like(yt, 2)
    (yo * mg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xo.grad, xt.grad)
    close_param_grads(ours, theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
def test_embedding_forward_and_gradient(padding_idx):
    theirs = tnn.Embedding(6, 3, padding_idx=padding_idx).double()
    ours = nn.Embedding(6, 3, padding_idx=padding_idx)
    assert ours.padding_idx == theirs.padding_idx
    if padding_idx is not None:
        np.testing.assert_array_equal(ours.weight.data[ours.padding_idx], 0)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(np.random.default_rng(0).normal(size=(6, 3))))
    load_from_torch(ours, theirs)  # the padding row is non-zero here: still returned as is
    ids = np.array([[0, 3, 3, 5], [1, 0, 5, 2]])
    yo, yt = ours(mg.tensor(ids)), theirs(torch.tensor(ids))
    close(yo, yt)
    w = weights_like(yt, 3)
    (yo * mg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(ours.weight.grad, theirs.weight.grad)


def test_dropout_train_eval_and_extremes():
    n, p = 100_000, 0.3
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=n)
    for drop, tensor_of, grad_of in (
            (nn.Dropout(p), lambda a: mg.tensor(a, requires_grad=True), lambda t: t.grad.data),
            (tnn.Dropout(p), lambda a: torch.tensor(a, requires_grad=True),
             lambda t: t.grad.numpy())):
        xt = tensor_of(x)
        y = drop(xt)
        y.sum().backward()
        values = np.asarray(y.data if isinstance(y, mg.Tensor) else y.detach().numpy())
        kept = values != 0
        assert abs(1 - kept.mean() - p) < 0.01  # 7 standard deviations
        np.testing.assert_allclose(values[kept], x[kept] / (1 - p), rtol=1e-12)
        np.testing.assert_allclose(grad_of(xt), kept / (1 - p), rtol=1e-12)
    for ours_p in (0.0, 1.0):
        ours, theirs = nn.Dropout(ours_p), tnn.Dropout(ours_p)
        close(ours(mg.tensor(x)), theirs(torch.tensor(x)))
    # eval: identity, also when set through a parent
    ours_model, theirs_model = nn.Sequential(nn.Dropout(0.9)), tnn.Sequential(tnn.Dropout(0.9))
    ours_model.eval()
    theirs_model.eval()
    close(ours_model(mg.tensor(x)), theirs_model(torch.tensor(x)))
    close(ours_model(mg.tensor(x)), x)


def test_sequential_len_indexing_iteration_and_append():
    ours = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    theirs = tnn.Sequential(tnn.Linear(2, 3), tnn.Tanh(), tnn.Linear(3, 1))
    assert len(ours) == len(theirs) == 3
    for i in (0, 1, 2, -1, -3):
        assert type(ours[i]).__name__ == type(theirs[i]).__name__
    for i in (3, -4):
        with pytest.raises(IndexError):
            theirs[i]
        with pytest.raises(IndexError):
            ours[i]
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert ours.append(nn.ReLU()) is ours and theirs.append(tnn.ReLU()) is theirs
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(ours[1:3]) == len(theirs[1:3]) == 2


def test_sequential_slice_keeps_child_names():
    ours = nn.Sequential(nn.Linear(1, 1), nn.Linear(1, 1), nn.Linear(1, 1))
    theirs = tnn.Sequential(tnn.Linear(1, 1), tnn.Linear(1, 1), tnn.Linear(1, 1))
    assert list(ours[1:].state_dict()) == list(theirs[1:].state_dict())


def test_sequential_from_an_ordered_dict():
    theirs = tnn.Sequential(OrderedDict([("fc", tnn.Linear(1, 1)), ("act", tnn.Tanh())]))
    ours = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.Tanh())]))
    assert list(ours.state_dict()) == list(theirs.state_dict())


CONV_CASES = [
    # (kernel, stride, padding, dilation, bias, length)
    (3, 1, 0, 1, True, 9), (3, 2, 1, 1, True, 10), (3, 2, 2, 2, False, 11),
    (1, 1, 0, 1, True, 5), (2, 3, 1, 1, False, 8), (4, 1, "same", 1, True, 9),
    (4, 1, "same", 2, False, 9), (3, 1, "same", 3, True, 7), (5, 1, "valid", 1, True, 8),
    (2, 1, "valid", 3, False, 6),
]


@pytest.mark.parametrize("k,stride,padding,dilation,bias,length", CONV_CASES)
@pytest.mark.parametrize("batched", [True, False])
def test_conv1d_module_forward_and_gradients(k, stride, padding, dilation, bias, length,
                                            batched):
    theirs = tnn.Conv1d(3, 4, k, stride=stride, padding=padding, dilation=dilation,
                        bias=bias).double()
    ours = nn.Conv1d(3, 4, k, stride=stride, padding=padding, dilation=dilation, bias=bias)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    load_from_torch(ours, theirs)
    x = np.random.default_rng(4).normal(size=(2, 3, length) if batched else (3, length))
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():  # torch warns (once) about 'same' with an even kernel
        warnings.simplefilter("ignore", UserWarning)
        yt = theirs(xt)
    yo = ours(xo)
    close(yo, yt)
    w = weights_like(yt, 5)
    (yo * mg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xo.grad, xt.grad)
    close_param_grads(ours, theirs)


def test_conv1d_same_padding_with_stride_is_refused_by_both():
    with pytest.raises(ValueError):
        tnn.Conv1d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError):
        nn.Conv1d(2, 2, 3, stride=2, padding="same")(mg.randn(1, 2, 8))


def test_conv1d_default_init_range_matches_torch():
    # both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, fan_in = C_in * K
    ours, theirs = nn.Conv1d(20, 64, 5), tnn.Conv1d(20, 64, 5)
    for name in ("weight", "bias"):
        o = np.abs(dict(ours.named_parameters())[name].data).max()
        t = dict(theirs.named_parameters())[name].detach().abs().max().item()
        bound = 1 / math.sqrt(100)
        assert o <= bound and t <= bound
        assert o > 0.9 * bound and t > 0.9 * bound


def _pool_cases():
    cases = []
    for length in (7, 8):
        for k in (2, 3):
            for stride in (None, 1, 2):
                for padding in (0, 1):
                    for ceil_mode in (False, True):
                        cases.append((length, k, stride, padding, ceil_mode))
    return cases


@pytest.mark.parametrize("length,k,stride,padding,ceil_mode", _pool_cases())
def test_pools_forward_and_gradients(length, k, stride, padding, ceil_mode):
    x = np.random.default_rng(length * 100 + k * 10 + padding).normal(size=(2, 3, length))
    pairs = []
    for dilation in (1, 2):
        if dilation * (k - 1) + 1 <= length + 2 * padding:
            pairs.append((nn.MaxPool1d(k, stride, padding, dilation, ceil_mode),
                          tnn.MaxPool1d(k, stride, padding, dilation, ceil_mode=ceil_mode)))
    for include in (True, False):
        pairs.append((nn.AvgPool1d(k, stride, padding, ceil_mode, include),
                      tnn.AvgPool1d(k, stride, padding, ceil_mode, include)))
    for ours, theirs in pairs:
        xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        close(yo, yt)
        w = weights_like(yt, 7)
        (yo * mg.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        close(xo.grad, xt.grad)
        assert ours.stride == theirs.stride


def test_pools_unbatched_input():
    x = np.random.default_rng(0).normal(size=(3, 9))
    close(nn.MaxPool1d(3, 2, 1)(mg.tensor(x)), tnn.MaxPool1d(3, 2, 1)(torch.tensor(x)))
    close(nn.AvgPool1d(3, 2, 1, count_include_pad=False)(mg.tensor(x)),
          tnn.AvgPool1d(3, 2, 1, count_include_pad=False)(torch.tensor(x)))


def test_max_pool_gradient_on_ties_goes_to_the_first_maximum():
    x = np.array([[[1.0, 1.0, 2.0, 2.0, 3.0]]])
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    nn.MaxPool1d(2, 1)(xo).sum().backward()
    tnn.MaxPool1d(2, 1)(xt).sum().backward()
    close(xo.grad, xt.grad)


def test_max_pool_padding_is_minus_infinity():
    x = np.array([[[0.5, 0.7]]])
    close(nn.MaxPool1d(2, 1, 1, 3)(mg.tensor(x)), tnn.MaxPool1d(2, 1, 1, 3)(torch.tensor(x)))
    x = np.array([[[-np.inf, -np.inf, 1.0, 2.0]]])
    close(nn.MaxPool1d(2, 2, 1)(mg.tensor(x)), tnn.MaxPool1d(2, 2, 1)(torch.tensor(x)))


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("k,stride,padding,dilation", [(2, 2, 1, 1), (3, 1, 1, 1),
                                                       (2, 1, 0, 1), (3, 2, 1, 2),
                                                       (4, 3, 2, 1)])
def test_max_pool_values_and_gradients_with_minus_infinity_nan_and_ties(k, stride, padding,
                                                                       dilation, ceil_mode):
    rng = np.random.default_rng(k * 1000 + stride * 100 + padding * 10 + dilation)
    x = rng.choice([np.nan, -np.inf, 0.0, 1.0], size=(2, 3, 10), p=[0.1, 0.4, 0.25, 0.25])
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = nn.MaxPool1d(k, stride, padding, dilation, ceil_mode)(xo)
    ref = tnn.MaxPool1d(k, stride, padding, dilation, ceil_mode=ceil_mode)(xt)
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    out.backward(mg.ones_like(out))
    ref.backward(torch.ones_like(ref))
    np.testing.assert_array_equal(xo.grad.data, xt.grad.numpy())


def test_ceil_mode_pools_a_partial_window_when_the_input_is_shorter_than_the_kernel():
    x = np.array([[[0.5, 0.7, 0.1]]])
    for include in (True, False):
        close(nn.AvgPool1d(4, 2, ceil_mode=True, count_include_pad=include)(mg.tensor(x)),
              tnn.AvgPool1d(4, 2, ceil_mode=True, count_include_pad=include)(
                  torch.tensor(x)))
    close(nn.MaxPool1d(4, 2, ceil_mode=True)(mg.tensor(x)),
          tnn.MaxPool1d(4, 2, ceil_mode=True)(torch.tensor(x)))


def test_pool_arguments_torch_refuses_are_refused():
    x = np.random.default_rng(0).normal(size=(1, 2, 6))
    for args in ((2, 2, 2), (3, 1, 2)):  # padding above kernel_size // 2
        with pytest.raises(RuntimeError):
            TF.max_pool1d(torch.tensor(x), *args)
        with pytest.raises(ValueError):
            F.max_pool1d(mg.tensor(x), *args)
        with pytest.raises(RuntimeError):
            TF.avg_pool1d(torch.tensor(x), *args)
        with pytest.raises(ValueError):
            F.avg_pool1d(mg.tensor(x), *args)
    with pytest.raises(RuntimeError):  # kernel longer than the input, floor mode
        TF.max_pool1d(torch.tensor(x), 7)
    with pytest.raises(ValueError):
        F.max_pool1d(mg.tensor(x), 7)


@pytest.mark.parametrize("start,end", [(1, -1), (0, -1), (0, 1), (-2, -1), (1, 1), (2, 2)])
def test_flatten(start, end):
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = nn.Flatten(start, end)(xo), tnn.Flatten(start, end)(xt)
    close(yo, yt)
    w = weights_like(yt, 0)
    (yo * mg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xo.grad, xt.grad)


# ============================================================================ nn.init
def test_calculate_gain_equals_torch():
    for name in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                 "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu", "selu"):
        assert nn.init.calculate_gain(name) == pytest.approx(tnn.init.calculate_gain(name),
                                                             rel=1e-15)
    for slope in (None, 0, 0.2, 1, 3.5):
        assert nn.init.calculate_gain("leaky_relu", slope) == pytest.approx(
            tnn.init.calculate_gain("leaky_relu", slope), rel=1e-15)
    for bad in (("swish", None), ("leaky_relu", "x"), ("leaky_relu", True)):
        with pytest.raises(ValueError):
            tnn.init.calculate_gain(*bad)
        with pytest.raises(ValueError):
            nn.init.calculate_gain(*bad)


def _pair(shape):
    return (nn.Parameter(mg.zeros(*shape)),
            torch.zeros(*shape, dtype=torch.float64))


def test_deterministic_fills_equal_torch():
    for shape in ((3, 5), (5, 3), (4, 4)):
        ours, theirs = _pair(shape)
        assert nn.init.eye_(ours) is ours
        tnn.init.eye_(theirs)
        close(ours, theirs, rtol=0, atol=0)
    ours, theirs = _pair((2, 3, 4))
    close(nn.init.constant_(ours, -1.25), tnn.init.constant_(theirs, -1.25), rtol=0, atol=0)
    close(nn.init.ones_(ours), tnn.init.ones_(theirs), rtol=0, atol=0)
    close(nn.init.zeros_(ours), tnn.init.zeros_(theirs), rtol=0, atol=0)
    with pytest.raises(ValueError):
        tnn.init.eye_(theirs)
    with pytest.raises(ValueError):
        nn.init.eye_(ours)
    for fn in ("xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
               "orthogonal_"):
        ours, theirs = _pair((5,))
        with pytest.raises(ValueError):
            getattr(tnn.init, fn)(theirs)
        with pytest.raises(ValueError):
            getattr(nn.init, fn)(ours)


INIT_SHAPES = [(300, 200), (64, 20, 50)]
UNIFORM_INITS = [
    ("uniform_", dict(a=-0.3, b=0.7)),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", dict(gain=5 / 3)),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_uniform_", dict(a=0.2, mode="fan_in", nonlinearity="leaky_relu")),
    ("kaiming_uniform_", dict(nonlinearity="tanh")),
]
NORMAL_INITS = [
    ("normal_", dict(mean=0.5, std=0.2)),
    ("xavier_normal_", {}),
    ("xavier_normal_", dict(gain=3.0)),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", dict(a=0.5, nonlinearity="leaky_relu")),
    ("kaiming_normal_", dict(nonlinearity="selu", mode="fan_out")),
]


@pytest.mark.parametrize("shape", INIT_SHAPES)
@pytest.mark.parametrize("name,kwargs", UNIFORM_INITS)
def test_uniform_inits_have_torchs_bounds(name, kwargs, shape):
    # 60,000 draws: the largest |value| is within 2e-4 of the bound except with probability
    # e^-12, so the two samples' ranges agreeing to 1e-3 pins the bound down
    ours, theirs = _pair(shape)
    assert getattr(nn.init, name)(ours, **kwargs) is ours
    getattr(tnn.init, name)(theirs, **kwargs)
    o, t = ours.data, theirs.numpy()
    assert o.min() == pytest.approx(t.min(), rel=1e-3)
    assert o.max() == pytest.approx(t.max(), rel=1e-3)
    # and the density is flat: the same standard deviation (sd of the estimate ~0.3%)
    assert o.std() == pytest.approx(t.std(), rel=0.02)


@pytest.mark.parametrize("shape", INIT_SHAPES)
@pytest.mark.parametrize("name,kwargs", NORMAL_INITS)
def test_normal_inits_have_torchs_mean_and_std(name, kwargs, shape):
    ours, theirs = _pair(shape)
    assert getattr(nn.init, name)(ours, **kwargs) is ours
    getattr(tnn.init, name)(theirs, **kwargs)
    o, t = ours.data, theirs.numpy()
    # std estimates from 60,000 draws have a relative sd of 0.3%: 2% is > 4 sd apart
    assert o.std() == pytest.approx(t.std(), rel=0.02)
    assert abs(o.mean() - t.mean()) < 0.03 * t.std() + 1e-12
    # Gaussian, not some other shape: the kurtosis is 3 in both
    assert ((o - o.mean()) ** 4).mean() / o.var() ** 2 == pytest.approx(3.0, abs=0.15)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 2, 3), (6, 2, 2)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_is_orthogonal_times_gain_like_torch(shape, gain):
    ours, theirs = _pair(shape)
    assert nn.init.orthogonal_(ours, gain=gain) is ours
    tnn.init.orthogonal_(theirs, gain=gain)
    for values in (ours.data, theirs.numpy()):
        flat = values.reshape(shape[0], -1)
        gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(gram, gain ** 2 * np.eye(len(gram)), atol=1e-12)
    # a random (not fixed) matrix: two draws differ
    again = nn.init.orthogonal_(nn.Parameter(mg.zeros(*shape)), gain=gain)
    assert not np.allclose(again.data, ours.data)


def test_orthogonal_sign_convention_gives_haar_distribution():
    # torch (and the QR-with-sign-fix recipe) gives Haar matrices: the mean of the
    # diagonal entries of a 2x2 orthogonal matrix is ~0 and det is +-1 equally often
    dets = []
    for _ in range(400):
        p = nn.init.orthogonal_(nn.Parameter(mg.zeros(2, 2)))
        dets.append(np.linalg.det(p.data))
    dets = np.array(dets)
    np.testing.assert_allclose(np.abs(dets), 1.0, atol=1e-12)
    assert abs(np.mean(dets > 0) - 0.5) < 0.1  # 4 sd


# ========================================================================= Optimizers
P0 = np.array([1.0, -2.0, 0.5, 3.0])
CURVATURE = np.array([1.0, 3.0, 0.5, 0.1])
Q0 = np.array([[0.3, -0.7], [1.5, 0.2]])


def quadratic_ours(p, q):
    return (p * p * mg.tensor(CURVATURE)).sum() * 0.5 + (p * mg.tensor(np.ones(4))).sum() \
        + ((q - 1.0) * (q - 1.0)).sum()


def quadratic_theirs(p, q):
    ones = torch.ones(4, dtype=torch.float64)
    return (p * p * torch.tensor(CURVATURE)).sum() * 0.5 + (p * ones).sum() \
        + ((q - 1.0) * (q - 1.0)).sum()


def make_params():
    ours = [nn.Parameter(mg.tensor(P0.copy())), nn.Parameter(mg.tensor(Q0.copy()))]
    theirs = [torch.tensor(P0.copy(), requires_grad=True),
              torch.tensor(Q0.copy(), requires_grad=True)]
    return ours, theirs


def run_both(ours_opt, theirs_opt, ours_params, theirs_params, steps=6):
    for _ in range(steps):
        ours_opt.zero_grad()
        theirs_opt.zero_grad()
        quadratic_ours(*ours_params).backward()
        quadratic_theirs(*theirs_params).backward()
        ours_opt.step()
        theirs_opt.step()
        for o, t in zip(ours_params, theirs_params):
            close(o, t)


OPTIM_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.2, weight_decay=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, betas=(0.8, 0.9), eps=1e-3)),
    ("Adam", dict(lr=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, betas=(0.5, 0.7), weight_decay=0.2, amsgrad=True)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, weight_decay=0.3, amsgrad=True, betas=(0.6, 0.8))),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-4)),
    ("RMSprop", dict(lr=0.01, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.8, momentum=0.7, centered=True, weight_decay=0.2)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.3)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.2, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1,
                     initial_accumulator_value=0.2)),
]


@pytest.mark.parametrize("name,kwargs", OPTIM_CASES)
def test_optimizer_steps_equal_torch(name, kwargs):
    ours_params, theirs_params = make_params()
    ours = getattr(mg.optim, name)(ours_params, **kwargs)
    theirs = getattr(torch.optim, name)(theirs_params, **kwargs)
    run_both(ours, theirs, ours_params, theirs_params, steps=7)
    # state_dict layout: same parameter numbers, same state names, same values
    sd_o, sd_t = ours.state_dict(), theirs.state_dict()
    assert sorted(sd_o["state"]) == sorted(sd_t["state"])
    for index, entries in sd_t["state"].items():
        assert sorted(sd_o["state"][index]) == sorted(entries)
        for key, value in entries.items():
            if key == "step":
                assert float(sd_o["state"][index][key]) == float(value)
            else:
                close(sd_o["state"][index][key], value)
    for group_o, group_t in zip(sd_o["param_groups"], sd_t["param_groups"]):
        assert group_o["params"] == group_t["params"]
        for key, value in group_o.items():  # every option minigrad has, torch has too
            assert key in group_t
            assert value == group_t[key], key


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.1, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.2)),
])
def test_optimizer_resumes_from_a_torch_state_dict(name, kwargs):
    """torch.optim's state_dict (tensors turned into numpy arrays) loads and continues."""
    ours_params, theirs_params = make_params()
    theirs = getattr(torch.optim, name)(theirs_params, **kwargs)
    for _ in range(3):
        theirs.zero_grad()
        quadratic_theirs(*theirs_params).backward()
        theirs.step()
    for o, t in zip(ours_params, theirs_params):
        o.data[...] = t.detach().numpy()
    ours = getattr(mg.optim, name)(ours_params, **kwargs)
    saved = theirs.state_dict()
    ours.load_state_dict({
        "state": {i: {k: v.numpy() if isinstance(v, torch.Tensor) else v
                      for k, v in entries.items()} for i, entries in saved["state"].items()},
        "param_groups": saved["param_groups"]})
    run_both(ours, theirs, ours_params, theirs_params, steps=3)


def test_optimizer_defaults_equal_torchs():
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        ours = getattr(mg.optim, name)([nn.Parameter(mg.zeros(1))])
        theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
        for key, value in ours.defaults.items():
            assert value == theirs.defaults[key], (name, key)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_param_groups_with_own_options_and_a_parameter_without_grad(name):
    extra = {"SGD": dict(momentum=0.9), "Adam": dict(betas=(0.5, 0.6)),
             "RMSprop": dict(alpha=0.5, centered=True), "Adagrad": dict(lr_decay=0.5)}[name]
    ours_params, theirs_params = make_params()
    ours_idle = nn.Parameter(mg.tensor(np.array([1.0, 2.0])))
    theirs_idle = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)

    def groups(params, idle):
        return [{"params": [params[0]], "lr": 0.05},
                {"params": [idle, params[1]], "lr": 0.2, **extra}]
    ours = getattr(mg.optim, name)(groups(ours_params, ours_idle), lr=0.01)
    theirs = getattr(torch.optim, name)(groups(theirs_params, theirs_idle), lr=0.01)
    run_both(ours, theirs, ours_params, theirs_params, steps=5)
    assert ours_idle.grad is None and theirs_idle.grad is None
    close(ours_idle, theirs_idle, rtol=0, atol=0)
    sd_o, sd_t = ours.state_dict(), theirs.state_dict()
    assert [g["params"] for g in sd_o["param_groups"]] == \
        [g["params"] for g in sd_t["param_groups"]] == [[0], [1, 2]]
    assert sorted(sd_o["state"]) == sorted(sd_t["state"])
    assert [g["lr"] for g in ours.param_groups] == [g["lr"] for g in theirs.param_groups]
    # changing a group's lr between steps is honoured by both
    ours.param_groups[1]["lr"] = theirs.param_groups[1]["lr"] = 0.01
    run_both(ours, theirs, ours_params, theirs_params, steps=2)


def test_optimizer_zero_grad_semantics():
    ours_params, theirs_params = make_params()
    ours = mg.optim.SGD(ours_params, lr=0.1)
    theirs = torch.optim.SGD(theirs_params, lr=0.1)
    quadratic_ours(*ours_params).backward()
    quadratic_theirs(*theirs_params).backward()
    ours.zero_grad(set_to_none=False)
    theirs.zero_grad(set_to_none=False)
    for o, t in zip(ours_params, theirs_params):
        close(o.grad, t.grad, rtol=0, atol=0)
    ours.zero_grad()
    theirs.zero_grad()
    assert all(p.grad is None for p in ours_params)
    assert all(p.grad is None for p in theirs_params)


def test_step_closure_returns_the_loss():
    ours_params, theirs_params = make_params()
    ours = mg.optim.SGD(ours_params, lr=0.1)
    theirs = torch.optim.SGD(theirs_params, lr=0.1)

    def closure_ours():
        ours.zero_grad()
        loss = quadratic_ours(*ours_params)
        loss.backward()
        return loss

    def closure_theirs():
        theirs.zero_grad()
        loss = quadratic_theirs(*theirs_params)
        loss.backward()
        return loss
    close(ours.step(closure_ours), theirs.step(closure_theirs))
    for o, t in zip(ours_params, theirs_params):
        close(o, t)


def test_adagrad_parameter_group_added_later():
    ours_params, theirs_params = make_params()
    ours = mg.optim.Adagrad(ours_params[:1], lr=0.1)
    theirs = torch.optim.Adagrad(theirs_params[:1], lr=0.1)
    ours.add_param_group({"params": [ours_params[1]], "lr": 0.3})
    theirs.add_param_group({"params": [theirs_params[1]], "lr": 0.3})
    run_both(ours, theirs, ours_params, theirs_params, steps=4)


def test_adagrad_per_group_initial_accumulator_value():
    """A deliberate difference: minigrad starts each group's sum at that group's
    initial_accumulator_value, as for any other per-group option; torch (2.13) fills
    every state from the constructor's argument and ignores the group's value. So
    minigrad with the value 0.5 given in the group steps as torch with 0.5 given to the
    constructor."""
    ours_params, theirs_params = make_params()
    ours = mg.optim.Adagrad([{"params": ours_params, "initial_accumulator_value": 0.5}],
                            lr=0.1)
    theirs = torch.optim.Adagrad(theirs_params, lr=0.1, initial_accumulator_value=0.5)
    np.testing.assert_array_equal(ours.state[ours_params[0]]["sum"], 0.5)
    run_both(ours, theirs, ours_params, theirs_params, steps=2)


def test_maximize_option():
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        ours_params, theirs_params = make_params()
        ours = getattr(mg.optim, name)(ours_params, lr=0.01, maximize=True)
        theirs = getattr(torch.optim, name)(theirs_params, lr=0.01, maximize=True)
        run_both(ours, theirs, ours_params, theirs_params, steps=3)


def test_step_lr_schedule():
    ours = mg.optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.5)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    ours_s = mg.optim.lr_scheduler.StepLR(ours, step_size=3, gamma=0.1)
    theirs_s = torch.optim.lr_scheduler.StepLR(theirs, step_size=3, gamma=0.1)
    for _ in range(8):
        assert ours_s.get_last_lr() == pytest.approx(theirs_s.get_last_lr(), rel=1e-12)
        ours.step()
        theirs.step()
        ours_s.step()
        theirs_s.step()


def test_step_lr_is_chainable_with_manual_lr_changes():
    ours = mg.optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.5)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    ours_s = mg.optim.lr_scheduler.StepLR(ours, step_size=2, gamma=0.1)
    theirs_s = torch.optim.lr_scheduler.StepLR(theirs, step_size=2, gamma=0.1)
    for epoch in range(5):
        ours.step()
        theirs.step()
        ours_s.step()
        theirs_s.step()
        if epoch == 0:
            ours.param_groups[0]["lr"] = theirs.param_groups[0]["lr"] = 1.0
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"],
                                                           rel=1e-12)


# ==================================================================== Gradient clipping
CLIP_GRADS = [np.array([[0.3, -4.0], [2.5, 0.1]]), np.array([-1.5, 0.0, 6.0]),
              np.array([0.25])]


def clip_params(grads, none_at=None):
    ours, theirs = [], []
    for i, g in enumerate(grads):
        o = nn.Parameter(mg.zeros(*g.shape))
        t = torch.zeros(*g.shape, dtype=torch.float64, requires_grad=True)
        if i != none_at:
            o.grad = mg.tensor(g.copy())
            t.grad = torch.tensor(g.copy())
        ours.append(o)
        theirs.append(t)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [1, 2, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 5.0, 100.0])
@pytest.mark.parametrize("none_at", [None, 1])
def test_clip_grad_norm_equals_torch(norm_type, max_norm, none_at):
    ours, theirs = clip_params(CLIP_GRADS, none_at)
    total_o = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_t = tnn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    close(total_o, total_t)
    for o, t in zip(ours, theirs):
        if t.grad is None:
            assert o.grad is None
        else:
            close(o.grad, t.grad)


def test_clip_grad_norm_single_tensor_generator_and_no_grads():
    ours, theirs = clip_params(CLIP_GRADS)
    close(clip_grad_norm_(ours[0], 1.0), tnn.utils.clip_grad_norm_(theirs[0], 1.0))
    close(ours[0].grad, theirs[0].grad)
    close(clip_grad_norm_((p for p in ours), 1.0),
          tnn.utils.clip_grad_norm_((p for p in theirs), 1.0))
    for o, t in zip(ours, theirs):
        close(o.grad, t.grad)
    ours, theirs = clip_params(CLIP_GRADS[:1], none_at=0)
    close(clip_grad_norm_(ours, 1.0), tnn.utils.clip_grad_norm_(theirs, 1.0))


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_clip_grad_norm_error_if_nonfinite(bad):
    grads = [np.array([bad, 1.0]), np.array([2.0])]
    ours, theirs = clip_params(grads)
    with pytest.raises(RuntimeError):
        tnn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_clip_grad_norm_infinite_total_without_error(bad):
    ours, theirs = clip_params([np.array([bad, 1.0]), np.array([2.0])])
    close(clip_grad_norm_(ours, 1.0), tnn.utils.clip_grad_norm_(theirs, 1.0))
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.data, t.grad.numpy())


def test_clip_grad_norm_nan_total_poisons_every_gradient():
    ours, theirs = clip_params([np.array([np.nan, 1.0]), np.array([2.0])])
    assert np.isnan(float(clip_grad_norm_(ours, 1.0)))
    assert np.isnan(float(tnn.utils.clip_grad_norm_(theirs, 1.0)))
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.data, t.grad.numpy())


@pytest.mark.parametrize("clip", [0.1, 1.0, 2.5, 10])
def test_clip_grad_value_equals_torch(clip):
    ours, theirs = clip_params(CLIP_GRADS + [np.array([np.nan, -np.inf])], none_at=2)
    assert clip_grad_value_(ours, clip) is None
    tnn.utils.clip_grad_value_(theirs, clip)
    for o, t in zip(ours, theirs):
        if t.grad is None:
            assert o.grad is None
        else:
            np.testing.assert_array_equal(o.grad.data, t.grad.numpy())


# ==================================================================== Recurrent models
T, N, H_IN, H = 5, 3, 4, 3
KINDS = {
    "rnn_tanh": (models.RNN, tnn.RNN, {}),
    "rnn_relu": (models.RNN, tnn.RNN, {"nonlinearity": "relu"}),
    "lstm": (models.LSTM, tnn.LSTM, {}),
    "gru": (models.GRU, tnn.GRU, {}),
}
LAYER_CONFIGS = [
    # num_layers, bidirectional, batch_first, unbatched, with_hx, bias
    (1, False, False, False, False, True),
    (1, False, True, False, True, True),
    (2, False, False, False, True, True),
    (2, True, True, False, True, True),
    (1, True, False, True, False, True),
    (2, True, False, True, True, True),
    (2, True, False, False, True, False),
]


def layer_pair(kind, num_layers=1, bidirectional=False, batch_first=False, bias=True,
               dropout=0.0):
    ours_cls, theirs_cls, extra = KINDS[kind]
    theirs = theirs_cls(H_IN, H, num_layers=num_layers, bias=bias, batch_first=batch_first,
                        dropout=dropout, bidirectional=bidirectional, **extra).double()
    ours = ours_cls(H_IN, H, num_layers=num_layers, bias=bias, batch_first=batch_first,
                    dropout=dropout, bidirectional=bidirectional, **extra)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    load_from_torch(ours, theirs)
    return ours, theirs


def check_recurrent(ours, theirs, x, hx, is_lstm, run_theirs=None, lengths=None, seed=10):
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    leaves = []
    ho = ht = None
    if hx is not None:
        parts = hx if is_lstm else (hx,)
        o_parts = [mg.tensor(p, requires_grad=True) for p in parts]
        t_parts = [torch.tensor(p, requires_grad=True) for p in parts]
        leaves = list(zip(o_parts, t_parts))
        ho = tuple(o_parts) if is_lstm else o_parts[0]
        ht = tuple(t_parts) if is_lstm else t_parts[0]
    out_o, state_o = ours(xo, ho) if lengths is None else ours(xo, ho, lengths=lengths)
    out_t, state_t = theirs(xt, ht) if run_theirs is None else run_theirs(xt, ht)
    states_o = state_o if is_lstm else (state_o,)
    states_t = state_t if is_lstm else (state_t,)
    close(out_o, out_t)
    for so, st in zip(states_o, states_t):
        close(so, st)
    loss_o = (out_o * mg.tensor(weights_like(out_t, seed))).sum()
    loss_t = (out_t * torch.tensor(weights_like(out_t, seed))).sum()
    for i, (so, st) in enumerate(zip(states_o, states_t)):
        w = weights_like(st, seed + 1 + i)
        loss_o = loss_o + (so * mg.tensor(w)).sum()
        loss_t = loss_t + (st * torch.tensor(w)).sum()
    close(loss_o, loss_t)
    loss_o.backward()
    loss_t.backward()
    close(xo.grad, xt.grad)
    for lo, lt in leaves:
        close(lo.grad, lt.grad)
    close_param_grads(ours, theirs)


def make_inputs(num_layers, bidirectional, batch_first, unbatched, with_hx, is_lstm, seed=0):
    rng = np.random.default_rng(seed)
    if unbatched:
        x = rng.normal(size=(T, H_IN))
        state_shape = ((2 if bidirectional else 1) * num_layers, H)
    else:
        x = rng.normal(size=(N, T, H_IN) if batch_first else (T, N, H_IN))
        state_shape = ((2 if bidirectional else 1) * num_layers, N, H)
    hx = None
    if with_hx:
        hx = (rng.normal(size=state_shape), rng.normal(size=state_shape)) if is_lstm \
            else rng.normal(size=state_shape)
    return x, hx


@pytest.mark.parametrize("config", LAYER_CONFIGS, ids=lambda c: "L{}{}{}{}{}{}".format(
    c[0], "-bi" if c[1] else "", "-bf" if c[2] else "", "-unbatched" if c[3] else "",
    "-hx" if c[4] else "", "" if c[5] else "-nobias"))
@pytest.mark.parametrize("kind", list(KINDS))
def test_recurrent_layer_outputs_and_gradients(kind, config):
    num_layers, bidirectional, batch_first, unbatched, with_hx, bias = config
    ours, theirs = layer_pair(kind, num_layers, bidirectional, batch_first, bias)
    x, hx = make_inputs(num_layers, bidirectional, batch_first, unbatched, with_hx,
                        kind == "lstm")
    check_recurrent(ours, theirs, x, hx, kind == "lstm")


@pytest.mark.parametrize("kind", list(KINDS))
def test_recurrent_dropout_between_layers_is_off_in_eval(kind):
    ours, theirs = layer_pair(kind, num_layers=3, bidirectional=True, dropout=0.6)
    ours.eval()
    theirs.eval()
    x, hx = make_inputs(3, True, False, False, True, kind == "lstm")
    check_recurrent(ours, theirs, x, hx, kind == "lstm")


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_recurrent_lengths_equal_torch_packed_sequences(kind, batch_first):
    ours, theirs = layer_pair(kind, num_layers=2, bidirectional=True, batch_first=batch_first)
    x, hx = make_inputs(2, True, batch_first, False, True, kind == "lstm")
    lengths = [3, 5, 1]
    pack = tnn.utils.rnn

    def run_theirs(xt, ht):
        packed = pack.pack_padded_sequence(xt, torch.tensor(lengths), batch_first=batch_first,
                                           enforce_sorted=False)
        out, state = theirs(packed, ht)
        out, _ = pack.pad_packed_sequence(out, batch_first=batch_first, total_length=T)
        return out, state
    check_recurrent(ours, theirs, x, hx, kind == "lstm", run_theirs=run_theirs,
                    lengths=lengths)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn_relu"])
def test_bidirectional_wrapper_equals_torch_bidirectional_single_layer(kind):
    ours_cls, theirs_cls, extra = KINDS[kind]
    theirs = theirs_cls(H_IN, H, bidirectional=True, batch_first=True, **extra).double()
    ours = models.Bidirectional(ours_cls(H_IN, H, batch_first=True, **extra))
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    ours.forward_layer.load_state_dict({k: v for k, v in sd.items() if "reverse" not in k})
    ours.backward_layer.load_state_dict({k.replace("_reverse", ""): v for k, v in sd.items()
                                         if "reverse" in k})
    x = np.random.default_rng(3).normal(size=(N, T, H_IN))
    out_o, (state_f, state_b) = ours(mg.tensor(x))
    out_t, state_t = theirs(torch.tensor(x))
    close(out_o, out_t)
    if kind == "lstm":
        for i in range(2):
            close(state_f[i][0], state_t[i][0])
            close(state_b[i][0], state_t[i][1])
    else:
        close(state_f[0], state_t[0])
        close(state_b[0], state_t[1])


@pytest.mark.parametrize("kind", list(KINDS))
def test_recurrent_parameter_names_and_shapes(kind):
    for kwargs in (dict(num_layers=3, bidirectional=True), dict(num_layers=2, bias=False)):
        ours_cls, theirs_cls, extra = KINDS[kind]
        ours = ours_cls(H_IN, H, **kwargs, **extra)
        theirs = theirs_cls(H_IN, H, **kwargs, **extra)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
        assert list(ours.children()) == [] and list(theirs.children()) == []
        bound = 1 / math.sqrt(H)
        for p in ours.parameters():
            assert np.abs(p.data).max() <= bound


def test_lstm_proj_size():
    theirs = tnn.LSTM(H_IN, H, num_layers=2, proj_size=2).double()
    ours = models.LSTM(H_IN, H, num_layers=2, proj_size=2)
    load_from_torch(ours, theirs)
    x, _ = make_inputs(2, False, False, False, False, True)
    check_recurrent(ours, theirs, x, None, True)


CELLS = {
    "rnn_tanh": (models.RNNCell, tnn.RNNCell, {}),
    "rnn_relu": (models.RNNCell, tnn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (models.LSTMCell, tnn.LSTMCell, {}),
    "gru": (models.GRUCell, tnn.GRUCell, {}),
}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("kind", list(CELLS))
def test_cells_outputs_and_gradients(kind, batched, with_hx, bias):
    ours_cls, theirs_cls, extra = CELLS[kind]
    theirs = theirs_cls(H_IN, H, bias=bias, **extra).double()
    ours = ours_cls(H_IN, H, bias=bias, **extra)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    load_from_torch(ours, theirs)
    rng = np.random.default_rng(8)
    lead = (N,) if batched else ()
    x = rng.normal(size=lead + (H_IN,))
    is_lstm = kind == "lstm"
    xo, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    leaves = []
    if with_hx:
        parts = [rng.normal(size=lead + (H,)) for _ in range(2 if is_lstm else 1)]
        o_parts = [mg.tensor(p, requires_grad=True) for p in parts]
        t_parts = [torch.tensor(p, requires_grad=True) for p in parts]
        leaves = list(zip(o_parts, t_parts))
        out_o = ours(xo, tuple(o_parts) if is_lstm else o_parts[0])
        out_t = theirs(xt, tuple(t_parts) if is_lstm else t_parts[0])
    else:
        out_o, out_t = ours(xo), theirs(xt)
    outs_o = out_o if is_lstm else (out_o,)
    outs_t = out_t if is_lstm else (out_t,)
    loss_o, loss_t = 0, 0
    for i, (so, st) in enumerate(zip(outs_o, outs_t)):
        close(so, st)
        w = weights_like(st, 20 + i)
        loss_o = loss_o + (so * mg.tensor(w)).sum()
        loss_t = loss_t + (st * torch.tensor(w)).sum()
    loss_o.backward()
    loss_t.backward()
    close(xo.grad, xt.grad)
    for lo, lt in leaves:
        close(lo.grad, lt.grad)
    close_param_grads(ours, theirs)
