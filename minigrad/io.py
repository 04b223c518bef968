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

Hostile or broken files: `load` reads each entry's declared size from the zip
directory and its .npy header before allocating anything, and refuses an archive
that would expand past `max_bytes` (default 2 GiB, DEFAULT_MAX_BYTES) with a
ValueError naming the file, the largest entry and the sizes.
"""
import math
import numbers
import os
import time
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from .atomic_write import atomic_write
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

    The file appears complete or not at all (see `minigrad.atomic_write`): it is
    written beside the file and moved over it. A symlink is written through, an
    existing file keeps its permissions, and temporaries left by a killed save of
    the same file are removed; a device or a pipe is written into, not replaced.
    `path` is used as given (no ".npz" is appended).

    Every key is checked before anything is written: a key must survive the round
    trip through a zip entry name, so one holding "/" (the level separator), a NUL
    character, a lone surrogate (not UTF-8), or longer than a zip name can be
    (65,535 bytes) is refused, and so are two keys of one dict that read alike
    (0 and "0"). ValueError names the key.
    """
    arrays = [(key, _as_array(key, value), _scalar_name(value))
              for key, value in _flatten(state_dict)]
    for key, _, _ in arrays:
        _check_entry_name(key)
    with atomic_write(path) as file, \
            zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, array, scalar in arrays:
            info = zipfile.ZipInfo(key + ".npy", date_time=time.localtime()[:6])
            if scalar is not None:
                info.comment = (_SCALAR_MARK + scalar).encode("ascii")
            with zf.open(info, "w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)


_ZIP_NAME_LIMIT = 0xFFFF  # a zip entry's name length is a 16-bit field


def _check_entry_name(key):
    """ValueError unless `key` + ".npy" comes back from a zip entry name as written."""
    if "\0" in key:  # zipfile cuts an entry name at its first NUL
        raise ValueError(f"save: key {key!r} contains a NUL character, which a zip entry "
                         f"name cannot hold")
    try:
        size = len((key + ".npy").encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValueError(f"save: key {key!r} is not valid text ({exc.reason} at position "
                         f"{exc.start}) and cannot be written as UTF-8") from None
    if size > _ZIP_NAME_LIMIT:
        raise ValueError(f"save: key {key[:40]!r}... is {size:,} bytes long as a zip entry "
                         f"name; zip names hold at most {_ZIP_NAME_LIMIT:,}")


def _flatten(tree):
    """(key, leaf) pairs of nested dicts and lists of dicts, levels joined by "/"."""
    pairs, stack = [], [(None, tree)]  # None: the top level, which adds no "/"
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, (list, tuple)) and node and all(isinstance(v, dict) for v in node):
            items = list(enumerate(node))
        else:
            pairs.append(("" if prefix is None else prefix, node))
            continue
        children, originals = [], {}
        for key, value in items:
            name = str(key)
            if "/" in name:
                raise ValueError(f"save: key {name!r} contains '/', which separates levels")
            if name in originals:
                raise ValueError(f"save: keys {originals[name]!r} and {key!r} would both be "
                                 f"saved as {name!r}")
            originals[name] = key
            children.append((name if prefix is None else f"{prefix}/{name}", value))
        stack.extend(reversed(children))  # reversed: the stack pops them in order
    return pairs


def _nest(flat):
    """The inverse of _flatten, for keys that hold "/" (lists come back as dicts);
    `_entry_keys` has made sure that no key is also a level of another."""
    tree = OrderedDict()
    for key, value in flat.items():
        *levels, last = key.split("/")
        node = tree
        for level in levels:
            node = node.setdefault(level, OrderedDict())
        node[last] = value
    return tree


DEFAULT_MAX_BYTES = 2 * 2**30
"""`load`'s default limit on what an archive may expand to: 2 GiB, about 537 million
float32 numbers. A checkpoint of the largest model minigrad trains in reasonable time
on a CPU is far smaller (an LSTM of 4,096 units on 4,096 inputs has 134 million
parameters, 537 MB; with Adam's two moments, 1.6 GB), while a hostile 4 MB archive
that inflates to 4 GiB is refused before a byte of it is decompressed."""


def load(path, max_bytes=DEFAULT_MAX_BYTES):
    """Read an .npz state dict: an OrderedDict of name -> numpy array, in file order,
    nested again where `save` joined levels with "/"; Python scalars saved by `save`
    come back as Python int, float, bool, str or None.

    Args:
        path: the file.
        max_bytes: the most the archive may expand to, in bytes: the sum of its
            entries' sizes as its zip directory declares them (what the arrays take in
            memory, plus a header of about 128 bytes each). Default 2 GiB
            (DEFAULT_MAX_BYTES); None for no limit. Checked before anything is read,
            and each entry's .npy header is checked against its declared size before
            its array is allocated, so neither a lying header nor a compressed entry
            that inflates past its declared size (a zip bomb) can allocate more.

    Raises ValueError naming the path (and the entry) if the file is not an .npz
    archive (a text or pickle file, an empty or truncated file, a zip of other entries
    such as a PyTorch .pt file), is damaged, expands past `max_bytes`, holds an object
    array (nothing is ever unpickled), holds one name twice or one both as an array and
    as a level of nested entries ("a.npy" and "a/b.npy"), or uses a compression other
    than the stored and deflated entries np.savez and np.savez_compressed write. A
    MemoryError names the path, the entry and its size.
    """
    path = os.fspath(path)
    _check_max_bytes(max_bytes)
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
        infos = archive.infolist()
        keys = _entry_keys(infos, path)
        _check_expansion(infos, path, max_bytes)
        for info, key in zip(infos, keys):
            state[key] = _as_saved(_read_entry(archive, info, key, path), info.comment,
                                   key, path)
    return _nest(state) if any("/" in key for key in state) else state


def _check_max_bytes(max_bytes):
    if max_bytes is None:
        return
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, numbers.Integral):
        raise TypeError(f"load: max_bytes must be an int or None, got "
                        f"{type(max_bytes).__name__}")
    if max_bytes < 0:
        raise ValueError(f"load: max_bytes must be >= 0 (or None), got {max_bytes}")


