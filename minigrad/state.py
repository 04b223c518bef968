"""Global switches read on every op: grad recording, the name scope, anomaly mode.

They live on one small object so that the hot path in `registry.apply` pays one
attribute lookup per switch.
"""


class _State:
    __slots__ = ("grad_enabled", "scope", "anomaly", "anomaly_checks_inf", "backward_of",
                 "observer", "wants",
                 "user_site", "fused")

    def __init__(self):
        self.grad_enabled = True
        self.scope = ()  # tuple of names, innermost last
        self.anomaly = False
        self.anomaly_checks_inf = True  # False: anomaly mode stops at NaN only
        self.backward_of = None  # the forward node whose VJP is running (create_graph only)
        # an object with on_node(node, grad) and on_edge(node, position, input, grad),
        # told about every gradient of a backward pass (graph capture uses it)
        self.observer = None
        # during a VJP call: which of the node's inputs need a gradient
        self.wants = ()
        # the user's (filename, lineno) for ops made inside a minigrad module's
        # forward, set by Module.__call__ (see source.py); None: walk the stack
        self.user_site = None
        # composite ops (fused recurrent layers) run fused; False inside unrolled()
        self.fused = True


STATE = _State()
