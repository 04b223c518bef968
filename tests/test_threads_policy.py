"""mg.set_num_threads / get_num_threads, the default thread count of fit and the
command line, and the environment variables that override it.

The BLAS pool is read with threadpoolctl itself, not with mg.get_num_threads, and
every test puts the pool back as it found it. Nothing here is timed.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import threadpoolctl

import minigrad as mg
from minigrad import nn, optim, threads
from minigrad.nn import functional as F
from minigrad.train import evaluate, fit
from minigrad_apps import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLAS_VARIABLES = threads.BLAS_VARIABLES + (threads.ENVIRONMENT_VARIABLE,)


def blas_pools():
    """The thread count of every BLAS library loaded, as threadpoolctl reports it."""
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


@pytest.fixture(autouse=True)
def restored_pool(monkeypatch):
    """Each test starts with no count chosen and none of the variables set; the
    BLAS pool is put back afterwards."""
    for name in BLAS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(threads, "chosen", None)
    with threadpoolctl.threadpool_limits(limits=None, user_api="blas"):
        yield


needs_blas = pytest.mark.skipif(not blas_pools(), reason="numpy has no BLAS with a pool")


@needs_blas
@pytest.mark.parametrize("n", [1, 2, 3])
def test_set_num_threads_sets_the_blas_pool(n):
    mg.set_num_threads(n)
    assert blas_pools() == [n] * len(blas_pools())
    assert mg.get_num_threads() == n


@needs_blas
def test_get_num_threads_reads_the_pool_set_through_threadpoolctl():
    threadpoolctl.threadpool_limits(limits=3, user_api="blas")
    assert mg.get_num_threads() == 3


@needs_blas
def test_set_num_threads_accepts_a_numpy_integer():
    mg.set_num_threads(np.int64(1))
    assert blas_pools()[0] == 1


@pytest.mark.parametrize("bad, error, message", [
    (0, ValueError, "got 0"), (-2, ValueError, "got -2"),
    (1.5, TypeError, "1.5 (float)"), ("2", TypeError, "'2' (str)"),
    (True, TypeError, "True (bool)"), (None, TypeError, "None (NoneType)")])
def test_a_bad_count_is_refused_and_leaves_the_pool(bad, error, message):
    before = blas_pools()
    with pytest.raises(error, match=r"mg\.set_num_threads: expected a positive int, got "):
        mg.set_num_threads(bad)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        mg.set_num_threads(bad)
    assert blas_pools() == before and threads.chosen is None


def test_libraries_that_disagree_report_the_largest_pool(monkeypatch):
    libs = [{"user_api": "blas", "num_threads": 1}, {"user_api": "openmp", "num_threads": 8},
            {"user_api": "blas", "num_threads": 4}]
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: libs)
    assert mg.get_num_threads() == 4       # the OpenMP runtime is not a BLAS pool


def test_no_blas_library_reports_one_thread(monkeypatch):
    monkeypatch.setattr(threadpoolctl, "threadpool_info",
                        lambda: [{"user_api": "openmp", "num_threads": 8}])
    assert mg.get_num_threads() == 1


# ------------------------------------------------------------------ the default in fit

class PoolRecorder(nn.Module):
    """A linear model that records the BLAS pool each time it runs."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.pools = []

    def forward(self, x):
        self.pools.append(blas_pools()[0])
        return self.linear(x)


def batches():
    rng = np.random.default_rng(0)
    return [(mg.tensor(rng.standard_normal((4, 3)).astype(np.float32)),
             mg.tensor(rng.standard_normal((4, 1)).astype(np.float32))) for _ in range(2)]


def fit_recording(**options):
    model = PoolRecorder()
    fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.01), batches(), epochs=2,
        val_batches=batches(), progress=False, **options)
    return model.pools


@needs_blas
def test_fit_runs_at_the_default_and_puts_the_pool_back():
    threadpoolctl.threadpool_limits(limits=2, user_api="blas")
    pools = fit_recording()
    assert pools == [threads.DEFAULT_NUM_THREADS] * 8   # 2 epochs x (2 train + 2 val)
    assert blas_pools()[0] == 2


@needs_blas
def test_evaluate_alone_runs_at_the_default_too():
    threadpoolctl.threadpool_limits(limits=2, user_api="blas")
    model = PoolRecorder()
    evaluate(model, F.mse_loss, batches())
    assert model.pools == [threads.DEFAULT_NUM_THREADS] * 2 and blas_pools()[0] == 2


@needs_blas
def test_fit_runs_at_the_count_the_user_set():
    mg.set_num_threads(2)
    assert fit_recording() == [2] * 8 and blas_pools()[0] == 2


