"""What a graph keeps after backward: its structure, without the saved values.

A backward pass (without `retain_graph`) frees every op node it visits: the node drops
its inputs, and with them every array that only the graph was keeping alive, as
PyTorch frees its saved tensors. In their place the node keeps a `Skeleton` of each
input: the op that made it, its attributes, scope, source line, name, role, shape and
dtype, and, once that input is freed in turn, the skeletons of its own inputs. No
values. So the structure survives:

    loss.backward()
    mg.render(loss)          # draws the graph, as torchviz's make_dot does after backward
    loss.backward()          # still an error (GraphFreedError): the values are gone

`graph_inputs(node)` is how graph capture walks a graph, alive or freed: it gives a
node's inputs (Tensors while the graph is alive, Skeletons after backward) and unfolds
composite ops (fused recurrent layers) into their decomposition on the way
(see composite.py).
"""
import numpy as np

from .errors import GraphFreedError
from .source import format_location
from .tensor import Tensor


class Skeleton:
    """The value-free stand-in of a tensor in a freed graph.

    Fields with a Tensor's names, so that code reading structure works on both:
    `_prim` (None for a leaf), `_attrs`, `scope`, `source`, `name`, `role`, `shape`,
    `dtype`, `requires_grad`, `is_parameter`, `_seq` (the tensor's creation number),
    `_inputs` (the input skeletons once the tensor itself was freed; None while they are
    unknown: the tensor was not freed, e.g. not on a path that backward walked), and
    `_grad_of` (always None: a skeleton holds no reference back into a live graph).
    """

    __slots__ = ("_prim", "_attrs", "scope", "source", "name", "role", "shape", "dtype",
                 "requires_grad", "is_parameter", "_seq", "_inputs", "_grad_of")

    data = None   # no values: what was freed stays freed
    is_leaf = Tensor.is_leaf
    op = Tensor.op

    def __repr__(self):
        what = self.op or ("parameter" if self.is_parameter else "leaf")
        return f"<skeleton of a {what} {self.shape}>"


_new = object.__new__
_NDARRAY = np.ndarray
# the `_skeleton` of a freed node that keeps its inputs' structure itself (in `_inputs`)
FREED = object()


def skeleton_of(tensor):
    """The tensor's Skeleton, made on first use and kept on the tensor (`_skeleton`),
    so every consumer of one tensor shares one skeleton."""
    made = tensor._skeleton
    if made is not None and made is not FREED:
        return made
    made = _new(Skeleton)
    made._prim = tensor._prim
    attrs = tensor._attrs
    if attrs and "saved" in attrs:   # a composite op's saved arrays are not structure
        attrs = {k: v for k, v in attrs.items() if k != "saved"}
    made._attrs = attrs
    made.scope = tensor.scope
    made.source = tensor.source
    made.name = tensor.name
    made.role = tensor.role
    data = tensor.data
    made.shape = data.shape
    made.dtype = data.dtype
    made.requires_grad = tensor.requires_grad
    made.is_parameter = tensor.is_parameter
    made._seq = tensor._seq
    made._inputs = () if tensor._prim is None else None
    made._grad_of = None
    tensor._skeleton = made
    return made


def kept(tensor):
    """What a freed consumer keeps of its input `tensor`: the tensor itself when keeping
    it holds no array worth freeing (0-d data, a numpy scalar; or a leaf that requires
    grad, a parameter the user holds anyway), else its Skeleton."""
    if tensor.data.__class__ is not _NDARRAY or (tensor._prim is None and tensor.requires_grad):
        return tensor
    return skeleton_of(tensor)


def free(node):
    """Release `node`'s inputs (and the arrays only they kept alive), keeping what
    `kept` says of each; afterwards `is_freed(node)` and a backward through it raises.

    A node that consumers already know by its skeleton passes the structure to it and
    drops its inputs; any other (the output, a 0-d node) keeps the structure itself,
    marked FREED.
    """
    inputs = node._inputs
    if inputs is None or node._skeleton is FREED:
        return
    structure = tuple([kept(i) for i in inputs])
    made = node._skeleton
    if node._attrs and "saved" in node._attrs:
        node._attrs = {k: v for k, v in node._attrs.items() if k != "saved"}
    if made is None:
        node._inputs = structure
        node._skeleton = FREED
    else:
        made._inputs = structure
        node._inputs = None


def graph_inputs(node, expand=True):
    """The inputs of `node` in argument order: Tensors while its graph is alive, Tensors
    and Skeletons once a backward freed it; () for a leaf. With `expand` (the default),
    a composite op (a fused recurrent layer) is first unfolded into its decomposition,
    so the walk sees the unrolled graph (composite.py).

    Raises GraphFreedError for a node freed with no structure kept.
    """
    if expand and node._prim is not None and node._prim.decompose is not None:
        from .composite import expand as expand_composite
        expand_composite(node)
    inputs = node._inputs
    if inputs is None:
        made = node if isinstance(node, Skeleton) else node._skeleton
        if made is not None and made is not FREED and made._inputs is not None:
            inputs = made._inputs
        elif isinstance(node, Skeleton):
            return ()   # its tensor was never freed and is gone: nothing more is known
        else:
            raise GraphFreedError(
                f"the graph of {node._prim.name} (created at {format_location(node.source)}) "
                f"was freed by a backward and its structure was not kept")
    if expand:   # what the caller sees next is unfolded too (its .op, its inputs)
        for child in inputs:
            if child._prim is not None and child._prim.decompose is not None:
                from .composite import expand as expand_composite
                expand_composite(child)
    return inputs


def is_freed(node):
    """True for a Skeleton, or for a Tensor whose graph a backward freed."""
    return isinstance(node, Skeleton) or node._inputs is None or node._skeleton is FREED

