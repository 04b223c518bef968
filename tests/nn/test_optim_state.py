"""Optimizer.state_dict / load_state_dict, alone and through mg.save / mg.load."""
import numpy as np
import pytest

import minigrad as mg


def make_model(seed):
    mg.manual_seed(seed)
    return mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.Linear(4, 1)).double()


def train(model, optimizer, steps, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = mg.tensor(rng.standard_normal((8, 3)), dtype=mg.float64)
        loss = (model(x) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


OPTIMIZERS = [
    lambda ps: mg.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: mg.optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: mg.optim.AdamW(ps, lr=0.01),
    lambda ps: mg.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps: mg.optim.Adagrad(ps, lr=0.1),
]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_resuming_from_a_saved_checkpoint_continues_exactly(make_optimizer, tmp_path):
    """Train 3 steps, save model and optimizer, train 2 more; a fresh model and
    optimizer loaded from the file and trained the same 2 steps end identical."""
    model = make_model(0)
    optimizer = make_optimizer(model.parameters())
    train(model, optimizer, 3, seed=1)
    mg.save({"model": model.state_dict(), "optim": optimizer.state_dict()},
            tmp_path / "checkpoint.npz")
    train(model, optimizer, 2, seed=2)

    resumed = make_model(99)  # different initial weights, overwritten by the load
    resumed_optimizer = make_optimizer(resumed.parameters())
    checkpoint = mg.load(tmp_path / "checkpoint.npz")
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optim"])
    train(resumed, resumed_optimizer, 2, seed=2)
    for (name, a), b in zip(model.state_dict().items(), resumed.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_without_the_optimizer_state_the_resumed_run_differs(tmp_path):
    """The check above can fail: momentum matters, so skipping the optimizer's state
    gives different weights."""
    model = make_model(0)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, optimizer, 3, seed=1)
    saved = model.state_dict()
    train(model, optimizer, 2, seed=2)
    resumed = make_model(0)
    resumed.load_state_dict(saved)
    train(resumed, mg.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9), 2, seed=2)
    first = next(iter(model.state_dict().values()))
    assert not np.allclose(first, next(iter(resumed.state_dict().values())))


def test_state_dict_follows_torchs_layout_and_copies():
    model = make_model(0)
    optimizer = mg.optim.Adam([{"params": model[0].parameters()},
                               {"params": model[1].parameters(), "lr": 0.5}], lr=0.1)
    train(model, optimizer, 1)
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2, 3]]
    assert [g["lr"] for g in state["param_groups"]] == [0.1, 0.5]
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)
    assert sorted(state["state"]) == [0, 1, 2, 3]
    assert state["state"][0]["step"] == 1 and state["state"][0]["exp_avg"].shape == (4, 3)
    state["state"][0]["exp_avg"][...] = 123.0
    assert not np.any(optimizer.state_dict()["state"][0]["exp_avg"] == 123.0)


def test_loaded_options_keep_their_python_types(tmp_path):
    model = make_model(0)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.02, amsgrad=True)
    mg.save(optimizer.state_dict(), tmp_path / "optim.npz")  # never stepped: no state
    other = mg.optim.Adam(model.parameters())
    other.load_state_dict(mg.load(tmp_path / "optim.npz"))
    group = other.param_groups[0]
    assert group["lr"] == 0.02 and type(group["lr"]) is float
    assert group["amsgrad"] is True and group["betas"] == (0.9, 0.999)
    assert other.state == {}


def test_a_mismatched_state_dict_lists_every_problem_and_loads_nothing():
    model = make_model(0)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.1)
    train(model, optimizer, 1)
    before = optimizer.state_dict()

    small = mg.nn.Linear(3, 2).double()
    wrong = mg.optim.Adam(small.parameters(), lr=0.1)
    train(small, wrong, 1)
    bad = wrong.state_dict()
    bad["param_groups"][0]["lr"] = 7.0
    bad["state"][9] = {"step": 1}
    with pytest.raises(ValueError) as info:
        optimizer.load_state_dict(bad)
    message = str(info.value)
    assert "group 0: 2 parameters saved, the optimizer has 4" in message
    assert "parameter 0: state 'exp_avg' has shape (2, 3), the parameter (4, 3)" in message
    assert "state for parameter 9, which does not exist" in message
    after = optimizer.state_dict()
    assert after["param_groups"][0]["lr"] == 0.1
    for number, entries in before["state"].items():
        for name, value in entries.items():
            np.testing.assert_array_equal(after["state"][number][name], value)
