"""`save` and `load`: state dicts as .npz archives, written atomically, read without pickle.

The archive holds one `<key>.npy` entry per key, in the state dict's order, so dotted
keys ("encoder.0.weight") and key order both survive a round trip. Any .npz written
by `np.savez` loads too. Object arrays (which would need pickle) are refused both ways.

Nested dicts (a checkpoint {"model": model.state_dict(), "optim": opt.state_dict()})
are saved with "/" between the levels ("optim/state/0/exp_avg"; a list of dicts is
numbered) and `load` nests them again; an empty dict is not stored.

Python scalars come back as the Python type they were saved as, as torch.load gives
them: int, float, bool, str and None (`{"step": 60}` loads as 60, not array(60)).
Each is stored as a 0-d array (None: an empty float64 array) whose zip entry carries
the comment "minigrad:int" (float, bool, str, None). Zip entry comments are ignored
by `np.load` and by older versions of minigrad, which see the plain arrays; entries
without such a comment (np.savez files, files of the earlier format) load as arrays,
as before. Numpy scalars and arrays stay numpy.
"""
import os
import tempfile
import time
import zipfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor


_SCALAR_MARK = "minigrad:"  # + a name of _PY_SCALARS, in the zip entry's comment
_PY_SCALARS = {"int": int, "float": float, "bool": bool, "str": str, "None": type(None)}


def _scalar_name(value):
    """The name of a Python scalar's type, or None for anything else (exact types:
    np.float64 subclasses float but is numpy's, and stays an array)."""
    for name, kind in _PY_SCALARS.items():
        if type(value) is kind:
            return name
    return None


def _as_array(key, value):
    if value is None:
        return np.zeros(0)
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
    arrays = [(key, _as_array(key, value), _scalar_name(value))
              for key, value in _flatten(state_dict)]
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(handle, "wb") as file, \
                zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for key, array, scalar in arrays:
                info = zipfile.ZipInfo(key + ".npy", date_time=time.localtime()[:6])
                if scalar is not None:
                    info.comment = (_SCALAR_MARK + scalar).encode("ascii")
                with zf.open(info, "w", force_zip64=True) as entry:
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
    """Read an .npz state dict: an OrderedDict of name -> numpy array, in file order,
    nested again where `save` joined levels with "/"; Python scalars saved by `save`
    come back as Python int, float, bool, str or None.

    Raises ValueError naming the path if the file is not an .npz archive (a text or
    pickle file, an empty or truncated file, a zip of other entries such as a PyTorch
    .pt file) or holds an object array: nothing is ever unpickled.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:  # a missing file: FileNotFoundError naming the path
        head = file.read(len(_NPY_MAGIC))
    if head == _NPY_MAGIC:
        raise ValueError(f"load: {path} is a single .npy array, not an .npz state dict")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError(f"load: {path} is not an .npz archive ({_describe(head)}); mg.load "
                         f"reads the files that mg.save and np.savez write") from None
    state = OrderedDict()
    with archive:
        for info in archive.infolist():
            name = info.filename
            if not name.endswith(".npy"):
                raise ValueError(f"load: {path} is not an .npz archive: its entry {name!r} is "
                                 f"not a .npy array (a PyTorch .pt file is a zip of pickled "
                                 f"data, which minigrad does not read)")
            key = name[:-len(".npy")]
            state[key] = _as_saved(_read_entry(archive, key, path), info.comment, key, path)
    return _nest(state) if any("/" in key for key in state) else state


_NPY_MAGIC = b"\x93NUMPY"


def _describe(head):
    """What the first bytes of a file that is not a zip say it is."""
    if not head:
        return "the file is empty"
    if head.startswith(b"PK"):
        return "a damaged or truncated zip file"
    if head.startswith(b"\x80"):
        return "it looks like a Python pickle, which minigrad never unpickles"
    return f"it starts with {head!r}"


def _as_saved(array, comment, key, path):
    """The Python scalar that `save` stored as `array`, if the entry's comment names
    one; otherwise the array itself (np.savez files and the earlier format)."""
    mark = comment.decode("ascii", "replace")
    name = mark[len(_SCALAR_MARK):] if mark.startswith(_SCALAR_MARK) else None
    if name not in _PY_SCALARS:  # no mark, or one of a later format: the array as it is
        return array
    if name == "None" and array.size == 0:
        return None
    if array.ndim == 0 and type(array.item()) is _PY_SCALARS[name]:
        return array.item()
    raise ValueError(f"load: entry {key!r} of {path} is marked {mark!r} but holds an array "
                     f"of shape {array.shape} and dtype {array.dtype}")


def _read_entry(archive, key, path):
    """The array in entry `key`.npy, read without pickle."""
    try:
        with archive.open(key + ".npy") as entry:
            return np.lib.format.read_array(entry, allow_pickle=False)
    except ValueError as exc:  # numpy names allow_pickle when it meets an object array
        if "allow_pickle" in str(exc):
            problem = "holds pickled Python objects, which are refused: files are loaded " \
                      "without pickle"
        else:
            problem = f"is not a valid .npy array ({exc})"
    except (zipfile.BadZipFile, EOFError) as exc:
        problem = f"is damaged ({exc})"
    raise ValueError(f"load: entry {key!r} of {path} {problem}")