def _entry_keys(infos, path):
    """The key of each entry (its name less ".npy"), checked by name alone: every
    entry a .npy array, no name twice, no key that is also a level of another."""
    keys = []
    for info in infos:
        name = info.filename
        if not name.endswith(".npy"):
            raise ValueError(f"load: {path} is not an .npz archive: its entry {name!r} is "
                             f"not a .npy array (a PyTorch .pt file is a zip of pickled "
                             f"data, which minigrad does not read)")
        keys.append(name[:-len(".npy")])
    seen = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"load: {path} holds the entry {key + '.npy'!r} "
                             f"{keys.count(key)} times; which one is meant is unclear")
        seen.add(key)
    for key in keys:
        levels = key.split("/")[:-1]
        for depth in range(1, len(levels) + 1):
            level = "/".join(levels[:depth])
            if level in seen:
                raise ValueError(f"load: {path} holds both {level + '.npy'!r} and "
                                 f"{key + '.npy'!r}: {level!r} cannot be an array and a "
                                 f"level of nested entries at once")
    return keys


def _check_expansion(infos, path, max_bytes):
    """ValueError if the entries' declared sizes add up to more than `max_bytes`."""
    total = sum(info.file_size for info in infos)
    if max_bytes is None or total <= max_bytes:
        return
    largest = max(infos, key=lambda info: info.file_size)
    entries = f"{len(infos)} entr{'y' if len(infos) == 1 else 'ies'}"
    raise ValueError(f"load: {path} expands to {_size(total)} in {entries}, more "
                     f"than max_bytes={_size(max_bytes)}; its largest entry "
                     f"{largest.filename!r} alone is {_size(largest.file_size)}. If you "
                     f"trust the file, pass a larger max_bytes (or max_bytes=None)")


