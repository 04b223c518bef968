"""`save` and `load`: state dicts as .npz archives, written atomically, read without pickle.

The archive holds one `<key>.npy` entry per key, in the state dict's order, so dotted
keys ("encoder.0.weight") and key order both survive a round trip. Any .npz written
by `np.savez` loads too. Object arrays (which would need pickle) are refused both ways.
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
    arrays = [(str(key), _as_array(key, value)) for key, value in state_dict.items()]
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
    return state
