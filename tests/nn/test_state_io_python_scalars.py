"""mg.save / mg.load give Python ints, floats, bools, strs and None back as themselves."""
import zipfile

import numpy as np
import pytest

import minigrad as mg
import models


@pytest.mark.parametrize("value", [60, 0, -7, 2**62, 0.1, -0.0, 1e300, float("inf"), True,
                                   False, "lstm", "", "ünïcode", None])
def test_a_python_scalar_comes_back_as_the_same_type_and_value(tmp_path, value):
    mg.save({"x": value}, tmp_path / "s.npz")
    loaded = mg.load(tmp_path / "s.npz")["x"]
    assert type(loaded) is type(value)
    assert loaded == value or loaded is value


def test_nan_comes_back_as_a_python_float(tmp_path):
    mg.save({"x": float("nan")}, tmp_path / "s.npz")
    loaded = mg.load(tmp_path / "s.npz")["x"]
    assert type(loaded) is float and loaded != loaded


def test_a_checkpoint_keeps_its_python_scalars_at_every_level(tmp_path):
    model = models.LSTM(3, 4)
    checkpoint = {"step": 60, "lr": 0.1, "model": model.state_dict(),
                  "meta": {"best": 0.25, "done": False, "name": "run-1", "parent": None,
                           "deeper": {"epoch": 3}},
                  "groups": [{"lr": 0.1, "nesterov": True}, {"lr": 0.2, "nesterov": False}]}
    mg.save(checkpoint, tmp_path / "c.npz")
    loaded = mg.load(tmp_path / "c.npz")
    assert type(loaded["step"]) is int and loaded["step"] == 60
    assert type(loaded["lr"]) is float and loaded["lr"] == 0.1
    assert loaded["meta"] == {"best": 0.25, "done": False, "name": "run-1", "parent": None,
                              "deeper": {"epoch": 3}}
    assert type(loaded["meta"]["done"]) is bool and type(loaded["meta"]["deeper"]["epoch"]) is int
    assert loaded["groups"] == {"0": {"lr": 0.1, "nesterov": True},
                                "1": {"lr": 0.2, "nesterov": False}}
    for name, array in model.state_dict().items():  # arrays stay arrays
        assert isinstance(loaded["model"][name], np.ndarray)
        np.testing.assert_array_equal(loaded["model"][name], array)
    models.LSTM(3, 4).load_state_dict(loaded["model"])


def test_numpy_scalars_and_0d_arrays_stay_numpy(tmp_path):
    mg.save({"f64": np.float64(2.5), "i32": np.int32(3), "a": np.array(4),
             "t": mg.tensor(1.5)}, tmp_path / "s.npz")
    loaded = mg.load(tmp_path / "s.npz")
    for key, dtype in [("f64", np.float64), ("i32", np.int32), ("a", np.array(4).dtype),
                       ("t", np.float32)]:
        assert isinstance(loaded[key], np.ndarray) and loaded[key].shape == ()
        assert loaded[key].dtype == dtype


def test_np_load_still_reads_the_file_as_plain_arrays(tmp_path):
    mg.save({"step": 60, "lr": 0.1, "on": True, "none": None, "w": np.ones(2)},
            tmp_path / "s.npz")
    with np.load(tmp_path / "s.npz", allow_pickle=False) as archive:
        assert archive["step"].shape == () and archive["step"] == 60
        assert archive["lr"] == 0.1 and archive["on"].dtype == bool
        assert archive["none"].shape == (0,)
        np.testing.assert_array_equal(archive["w"], np.ones(2))


def write_earlier_format(path, flat):
    """A file as mg.save wrote it before Python scalars kept their type: one .npy
    entry per "/"-joined key, no entry comments."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for key, value in flat.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asarray(value), allow_pickle=False)


def test_a_file_of_the_earlier_format_loads_as_before(tmp_path):
    path = tmp_path / "old.npz"
    write_earlier_format(path, {"step": 60, "lr": 0.1, "model/w": np.ones((2, 2)),
                                "optim/param_groups/0/lr": 0.1})
    loaded = mg.load(path)
    assert isinstance(loaded["step"], np.ndarray) and loaded["step"].shape == ()
    assert int(loaded["step"]) == 60 and float(loaded["lr"]) == 0.1
    np.testing.assert_array_equal(loaded["model"]["w"], np.ones((2, 2)))
    assert float(loaded["optim"]["param_groups"]["0"]["lr"]) == 0.1


def test_an_optimizer_checkpoint_with_int_steps_resumes(tmp_path):
    model = mg.nn.Linear(2, 1)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    model(mg.ones(1, 2)).sum().backward()
    optimizer.step()
    mg.save({"step": 1, "optim": optimizer.state_dict()}, tmp_path / "c.npz")
    loaded = mg.load(tmp_path / "c.npz")
    assert loaded["step"] == 1 and type(loaded["optim"]["param_groups"]["0"]["lr"]) is float
    other = mg.optim.Adam(model.parameters())
    other.load_state_dict(loaded["optim"])
    assert other.param_groups[0]["lr"] == 0.01
    assert [s["step"] for s in other.state.values()] == [1, 1]


def test_a_marked_entry_that_does_not_hold_its_scalar_is_an_error(tmp_path):
    path = tmp_path / "bad.npz"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("step.npy")
        info.comment = b"minigrad:int"
        with zf.open(info, "w") as entry:
            np.lib.format.write_array(entry, np.ones(3), allow_pickle=False)
    with pytest.raises(ValueError, match=r"load: entry 'step' of .*bad.npz is marked "
                                         r"'minigrad:int' but holds an array of shape \(3,\)"):
        mg.load(path)


def test_an_unknown_mark_leaves_the_array_as_it_is(tmp_path):
    path = tmp_path / "later.npz"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("x.npy")
        info.comment = b"minigrad:complex"  # a type a later version might add
        with zf.open(info, "w") as entry:
            np.lib.format.write_array(entry, np.array(1 + 2j), allow_pickle=False)
    assert mg.load(path)["x"] == np.array(1 + 2j)


def test_ints_beyond_int64_are_refused_not_pickled(tmp_path):
    with pytest.raises(TypeError, match="holds Python objects"):
        mg.save({"big": 2**70}, tmp_path / "s.npz")