def _size(count):
    """'4.0 GiB (4,294,967,424 bytes)': a byte count a reader can take in."""
    value, unit = float(count), "bytes"
    for name in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024:
            break
        value, unit = value / 1024, name
    if unit == "bytes":
        return f"{count:,} bytes"
    return f"{value:.1f} {unit} ({count:,} bytes)"


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


_READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_ENCRYPTED = 0x1  # bit 0 of a zip entry's general purpose flags


def _read_entry(archive, info, key, path):
    """The array in entry `info` (key `key`), read without pickle, its header checked
    against the entry's declared size before the array is allocated.

    Only stored and deflated entries are read: zipfile stops inflating a deflated
    entry at its declared size, but hands a bzip2 or lzma entry its whole
    decompressed output at once, and 4 KiB of bzip2 can hold gigabytes."""
    if info.compress_type not in _READABLE:
        method = _COMPRESSION_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise ValueError(f"load: entry {key!r} of {path} is compressed with {method}; mg.load "
                         f"reads stored and deflated entries (what np.savez and "
                         f"np.savez_compressed write)")
    if info.flag_bits & _ENCRYPTED:
        raise ValueError(f"load: entry {key!r} of {path} is encrypted, which mg.load does "
                         f"not read")
    declared = _declared_size_problem(info, os.fstat(archive.fp.fileno()).st_size)
    if declared:
        raise ValueError(f"load: entry {key!r} of {path} is damaged: {declared}")
    try:
        with archive.open(info) as entry:
            _check_header(entry, info)
            entry.seek(0)
            return np.lib.format.read_array(entry, allow_pickle=False)
    except MemoryError:
        raise MemoryError(f"load: not enough memory for entry {key!r} of {path} "
                          f"({_size(info.file_size)})") from None
    except _Refused as exc:
        problem = str(exc)
    except ValueError as exc:  # numpy names allow_pickle when it meets an object array
        problem = (_PICKLED if "allow_pickle" in str(exc)
                   else f"is not a valid .npy array ({exc})")
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        problem = f"is damaged ({exc})"
    raise ValueError(f"load: entry {key!r} of {path} {problem}")


_PICKLED = ("holds pickled Python objects, which are refused: files are loaded without "
            "pickle")
_COMPRESSION_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}


_DEFLATE_MAX_RATIO = 1032  # deflate writes at least 2 bits per 258 bytes it repeats


def _declared_size_problem(info, archive_size):
    """What makes the zip directory's sizes of an entry impossible, or None: data
    outside the file, a stored entry whose two sizes differ, a deflated one
    declared larger than deflate can expand its compressed bytes to."""
    if info.header_offset < 0:  # zipfile's offset once it has placed a moved directory
        return "its data would start before the start of the file; the file is truncated"
    if info.header_offset + info.compress_size > archive_size:
        return (f"its {_size(info.compress_size)} of data would run past the end of the "
                f"file ({_size(archive_size)}); the file is truncated")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        return (f"it is stored uncompressed, yet declares {_size(info.file_size)} in "
                f"{_size(info.compress_size)}")
    if info.file_size > _DEFLATE_MAX_RATIO * info.compress_size + 1024:
        return (f"it declares {_size(info.file_size)} inflated from "
                f"{_size(info.compress_size)}, more than deflate can expand to")
    return None


class _Refused(Exception):
    """What is wrong with an entry, found before its array is allocated."""


def _check_header(entry, info):
    """Read the .npy header at the start of `entry`: refuse an object array, and a
    header that promises more data than the entry's declared size holds."""
    version = np.lib.format.read_magic(entry)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(entry)
    else:  # 2.0 and 3.0 share the layout (3.0 spells field names in UTF-8, not latin-1)
        shape, _, dtype = np.lib.format.read_array_header_2_0(entry)
    if dtype.hasobject:
        raise _Refused(_PICKLED)
    needed = math.prod(shape) * dtype.itemsize
    held = info.file_size - entry.tell()
    if needed > held:
        raise _Refused(f"is damaged: its header declares an array of shape {shape} and "
                       f"dtype {dtype}, {_size(needed)}, but the entry holds "
                       f"{_size(max(held, 0))}")
