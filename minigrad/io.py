"""`save` and `load`: state dicts as .npz archives, written atomically, read without pickle.

The archive holds one `<key>.npy` entry per key, in the state dict's order, so dotted
keys ("encoder.0.weight") and key order both survive a round trip. Any .npz written
by `np.savez` loads too. Object arrays (which would need pickle) are refused both ways.

Nested dicts (a checkpoint {"model": model.state_dict(), "optim": opt.state_dict()})
are saved with "/" between the levels ("optim/state/0/exp_avg"; a list of dicts is
numbered) and `load` nests them again; numbers come back as numpy arrays, and an
empty dict is not stored.
"""
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor


def _as_array(key, value):
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.dtype.hasobject:
        raise TypeError(f"save: {key!r} holds Python objects (dtype {array.dtype}); only "
                        f"numeric and bool arrays can be saved")
    return array


def save(state_dict, path):
    """Write `state_dict` (name -> numpy array, Tensor or number) to `path` as an .npz.

    The file appears complete or not at all: it is written to a temporary file in the
    same directory and moved over `path` with os.replace. `path` is used as given
    (no ".npz" is appended).
    """
    arrays = [(key, _as_array(key, value)) for key, value in _flatten(state_dict)]
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(handle, "wb") as file, \
                zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for key, array in arrays:
                with zf.open(key + ".npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, array, allow_pickle=False)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a saved file is not
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _flatten(tree):
    """(key, leaf) pairs of nested dicts and lists of dicts, levels joined by "/"."""
    pairs, stack = [], [("", tree)]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, (list, tuple)) and node and all(isinstance(v, dict) for v in node):
            items = list(enumerate(node))
        else:
            pairs.append((prefix, node))
            continue
        for key, value in reversed(items):  # reversed: the stack pops them in order
            key = str(key)
            if "/" in key:
                raise ValueError(f"save: key {key!r} contains '/', which separates levels")
            stack.append((f"{prefix}/{key}" if prefix else key, value))
    return pairs


def _nest(flat):
    """The inverse of _flatten, for keys that hold "/" (lists come back as dicts)."""
    tree = OrderedDict()
    for key, value in flat.items():
        *levels, last = key.split("/")
        node = tree
        for level in levels:
            node = node.setdefault(level, OrderedDict())
        node[last] = value
    return tree


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def load(path):
    """Read an .npz state dict: an OrderedDict of name -> numpy array, in file order.

    Raises ValueError if the file is not an .npz archive or holds an object array
    (pickled data is never unpickled).
    """
    loaded = np.load(os.fspath(path), allow_pickle=False)
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {path} is a single .npy array, not an .npz state dict")
    state = OrderedDict()
    with loaded:
        for key in loaded.files:
            try:
                state[key] = loaded[key]
            except ValueError as exc:
                raise ValueError(f"load: entry {key!r} of {path} holds pickled Python objects, "
                                 f"which are refused (allow_pickle=False)") from exc
    return _nest(state) if any("/" in key for key in state) else state
