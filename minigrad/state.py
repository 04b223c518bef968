"""The switches every op reads, one set per thread: grad recording, the name scope,
anomaly mode, composites fused or unrolled, the backward observer, the user's line.
(What a VJP may skip is no switch: the engine passes it to each VJP, registry.py.)

Per thread, as PyTorch's grad mode is thread-local: `no_grad()` in a thread running
inference leaves a thread that trains beside it recording; a backward pass, which turns
recording off while its VJPs run, turns it off in its own thread only; a name scope,
`detect_anomaly()`, `unrolled()` or an observer (graph capture) acts on the ops and
gradients of its own thread only. A new thread starts with grad enabled, no scope,
anomaly mode off, composites fused and no observer, whatever the thread that started it
is doing (so enter `no_grad()` in the thread itself).

    state = PER_THREAD.state      # this thread's switches (a _State)

The hot path (`registry.apply`, the backward loop) fetches its thread's `_State` once
and then reads plain slots. Making `_State` itself a `threading.local` costs every read
a lookup of the thread's dict, ~30 ns on CPython 3.11: ~5 reads per recorded op made
the forward of an op on 8 floats ~19% slower and the scalar MLP ~12% slower
(`python -m benchmarks.ab_engine`); one `threading.local` read per op costs ~15 ns.

Process-wide, on purpose:
- the default dtype (`set_default_dtype`), as in PyTorch;
- the random generator (`manual_seed`, `generator()`), as PyTorch's default generator.
  numpy's Generator takes a lock per call, so threads drawing at once get valid numbers,
  but which thread gets which depends on the scheduler: seed and build models in one
  thread, or draw from a numpy Generator of your own per thread;
- malloc's thresholds (`heap.py`), set once at import for the whole process;
- the creation counter (`tensor.py`): `next()` on an `itertools.count` is one C call
  that neither runs Python code nor releases the GIL, so two threads never get the same
  number. Backward orders a graph by these numbers, which needs only that an op's
  number be greater than its inputs': true in any thread, since the inputs exist first;
- `source.py`'s caches of call sites: a dict read or written with int keys is atomic
  under the GIL; two threads missing the same entry both compute it, to the same value.

All of this relies on the GIL (CPython's default build).
"""
import threading


class _State:
    """One thread's switches (see the module docstring)."""
    __slots__ = ("grad_enabled", "scope", "anomaly", "anomaly_checks_inf", "backward_of",
                 "observer", "user_site", "fused")

    def __init__(self):
        self.grad_enabled = True
        self.scope = ()  # tuple of names, innermost last
        self.anomaly = False
        self.anomaly_checks_inf = True  # False: anomaly mode stops at NaN only
        self.backward_of = None  # the forward node whose VJP is running (create_graph only)
        # an object with on_node(node, grad) and on_edge(node, position, input, grad),
        # told about every gradient of a backward pass (graph capture uses it)
        self.observer = None
        # the user's (filename, lineno) for ops made inside a minigrad module's
        # forward, set by Module.__call__ (see source.py); None: walk the stack
        self.user_site = None
        # composite ops (fused recurrent layers) run fused; False inside unrolled()
        self.fused = True


class _PerThread(threading.local):
    """`.state`: the calling thread's `_State`, made fresh the first time a thread asks
    (threading.local runs __init__ once per thread)."""

    def __init__(self):
        self.state = _State()


PER_THREAD = _PerThread()
