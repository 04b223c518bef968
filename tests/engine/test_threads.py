"""Each thread has its own grad mode, name scope, anomaly mode and backward observer.

As in PyTorch, whose grad mode is thread-local: `no_grad()` in a thread that runs
inference changes nothing for a thread training beside it, a backward in one thread does
not switch recording off in another, and a new thread starts with grad enabled, no scope,
anomaly mode off and no observer, whatever the thread that started it is doing.

The interleavings that used to go wrong are forced with barriers (a gradient hook holds a
thread inside its backward while the other thread works), so these tests do not depend on
the scheduler; one short stress run adds random interleavings on top.
"""
import math
import random
import sys
import threading
from collections import Counter
from contextlib import nullcontext
from functools import partial

import numpy as np
import pytest

import minigrad as mg
import models
from minigrad.composite import Composite
from minigrad.graph.capture import observing

from tests.engine.graph_walk import nodes_in_graph

# log(0) is computed on purpose (anomaly mode must stop it in one thread only); under
# pytest, numpy's warning about it is not filtered (see anomaly.py)
pytestmark = pytest.mark.filterwarnings("ignore:divide by zero encountered in log")

WAIT = 20      # seconds a thread waits at a barrier before the test fails instead of hanging
STEPS = 60     # SGD steps of each training run
TIME, BATCH, FEATURES, HIDDEN = 5, 4, 3, 6


# ------------------------------------------------------------------------ helpers
class Worker(threading.Thread):
    """Runs `fn()` in a new thread; `result()` joins it and re-raises what it raised.

    A failure aborts `meet` (a Barrier), so that the thread waiting for this one
    fails at once instead of after WAIT seconds."""

    def __init__(self, fn, meet=None):
        super().__init__(daemon=True)
        self.fn, self.meet = fn, meet
        self.value = self.error = None
        self.start()

    def run(self):
        try:
            self.value = self.fn()
        except BaseException as exc:  # handed to the main thread by result()
            self.error = exc
            if self.meet is not None:
                self.meet.abort()

    def result(self):
        self.join(WAIT)
        assert not self.is_alive(), "the thread did not finish"
        if self.error is not None:
            raise self.error
        return self.value


def together(here, there):
    """Run `here(meet)` in this thread and `there(meet)` in a new one, where `meet` is
    a barrier of the two; return (here's result, there's result).

    Either side failing breaks the barrier; the other thread's own error, when it
    had one first, is the one raised."""
    meet = threading.Barrier(2, timeout=WAIT)
    worker = Worker(lambda: there(meet), meet)
    try:
        mine = here(meet)
    except BaseException as exc:
        meet.abort()
        worker.join(WAIT)
        if isinstance(exc, threading.BrokenBarrierError) and worker.error is not None:
            raise worker.error from exc
        raise
    return mine, worker.result()


def hook_running(fn):
    """A gradient hook that calls `fn()` and keeps the gradient as it is (whatever a
    hook returns other than None replaces the gradient)."""
    def hook(grad):
        fn()
    return hook


def wait_twice(meet):
    """Meet the other thread, let it work, meet it again."""
    meet.wait()
    meet.wait()


def leaf():
    return mg.tensor([1.0, 2.0], requires_grad=True)


def recording():
    """(is grad mode on, does an op on a leaf that requires grad record a node)."""
    return mg.is_grad_enabled(), (leaf() * 2).requires_grad


class Recorder:
    """A backward observer (graph capture's interface) keeping every node it is told of."""
    takes_slice_gradients = True

    def __init__(self):
        self.nodes = []

    def on_node(self, node, grad):
        self.nodes.append(node)

    def on_edge(self, node, position, input, grad):
        pass


def op_scopes(output):
    """Counter of the scopes of the op nodes reachable from `output`."""
    return Counter(node.scope for node in nodes_in_graph(output) if node.op is not None)


