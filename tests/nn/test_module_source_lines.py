"""Nodes made inside modules point at the user's line (minigrad/source.py).

Ops inside a minigrad module's forward take the line where the user called the
module; ops written in a user's own forward take their own line, also when that
forward runs inside a minigrad container or calls minigrad modules itself.
"""
import inspect

import numpy as np

import minigrad as mg
from models import LSTM


def line_of(marker):
    """The line number in this file of the line that ends with `# <marker>`."""
    lines, start = inspect.getsourcelines(inspect.getmodule(line_of))
    for number, text in enumerate(lines, start=max(start, 1)):
        if text.rstrip().endswith(f"# {marker}"):
            return number
    raise AssertionError(f"no line marked {marker}")


def ops_in(tensor):
    """Every recorded node of tensor's graph (iterative walk)."""
    seen, stack, nodes = set(), [tensor], []
    while stack:
        t = stack.pop()
        if id(t) in seen or t.is_leaf:
            continue
        seen.add(id(t))
        nodes.append(t)
        stack.extend(t.inputs)
    return nodes


class UserBlock(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = mg.nn.Linear(3, 3)

    def forward(self, x):
        y = self.linear(x)  # linear call
        return y.tanh()  # user op


def test_ops_inside_a_minigrad_model_point_at_the_users_call():
    lstm = LSTM(3, 4)
    out, _ = lstm(mg.randn(5, 2, 3))  # lstm call
    sources = {node.source for node in ops_in(out)}
    assert sources == {(__file__, line_of("lstm call"))}


def test_ops_in_a_user_forward_keep_their_own_lines_inside_a_container():
    model = mg.nn.Sequential(UserBlock(), mg.nn.Linear(3, 2))
    out = model(mg.randn(4, 3))  # sequential call
    by_op = {}
    for node in ops_in(out):
        by_op.setdefault(node.op, set()).add(node.source[1])
    assert by_op["tanh"] == {line_of("user op")}
    # the inner Linear is called from the user's forward; the outer one by Sequential,
    # which the user called
    assert by_op["matmul"] == {line_of("linear call"), line_of("sequential call")}
    assert all(node.source[0] == __file__ for node in ops_in(out))


def test_the_site_is_restored_after_a_module_call_and_after_an_error():
    lstm = LSTM(3, 4)
    lstm(mg.randn(5, 2, 3))
    x = mg.tensor(np.ones(3), requires_grad=True)
    y = x * 2  # after call
    assert y.source == (__file__, line_of("after call"))
    try:
        lstm(mg.randn(5, 2, 7))
    except ValueError:
        pass
    z = x * 3  # after error
    assert z.source == (__file__, line_of("after error"))
