"""How many threads the BLAS library under numpy uses for minigrad's matrix products.

minigrad computes with numpy, and numpy hands its matrix products to a BLAS library
(OpenBLAS in numpy's wheels) that keeps its own pool of threads. That pool is the
only one minigrad has, so these functions, like PyTorch's of the same names, set and
read it (through threadpoolctl, for every BLAS library loaded in the process):

    mg.set_num_threads(1)    # from now on, in minigrad and in numpy alike
    mg.get_num_threads()     # 1

Who decides, first match wins:
1. `mg.set_num_threads(n)`, or `--threads n` on the command line;
2. the environment variable MINIGRAD_NUM_THREADS=n, applied when minigrad is
   imported, as if `mg.set_num_threads(n)` were its first line;
3. OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS or BLIS_NUM_THREADS set by
   the user: the BLAS library read it when it was loaded, and minigrad leaves its
   pool alone;
4. otherwise minigrad's default, DEFAULT_NUM_THREADS = 1 (README "Threads" has the
   measurements behind it). A default is not a choice of the user's, so it applies
   only while minigrad runs its own loops (`fit`, `evaluate`, the `minigrad`
   command) and the pool is put back afterwards: numpy code around them, in the same
   process, keeps its threads. A loop written by hand runs at the BLAS library's own
   default unless one of 1-3 says otherwise. (A pool sized with threadpoolctl directly
   is not seen as a choice: `fit` applies the default inside it. Use 1 or 2.)

threadpoolctl is imported on first use, so `import minigrad` does not load it.
"""
import contextlib
import operator
import os
import warnings

DEFAULT_NUM_THREADS = 1
ENVIRONMENT_VARIABLE = "MINIGRAD_NUM_THREADS"
# the variables a BLAS library reads for its pool size when it is loaded
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                  "BLIS_NUM_THREADS")

chosen = None  # the count the user chose (set_num_threads, MINIGRAD_NUM_THREADS), or None


def checked_count(n, where):
    """`n` as a positive int; a TypeError or ValueError naming `where` otherwise."""
    if isinstance(n, bool):
        raise TypeError(f"{where}: expected a positive int, got {n!r} (bool)")
    try:
        count = operator.index(n)
    except TypeError:
        raise TypeError(f"{where}: expected a positive int, got {n!r} "
                        f"({type(n).__name__})") from None
    if count < 1:
        raise ValueError(f"{where}: expected a positive int, got {count}")
    return count


def set_num_threads(n):
    """Make the BLAS library use `n` threads for matrix products, from now on.

    This sets the pool numpy's products run on, so it holds for numpy code in the
    same process as much as for minigrad. A BLAS library may cap `n` (OpenBLAS at
    its build's MAX_THREADS); `get_num_threads()` then reports the capped count.

    Raises:
        TypeError: `n` is not an int. ValueError: `n` < 1.
    """
    global chosen
    count = checked_count(n, "mg.set_num_threads")
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=count, user_api="blas")  # not a `with`: the limit stays
    chosen = count


def get_num_threads():
    """The number of threads the BLAS library uses for a matrix product now.

    When several BLAS libraries are loaded (numpy's and, say, another package's own
    copy) and their pools differ, the largest; 1 when none with a thread pool is
    found (a reference BLAS computes on the calling thread only).
    """
    from threadpoolctl import threadpool_info
    counts = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return max(counts, default=1)


def count_from_environment(environ=os.environ):
    """MINIGRAD_NUM_THREADS as a count; None when unset or not a positive int (warned)."""
    value = environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if not value:
        return None
    try:
        return checked_count(int(value), ENVIRONMENT_VARIABLE)
    except ValueError:
        warnings.warn(f"{ENVIRONMENT_VARIABLE}={environ[ENVIRONMENT_VARIABLE]!r} is not a "
                      f"positive int; ignored", RuntimeWarning, stacklevel=2)
        return None


def apply_environment(environ=os.environ):
    """On import: MINIGRAD_NUM_THREADS=n does what `set_num_threads(n)` does."""
    count = count_from_environment(environ)
    if count is not None:
        set_num_threads(count)


def policy_count(environ=os.environ):
    """The count minigrad's own loops run with: the user's choice, else the default;
    None when the user configured the BLAS library itself (module docstring)."""
    if chosen is not None:
        return chosen
    if any(environ.get(name, "").strip() for name in BLAS_VARIABLES):
        return None
    return DEFAULT_NUM_THREADS


@contextlib.contextmanager
def thread_policy():
    """Run the body at `policy_count()` BLAS threads and put the pool back after.

    `fit` and `evaluate` run inside it. When the user chose a count it is already in
    force; applying it again also reaches a BLAS library loaded since.
    """
    count = policy_count()
    if count is None:
        yield
        return
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=count, user_api="blas"):
        yield


def apply_thread_policy():
    """For a process that is minigrad's own (the `minigrad` command): apply
    `policy_count()` to the whole process, not only inside `fit`."""
    count = policy_count()
    if count is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=count, user_api="blas")