class Training:
    """A small LSTM regressor trained with SGD; keeps every step's loss and gradients.

    Build it in one thread at a time: `mg.manual_seed` seeds the one process-wide
    generator that initialises the weights."""

    def __init__(self, seed):
        mg.manual_seed(seed)
        self.lstm = models.LSTM(FEATURES, HIDDEN)
        self.head = mg.nn.Linear(HIDDEN, 1)
        self.named = list(self.lstm.named_parameters()) + [
            ("head." + name, p) for name, p in self.head.named_parameters()]
        self.optimizer = mg.optim.SGD([p for _, p in self.named], lr=0.1)
        data = np.random.default_rng(seed)
        self.inputs = data.standard_normal((STEPS, TIME, BATCH, FEATURES)).astype(np.float32)
        self.targets = data.standard_normal((STEPS, BATCH, 1)).astype(np.float32)
        self.losses, self.grads = [], []

    def forward(self, k):
        """The loss on batch `k`."""
        out, _ = self.lstm(mg.tensor(self.inputs[k]))
        return mg.nn.functional.mse_loss(self.head(out[-1]), mg.tensor(self.targets[k]))

    def backward(self, loss, inside=None):
        """Backward from `loss`, keep the loss and the gradients, take an SGD step.
        `inside()`, if given, runs inside the backward pass (a hook on the loss)."""
        if inside is not None:
            loss.register_hook(hook_running(inside))
        self.optimizer.zero_grad()
        loss.backward()
        self.losses.append(loss.item())
        self.grads.append([None if p.grad is None else p.grad.numpy().copy()
                           for _, p in self.named])
        self.optimizer.step()

    def step(self, k, inside_backward=None):
        self.backward(self.forward(k), inside_backward)

    def run(self, steps=STEPS):
        for k in range(steps):
            self.step(k)
        return self


def assert_same_training(got, alone):
    """Every loss and every gradient of `got` bit-identical to the run `alone`."""
    assert len(got.grads) == len(alone.grads)
    for k, (grads, expected) in enumerate(zip(got.grads, alone.grads)):
        for (name, _), g, e in zip(got.named, grads, expected):
            assert g is not None, f"step {k}: {name}.grad is None"
            np.testing.assert_array_equal(g, e, err_msg=f"step {k}: {name}.grad")
    assert got.losses == alone.losses


@pytest.fixture(scope="module")
def trained_alone():
    """seed -> the Training run of that seed, alone in the main thread."""
    runs = {}

    def run(seed, steps=STEPS):
        if (seed, steps) not in runs:
            runs[seed, steps] = Training(seed).run(steps)
        return runs[seed, steps]
    return run


# ------------------------------------------------------------------ grad mode
GRAD_MODES = {  # name: (context, does it record)
    "no_grad": (mg.no_grad, False),
    "set_grad_enabled(False)": (lambda: mg.set_grad_enabled(False), False),
    "enable_grad": (mg.enable_grad, True),
    "set_grad_enabled(True)": (lambda: mg.set_grad_enabled(True), True),
}


@pytest.mark.parametrize("mode", GRAD_MODES)
def test_a_grad_mode_held_in_one_thread_leaves_another_threads_ops_alone(mode):
    """no_grad in a thread: the main thread still records; enable_grad in a thread:
    the main thread, inside no_grad, still records nothing."""
    context, records = GRAD_MODES[mode]

    def there(meet):
        meet.wait()       # the main thread is in the opposite mode
        with context():
            meet.wait()   # held while the main thread computes
            meet.wait()
            return recording()

    def here(meet):
        with mg.set_grad_enabled(not records):
            meet.wait()
            meet.wait()
            mine = recording()
            meet.wait()
        return mine

    mine, theirs = together(here, there)
    assert mine == (not records, not records)
    assert theirs == (records, records)


def test_a_new_thread_starts_with_grad_on_no_scope_no_anomaly_and_no_observer():
    def fresh_thread():
        x = leaf()
        y = x * 2
        log_of_zero = mg.tensor(0.0).log().item()  # anomaly mode would raise here
        (x * x).sum().backward()                    # the observer would see it
        return {"grad mode": mg.is_grad_enabled(), "records": y.requires_grad,
                "scope": mg.current_scope(), "node scope": y.scope,
                "anomaly": mg.is_anomaly_enabled(), "log(0)": log_of_zero}

    seen = Recorder()
    with mg.no_grad(), mg.name_scope("outer"), mg.detect_anomaly(), observing(seen):
        view = Worker(fresh_thread).result()
    assert view == {"grad mode": True, "records": True, "scope": (), "node scope": (),
                    "anomaly": False, "log(0)": -math.inf}
    assert seen.nodes == [], "the main thread's observer saw the new thread's backward"


# ------------------------------------------------------------------- training
def test_two_threads_training_at_once_get_the_gradients_of_each_run_alone(trained_alone):
    """Two LSTMs trained in two threads, each step forced to overlap the other thread's:
    on every other step one thread waits inside its backward while the other runs a
    whole step (forward, backward, SGD update), then they swap."""
    def train_in_turns(training, parity, meet):
        for k in range(STEPS):
            if k % 2 == parity:   # the other thread runs a whole step inside this backward
                training.step(k, inside_backward=partial(wait_twice, meet))
            else:
                meet.wait()   # the other thread is inside its backward
                training.step(k)
                meet.wait()
        return training

    first, second = Training(1), Training(2)
    together(lambda meet: train_in_turns(first, 0, meet),
             lambda meet: train_in_turns(second, 1, meet))
    assert_same_training(first, trained_alone(1))
    assert_same_training(second, trained_alone(2))