@needs_blas
@pytest.mark.parametrize("variable", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_fit_leaves_a_pool_the_user_sized_through_the_blas_variables(monkeypatch, variable):
    monkeypatch.setenv(variable, "2")
    threadpoolctl.threadpool_limits(limits=2, user_api="blas")
    assert fit_recording() == [2] * 8


# ------------------------------------------------------------------ a fresh process

def python(code, *args, **environment):
    """Run `code` in a fresh interpreter, without the BLAS variables of this one."""
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    env.update(environment, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


READ_POOL = ("import threadpoolctl; print([l['num_threads'] for l in "
             "threadpoolctl.threadpool_info() if l['user_api'] == 'blas'][0])")


@needs_blas
def test_import_minigrad_leaves_the_pool_and_does_not_load_threadpoolctl():
    result = python("import sys, minigrad; print('threadpoolctl' in sys.modules); " + READ_POOL,
                    OPENBLAS_NUM_THREADS="2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "2"]


@needs_blas
@pytest.mark.parametrize("environment, expected", [
    ({"MINIGRAD_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2"}, "1"),   # minigrad's wins
    ({"MINIGRAD_NUM_THREADS": "3"}, "3"),
    ({"OPENBLAS_NUM_THREADS": "1"}, "1"),                                 # left as it is
    ({"OPENBLAS_NUM_THREADS": "2"}, "2")])
def test_the_environment_sizes_the_pool_at_import(environment, expected):
    result = python("import minigrad; " + READ_POOL, **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@needs_blas
def test_a_bad_minigrad_num_threads_is_named_in_a_warning_and_ignored():
    result = python("import minigrad; " + READ_POOL, MINIGRAD_NUM_THREADS="two",
                    OPENBLAS_NUM_THREADS="2")
    assert result.returncode == 0, result.stderr
    assert "MINIGRAD_NUM_THREADS='two' is not a positive int; ignored" in result.stderr
    assert result.stdout.strip() == "2"


# ------------------------------------------------------------------ the command line

# the train subcommand replaced by one that prints the BLAS pool it would train with
CLI_POOL = ("import sys, threadpoolctl\n"
            "import minigrad_apps.cli.train as train\n"
            "train.run_command = lambda args: print([l['num_threads'] for l in "
            "threadpoolctl.threadpool_info() if l['user_api'] == 'blas'][0]) or 0\n"
            "from minigrad_apps.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")


def cli_pool(*args, **environment):
    result = python(CLI_POOL, *args, **environment)
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


@needs_blas
@pytest.mark.parametrize("args, expected", [
    (("train", "adding", "--threads", "2"), 2),
    (("--threads", "2", "train", "adding"), 2),
    (("--threads", "2", "train", "adding", "--threads", "3"), 3),     # the later one wins
    (("train", "adding"), threads.DEFAULT_NUM_THREADS)])
def test_cli_threads_reaches_the_blas_pool(args, expected):
    assert cli_pool(*args) == expected
    if "--threads" in args:                       # over the BLAS library's variable too
        assert cli_pool(*args, OPENBLAS_NUM_THREADS="1") == expected


@needs_blas
def test_cli_keeps_the_pool_of_openblas_num_threads_and_obeys_minigrad_num_threads():
    assert cli_pool("train", "adding", OPENBLAS_NUM_THREADS="2") == 2
    assert cli_pool("train", "adding", MINIGRAD_NUM_THREADS="2") == 2
    assert cli_pool("train", "adding", "--threads", "1", MINIGRAD_NUM_THREADS="2") == 1


def test_every_subcommand_takes_threads():
    parser = cli.build_parser()
    for args in (["render", "lstm", "--steps", "2", "--out", "x.svg"],
                 ["bptt", "rnn", "--steps", "2", "--out", "x.svg"], ["train", "adding"]):
        assert parser.parse_args(args + ["--threads", "2"]).threads == 2
        assert parser.parse_args(["--threads", "3"] + args).threads == 3
        assert parser.parse_args(args).threads is None


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "", "2x"])
@pytest.mark.parametrize("where", ["before", "after", "alone"])
def test_a_bad_threads_value_exits_2_with_one_line(capsys, value, where):
    from minigrad_apps.cli import train
    with pytest.raises(SystemExit) as exit_:
        if where == "before":
            cli.main(["--threads", value, "train", "adding"])
        elif where == "after":
            cli.main(["train", "adding", "--threads", value])
        else:
            train.main(["adding", "--threads", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert f"--threads {value!r}: expected a positive whole number" in err
