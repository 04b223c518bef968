"""mg.save / mg.load and load_state_dict's all-or-nothing checks."""
import os
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def make_model():
    return nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_state_dict_round_trip_keeps_order_dotted_keys_and_values(tmp_path):
    mg.manual_seed(0)
    source = make_model()
    path = tmp_path / "model.npz"
    mg.save(source.state_dict(), path)
    loaded = mg.load(path)
    assert list(loaded) == ["0.weight", "1.weight", "1.bias", "3.weight", "3.bias"]
    target = make_model()
    target.load_state_dict(loaded)
    for (name, p), (_, q) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        assert q.data.dtype == np.float32
    x = mg.tensor(np.array([[1, 4]]))
    np.testing.assert_array_equal(source(x).data, target(x).data)
    assert [f for f in os.listdir(tmp_path)] == ["model.npz"]  # no temporary left behind


def test_save_keeps_unusual_key_order_and_names(tmp_path):
    state = {"z.last": np.zeros(2), "file": np.arange(3), "a.b.c": mg.tensor([1.5])}
    mg.save(state, tmp_path / "s.npz")
    loaded = mg.load(tmp_path / "s.npz")
    assert list(loaded) == ["z.last", "file", "a.b.c"]
    np.testing.assert_array_equal(loaded["file"], [0, 1, 2])
    np.testing.assert_array_equal(loaded["a.b.c"], np.array([1.5], dtype=np.float32))


def test_a_file_written_by_np_savez_loads(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, **{"layer.weight": np.ones((2, 2)), "layer.bias": np.zeros(2)})
    loaded = mg.load(path)
    assert list(loaded) == ["layer.weight", "layer.bias"]
    np.testing.assert_array_equal(loaded["layer.weight"], np.ones((2, 2)))


def test_pickled_object_arrays_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, ok=np.ones(2), bad=np.array([{"x": 1}, None], dtype=object))
    with pytest.raises(ValueError, match="pickled"):
        mg.load(path)
    with pytest.raises(TypeError):
        mg.save({"bad": np.array([object()], dtype=object)}, tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()


def test_save_replaces_atomically_and_cleans_up_on_failure(tmp_path):
    path = tmp_path / "m.npz"
    mg.save({"w": np.ones(3)}, path)
    with pytest.raises(TypeError):
        mg.save({"w": np.zeros(3), "bad": np.array([None], dtype=object)}, path)
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(3))  # old file intact
    assert os.listdir(tmp_path) == ["m.npz"]
    assert zipfile.is_zipfile(path)


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    mg.manual_seed(1)
    model = make_model()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    bad = model.state_dict()
    del bad["1.bias"]
    bad["3.weight"] = np.zeros((3, 3), dtype=np.float32)
    bad["extra.weight"] = np.zeros(1)
    bad["0.weight"] = np.full((5, 3), 9.0, dtype=np.float32)  # valid, must still not be written
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "1.bias" in message and "3.weight" in message and "extra.weight" in message
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_state_dict_round_trip_through_torch_layout():
    torch = pytest.importorskip("torch")
    ours = nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_load_state_dict_changes_nothing_when_a_value_cannot_be_converted():
    class TwoParams(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(mg.tensor(1.0, dtype=mg.float64))
            self.w = nn.Parameter(mg.zeros(2, dtype=mg.float64))

    m = TwoParams()
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        # shapes match, but "w" holds strings: its conversion fails after "a" is fine
        m.load_state_dict({"a": np.array(5.0), "w": np.array(["x", "y"])})
    assert m.a.data == 1.0
    np.testing.assert_array_equal(m.w.data, [0.0, 0.0])


def test_load_state_dict_keeps_0d_parameters_numpy_scalars():
    class Scalar(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(mg.tensor(1.0, dtype=mg.float64))

    m = Scalar()
    m.load_state_dict({"a": np.array(3.0)})
    assert isinstance(m.a.data, np.float64) and m.a.data == 3.0
    opt = mg.optim.SGD(m.parameters(), lr=0.5)
    (m.a * m.a).backward()
    opt.step()
    assert m.a.data == pytest.approx(3.0 - 0.5 * 6.0)


def test_assigning_a_tensor_to_a_buffer_keeps_it_a_buffer_as_in_pytorch():
    class WithBuffer(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("running", mg.zeros(2, dtype=mg.float64))

    m = WithBuffer()
    m.running = mg.ones(2, dtype=mg.float64)
    assert list(m.state_dict()) == ["running"]
    np.testing.assert_array_equal(m.state_dict()["running"], [1.0, 1.0])
    assert [name for name, _ in m.named_buffers()] == ["running"]
    m.running = None  # a None buffer stays registered but is not saved
    assert list(m.state_dict()) == []
    m.running = mg.full((2,), 3.0, dtype=mg.float64)
    np.testing.assert_array_equal(m.state_dict()["running"], [3.0, 3.0])


def test_saved_file_gets_the_usual_permissions_not_the_temp_files(tmp_path):
    import os
    import stat
    previous = os.umask(0o022)
    try:
        path = tmp_path / "model.npz"
        mg.save({"w": np.ones(2)}, path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    finally:
        os.umask(previous)


def test_nested_dicts_round_trip_and_slashes_in_keys_are_refused(tmp_path):
    checkpoint = {"model": {"w": np.ones((2, 2))}, "epoch": 3,
                  "groups": [{"lr": 0.1}, {"lr": 0.2}]}
    mg.save(checkpoint, tmp_path / "c.npz")
    loaded = mg.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(loaded["model"]["w"], np.ones((2, 2)))
    assert int(loaded["epoch"]) == 3
    assert [float(g["lr"]) for g in loaded["groups"].values()] == [0.1, 0.2]
    with pytest.raises(ValueError, match="contains '/'"):
        mg.save({"a/b": np.zeros(1)}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()