def test_inference_under_no_grad_beside_training_changes_no_gradient(trained_alone):
    """A thread toggling no_grad around inference: the trainer's forward runs while the
    other thread is inside no_grad, and the inference with grad on runs while the
    trainer is inside its backward. Both threads see only their own grad mode."""
    training, model = Training(1), Training(3)

    def train(meet):
        for k in range(STEPS):
            meet.wait()   # the other thread is inside no_grad
            loss = training.forward(k)
            meet.wait()
            training.backward(loss, inside=partial(wait_twice, meet))
        return training

    def infer(meet):
        seen = []
        for k in range(STEPS):
            with mg.no_grad():
                meet.wait()
                meet.wait()   # the trainer has run its forward
                quiet = model.forward(k)
            meet.wait()       # the trainer is inside its backward
            recorded = model.forward(k)
            meet.wait()
            seen.append((quiet.requires_grad, recorded.requires_grad))
        return seen

    _, seen = together(train, infer)
    assert seen == [(False, True)] * STEPS
    assert_same_training(training, trained_alone(1))


def test_two_backward_calls_at_once_leave_both_threads_recording():
    """The second thread enters backward while the first is inside its own, and leaves
    it last. Afterwards both threads still record, and 60 more backward calls work."""
    def sixty_backward_calls():
        x, failures = leaf(), 0
        for _ in range(60):
            x.grad = None
            try:
                (x * x).sum().backward()
                np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
            except (RuntimeError, AttributeError, AssertionError):
                failures += 1
        return recording(), failures

    def graph_held_in_backward(hold):
        x = leaf()
        y = (x * x).sum()
        y.register_hook(hook_running(hold))
        return x, y

    def backward(x, y):
        y.backward()
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])

    def first(meet):    # meets 0: both graphs built, 1 and 2 inside its backward, 3 after
        x, y = graph_held_in_backward(partial(wait_twice, meet))
        meet.wait()
        backward(x, y)
        meet.wait()
        return sixty_backward_calls()

    def second(meet):   # meets 0, 1: the first is inside its backward, 2 and 3 inside its own
        x, y = graph_held_in_backward(partial(wait_twice, meet))
        meet.wait()
        meet.wait()
        backward(x, y)
        return sixty_backward_calls()

    here, there = together(second, first)
    assert here == there == ((True, True), 0)


# ------------------------------------------------------------ scope and anomaly
def test_a_name_scope_held_in_one_thread_does_not_land_on_another_threads_ops():
    model = Training(1)
    alone = op_scopes(model.forward(0))

    def there(meet):
        with mg.name_scope("elsewhere"):
            meet.wait()
            meet.wait()
            return (leaf() * 2).scope

    def here(meet):
        meet.wait()   # the other thread is inside its name scope
        loss = model.forward(0)
        meet.wait()
        return op_scopes(loss)

    scopes, theirs = together(here, there)
    assert not [s for s in scopes if "elsewhere" in s]
    assert scopes == alone
    assert theirs == ("elsewhere",)


def test_ops_made_beside_a_thread_inside_a_model_keep_their_own_scope_and_line():
    """While a thread is inside an LSTM's step (scope lstm/layer0/forward/t0, its own
    call line recorded for the ops inside), another thread's ops keep theirs."""
    class PausingCell(models.LSTMCell):
        def recurrence(self, recurrent_mask=None):
            step = super().recurrence(recurrent_mask)

            def paused_step(projected, state):
                if not paused:
                    paused.append(mg.current_scope())
                    meet_inside.wait()
                    meet_inside.wait()
                return step(projected, state)
            return paused_step

    class PausingLSTM(models.LSTM):
        cell_type = PausingCell

    paused = []
    lstm = PausingLSTM(FEATURES, HIDDEN)
    meet_inside = None

    def there(meet):
        nonlocal meet_inside
        meet_inside = meet
        out, _ = lstm(mg.randn(TIME, BATCH, FEATURES))
        return out

    def here(meet):
        meet.wait()   # the other thread is inside the LSTM's first step
        y, line = leaf() * 2, sys._getframe().f_lineno
        meet.wait()
        return y, line

    (y, line), out = together(here, there)
    assert paused == [("pausinglstm", "layer0", "forward", "t0")]
    assert y.scope == ()
    assert y.source == (__file__, line)
    assert out.requires_grad


def test_detect_anomaly_in_one_thread_does_not_stop_another_threads_log_of_zero():
    def there(meet):
        with mg.detect_anomaly():
            meet.wait()
            meet.wait()
            with pytest.raises(mg.AnomalyError, match="log"):
                mg.tensor(0.0).log()
            return mg.is_anomaly_enabled()

    def here(meet):
        meet.wait()   # the other thread is inside detect_anomaly
        value = mg.tensor(0.0).log().item()
        meet.wait()
        return value, mg.is_anomaly_enabled()

    mine, theirs = together(here, there)
    assert mine == (-math.inf, False)
    assert theirs is True


def test_an_observer_sees_only_the_backward_of_its_own_thread():
    """The main thread observes while another thread traces and runs Graph.backward
    (which installs the graph's own norm recorder): each sees only its own pass."""
    def there(meet):
        meet.wait()   # the main thread's observer is installed
        x = leaf()
        graph = mg.trace((x * x).sum()).backward()
        meet.wait()
        return x, graph

    def here(meet):
        seen = Recorder()
        with observing(seen):
            meet.wait()
            meet.wait()   # the other thread has run its traced backward
            z = leaf()
            product = z * 3
            total = product.sum()
            total.backward()
        return seen, (z, product, total)

    (seen, mine), (x, graph) = together(here, there)
    assert {id(n) for n in seen.nodes} == {id(t) for t in mine}
    norms = {graph.tensor(n).op: attrs["grad_norm"] for n, attrs in graph.nodes.items()}
    # d/dx of sum(x * x) at x = [1, 2] is 2x = [2, 4]; the product's gradient is [1, 1]
    assert norms == pytest.approx({None: math.hypot(2.0, 4.0), "mul": math.sqrt(2.0),
                                   "sum": 1.0})


# a composite op (composite.py): fused, one node `test_threads_double`; unrolled, a mul
double = Composite("test_threads_double", lambda x, save: (x * 2, None))
double.defvjp(lambda g, out, wanted, x, saved: (g * 2,))
double.defdecomposition(lambda x: x * 2)


def test_unrolled_in_one_thread_leaves_another_threads_composites_fused():
    def there(meet):
        with mg.unrolled():
            meet.wait()
            meet.wait()
            return double(leaf()).op, mg.is_unrolled()

    def here(meet):
        meet.wait()   # the other thread is inside unrolled()
        op = double(leaf()).op
        meet.wait()
        return op, mg.is_unrolled()

    mine, theirs = together(here, there)
    assert mine == ("test_threads_double", False)
    assert theirs == ("mul", True)


# ------------------------------------------------------------------ stress run
def test_a_random_mix_of_threads_training_inferring_and_switching_modes(trained_alone):
    """Two trainers, a thread toggling grad modes at random and one entering random
    name scopes and anomaly mode, all at once, with the interpreter switching threads
    every 10 microseconds. Every switch holds in its thread and every gradient is that
    of the run alone."""
    steps = 20
    trainers = [Training(1), Training(2)]
    done = threading.Event()
    start = threading.Barrier(4, timeout=WAIT)

    def train(training):
        start.wait()
        return training.run(steps)

    def toggle_grad_mode(seed):
        rng, wrong, rounds = random.Random(seed), [], 0
        start.wait()
        while not done.is_set() or rounds < 200:
            rounds += 1
            name = rng.choice(list(GRAD_MODES))
            context, records = GRAD_MODES[name]
            with context():
                if recording() != (records, records):
                    wrong.append(name)
        return wrong

    def switch_scope_and_anomaly(seed):
        rng, wrong, rounds = random.Random(seed), [], 0
        start.wait()
        while not done.is_set() or rounds < 200:
            rounds += 1
            name = f"s{rng.randrange(100)}"
            with mg.name_scope(name):
                if (leaf() * 2).scope != (name,):
                    wrong.append(("scope", name))
            checked = rng.random() < 0.5
            with mg.detect_anomaly() if checked else nullcontext():
                try:
                    mg.tensor(0.0).log()
                    raised = False
                except mg.AnomalyError:
                    raised = True
            if raised != checked:
                wrong.append(("anomaly", checked))
        return wrong

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        workers = [Worker(lambda t=t: train(t), start) for t in trainers]
        workers += [Worker(lambda: toggle_grad_mode(0), start),
                    Worker(lambda: switch_scope_and_anomaly(1), start)]
        for worker in workers[:2]:
            worker.join(WAIT * 3)
        done.set()
        results = [worker.result() for worker in workers]
    finally:
        done.set()
        sys.setswitchinterval(previous)
    assert results[2] == [] and results[3] == []
    assert_same_training(results[0], trained_alone(1, steps))
    assert_same_training(results[1], trained_alone(2, steps))
