"""mg.save / mg.load on hostile or broken files: archives that would inflate past any
memory, lying sizes, odd entries and names; saving over modes, through links, and after
a save that was killed. Every refused load leaves the model it was meant for untouched.

The archives np.savez cannot write are built here from zipfile's own writer, with the
zip directory's fields changed before it is written out, as a hostile file would have
them.
"""
import io
import os
import signal
import stat
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MiB = 2**20


# ------------------------------------------------------------------ archive makers
def npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def npy_header(shape, descr="<f8"):
    """A .npy header (version 1.0, 128 bytes here) announcing `shape`, with no data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def write_archive(path, entries, compression=zipfile.ZIP_STORED):
    """A zip of (entry name, bytes) pairs, written as given (duplicates too)."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in entries:
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)


def deflated_zeros(header, count):
    """A raw deflate stream of `header` then `count` zero bytes, made cheaply: one MiB
    of zeros is compressed once, ending in a full flush (which lets no later block
    refer back), and repeated. 4 GB of zeros come out as 4 MB, as in a zip bomb."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    one_mib = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    whole, rest = divmod(count, MiB)
    return start + one_mib * whole + compressor.compress(bytes(rest)) + compressor.flush()


def write_declaring(path, name, data, file_size, compress_type=zipfile.ZIP_DEFLATED, crc=0):
    """An archive of one entry holding the bytes `data` (e.g. a raw deflate stream)
    whose zip directory declares it `compress_type`, of `file_size` bytes once
    expanded, with checksum `crc`. zipfile reads sizes and methods from the
    directory, as any reader does."""
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo(name)
        with zf.open(info, "w") as entry:
            entry.write(data)
        info.compress_type, info.file_size, info.CRC = compress_type, file_size, crc


def bomb(path, total):
    """A real deflate bomb: a float64 entry 'w.npy' of `total` bytes (header included)
    in a file 1/1000 of that size. Its CRC is left 0: a reader that inflates it all
    learns that only at the end."""
    header = npy_header(((total - 128) // 8,))
    write_declaring(path, "w.npy", deflated_zeros(header, total - len(header)), total)


def peak_bytes(fn):
    """(fn's exception, the peak of memory traced while it ran: numpy's arrays too)."""
    tracemalloc.start()
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the caller looks at it
        return exc, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return None, None


def refused_without_allocating(load, words, limit=8 * MiB):
    exc, peak = peak_bytes(load)
    assert isinstance(exc, ValueError), exc
    for word in words:
        assert word in str(exc), (word, str(exc))
    assert peak < limit, f"{peak:,} bytes allocated before refusing"
    return str(exc)


LIMITED_LOAD = textwrap.dedent("""
    import resource, sys
    import minigrad as mg
    with open("/proc/self/status") as status:
        size = [int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize")][0]
    limit = size + int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    limit = {} if sys.argv[3] == "default" else {"max_bytes": None}
    try:
        mg.load(sys.argv[1], **limit)
    except BaseException as exc:
        print(f"{type(exc).__name__}: {exc}")
""")


def load_under_memory_limit(path, headroom, max_bytes="default"):
    """What mg.load(path) raises (as 'Type: message') in a process that may allocate
    only `headroom` bytes more than it holds after importing minigrad; `max_bytes` is
    "default" (not passed) or None."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs Linux's /proc to set a memory limit")
    done = subprocess.run([sys.executable, "-c", LIMITED_LOAD, str(path), str(headroom),
                           str(max_bytes)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def linear():
    mg.manual_seed(0)
    return nn.Linear(2, 2)


def assert_refused_and_untouched(path, error=ValueError, words=()):
    """mg.load(path) raises `error` naming the path, and so the model meant to load
    it is left exactly as it was."""
    model = linear()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises(error) as info:
        model.load_state_dict(mg.load(path))
    assert str(path) in str(info.value)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    return str(info.value)


# ------------------------------------------------------------- sizes and bombs
def test_an_archive_expanding_past_max_bytes_is_refused_before_anything_is_read(tmp_path):
    path = tmp_path / "big.npz"
    np.savez_compressed(path, w=np.zeros(4 * MiB))  # 32 MiB of float64 in 32 KB
    message = refused_without_allocating(
        lambda: mg.load(path, max_bytes=8 * MiB),
        [str(path), "'w.npy'", "32.0 MiB", "max_bytes=8.0 MiB"])
    assert "max_bytes=None" in message  # how to load it anyway
    np.testing.assert_array_equal(mg.load(path, max_bytes=None)["w"], np.zeros(4 * MiB))
    np.testing.assert_array_equal(mg.load(path, max_bytes=33 * MiB)["w"], np.zeros(4 * MiB))


def test_the_default_limit_refuses_a_4_mb_file_that_inflates_to_4_gb(tmp_path):
    """Under a memory limit too, the answer is the refusal, quickly: nothing inflates."""
    path = tmp_path / "bomb.npz"
    bomb(path, 4_000_000_000)
    assert os.path.getsize(path) < 5_000_000
    assert mg.io.DEFAULT_MAX_BYTES == 2 * 2**30
    result = load_under_memory_limit(path, 512 * MiB)
    assert result.startswith("ValueError: load: "), result
    for word in (str(path), "'w.npy'", "3.7 GiB (4,000,000,000 bytes)", "max_bytes=2.0 GiB"):
        assert word in result, (word, result)


def test_an_npy_header_claiming_8_tib_is_refused_naming_the_file_entry_and_size(tmp_path):
    path = tmp_path / "claims.npz"
    write_archive(path, [("w.npy", npy_header((2**40,)))])
    refused_without_allocating(lambda: mg.load(path), [str(path), "'w'", "8.0 TiB"])
    refused_without_allocating(lambda: mg.load(path, max_bytes=None),
                               [str(path), "'w'", "8.0 TiB"])
    assert_refused_and_untouched(path, words=["8.0 TiB"])


@pytest.mark.parametrize("max_bytes", ["default", None])
def test_a_zip_directory_declaring_8_tib_is_refused_with_or_without_a_limit(tmp_path,
                                                                             max_bytes):
    """A lying directory: 8 TiB declared for 1 KB of data, deflated or stored."""
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        path = tmp_path / f"lies{method}.npz"
        write_declaring(path, "w.npy", deflated_zeros(npy_header((2**40,)), 0),
                        8 * 2**40 + 128, compress_type=method)
        kwargs = {} if max_bytes == "default" else {"max_bytes": max_bytes}
        refused_without_allocating(lambda: mg.load(path, **kwargs),
                                   [str(path), "w", "8.0 TiB"])


def test_a_header_promising_more_than_the_entry_declares_is_refused_before_allocating(
        tmp_path):
    """The header says 1 GiB of float64, the directory 1 MiB: numpy would allocate the
    1 GiB and only then find the data missing."""
    path = tmp_path / "short.npz"
    header = npy_header((2**27,))
    write_declaring(path, "w.npy", deflated_zeros(header, MiB - len(header)), MiB)
    refused_without_allocating(lambda: mg.load(path, max_bytes=None),
                               [str(path), "'w'", "damaged", "1.0 GiB", "1,048,448 bytes"])


def test_a_deflated_entry_inflating_past_its_declared_size_stops_at_that_size(tmp_path):
    """A zip bomb whose directory understates it: 256 MiB of deflated zeros declared as
    1 MiB. zipfile stops inflating at the declared size; the checksum then fails."""
    path = tmp_path / "understated.npz"
    header = npy_header(((MiB - 128) // 8,))
    write_declaring(path, "w.npy", deflated_zeros(header, 256 * MiB), MiB, crc=12345)
    refused_without_allocating(lambda: mg.load(path), [str(path), "'w'", "damaged"])


def test_bzip2_and_lzma_entries_are_refused_as_zipfile_inflates_them_unbounded(tmp_path):
    """zipfile hands a bzip2 entry all its output at once: 1 KB of bzip2 declared as
    1 MiB would still inflate its 32 MiB before being cut to size."""
    for method, name in ((zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")):
        path = tmp_path / f"{name}.npz"
        write_archive(path, [("w.npy", npy_header((4 * MiB,)) + bytes(32 * MiB))],
                      compression=method)
        with zipfile.ZipFile(path) as zf:
            assert zf.infolist()[0].compress_size < 64 * 1024
        refused_without_allocating(lambda: mg.load(path), [str(path), "'w'", name,
                                                           "np.savez_compressed"])


def test_an_archive_too_large_for_memory_is_a_memory_error_naming_file_entry_and_size(
        tmp_path):
    """A genuine 512 MiB archive (deflated: 500 KB) loaded with max_bytes=None by a
    process allowed 256 MiB more: a MemoryError that says which file needed what."""
    path = tmp_path / "genuine.npz"
    bomb(path, 512 * MiB)
    result = load_under_memory_limit(path, 256 * MiB, max_bytes=None)
    assert result.startswith("MemoryError: load: "), result
    for word in (str(path), "'w'", "512.0 MiB"):
        assert word in result, (word, result)


# -------------------------------------------------------- odd entries and names
@pytest.mark.parametrize("order", [("w.npy", "w/x.npy"), ("w/x.npy", "w.npy")])
def test_an_entry_that_is_both_an_array_and_a_level_is_refused_in_either_order(tmp_path,
                                                                               order):
    path = tmp_path / "both.npz"
    write_archive(path, [(name, npy(np.ones(2))) for name in order])
    assert_refused_and_untouched(path, words=["'w.npy'", "'w/x.npy'"])


def test_an_entry_named_twice_is_refused(tmp_path):
    path = tmp_path / "twice.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):  # zipfile's, when writing
        write_archive(path, [("weight.npy", npy(np.ones((2, 2), np.float32))),
                             ("bias.npy", npy(np.ones(2, np.float32))),
                             ("weight.npy", npy(np.full((2, 2), 9.0, np.float32)))])
    assert_refused_and_untouched(path, words=["'weight.npy'", "2 times"])


def test_an_encrypted_entry_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "encrypted.npz"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("weight.npy")
        zf.writestr(info, npy(np.ones((2, 2), np.float32)))
        info.flag_bits |= 0x1
    assert_refused_and_untouched(path, words=["'weight'", "encrypted"])


def test_corrupt_deflated_data_is_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "corrupt.npz"
    np.savez_compressed(path, weight=np.arange(100000.0))
    data = bytearray(path.read_bytes())
    data[200:220] = b"\xff" * 20
    path.write_bytes(bytes(data))
    assert_refused_and_untouched(path, words=["'weight'", "damaged"])


def test_a_file_cut_short_before_its_zip_directory_is_refused(tmp_path):
    path = tmp_path / "cut.npz"
    np.savez(path, weight=np.ones((2, 2), np.float32), bias=np.ones(100000))
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        directory = data[zf.start_dir:]
        bias_offset = zf.getinfo("bias.npy").header_offset
    # keep the zip directory (so the archive opens) but cut bias's data short: zipfile
    # then places the entries before the start of the file
    path.write_bytes(data[:bias_offset + 5000] + directory)
    assert_refused_and_untouched(path, words=["damaged", "truncated"])


# ------------------------------------------------------------------ keys on save
@pytest.mark.parametrize("state, words", [
    ({"a\0b": np.ones(1)}, "NUL"),
    ({"\udc80": np.ones(1)}, "UTF-8"),
    ({"x" * 70000: np.ones(1)}, "65,535"),
    ({0: np.ones(1), "0": np.zeros(1)}, "keys 0 and '0' would both be saved as '0'"),
    ({"opt": {1: np.ones(1), "1": np.zeros(1)}}, "keys 1 and '1'"),
])
def test_a_key_that_cannot_come_back_is_refused_at_save_time(tmp_path, state, words):
    path = tmp_path / "k.npz"
    with pytest.raises(ValueError, match="save: ") as info:
        mg.save(state, path)
    assert words in str(info.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("state", [
    {"": {"b": np.ones(1)}},                       # an empty level name
    {"a": {"": np.ones(1)}, "": np.zeros(1)},      # empty leaf names
    {"é\nü": np.ones(1), "w.npy": np.ones(1), "a\\b": np.ones(1), "..": np.ones(1)},
])
def test_unusual_keys_that_a_zip_name_can_hold_round_trip(tmp_path, state):
    mg.save(state, tmp_path / "k.npz")
    loaded = mg.load(tmp_path / "k.npz")
    assert _plain(loaded) == _plain(state)


def _plain(tree):
    """Nested dicts of arrays -> nested dicts of lists, comparable with ==."""
    if isinstance(tree, dict):
        return {key: _plain(value) for key, value in tree.items()}
    return np.asarray(tree).tolist()


# -------------------------------------------------------- where and how it writes
def test_save_over_a_private_file_keeps_it_private(tmp_path):
    path = tmp_path / "secret.npz"
    for mode in (0o600, 0o640, 0o444):
        path.write_bytes(b"")
        os.chmod(path, mode)
        mg.save({"w": np.ones(2)}, path)
        assert stat.S_IMODE(os.stat(path).st_mode) == mode
        np.testing.assert_array_equal(mg.load(path)["w"], np.ones(2))
        os.chmod(path, 0o600)


def test_save_never_sets_the_umask_which_other_threads_would_see(tmp_path, monkeypatch):
    """Reading the umask means setting it (os.umask(0), then back): a file another
    thread created in between got mode 0o666. The kernel applies the umask instead."""
    def refuse(mask):
        raise AssertionError(f"os.umask({mask:#o}) called")
    monkeypatch.setattr(os, "umask", refuse)
    mg.save({"w": np.ones(2)}, tmp_path / "m.npz")
    monkeypatch.undo()
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "m.npz").st_mode) == 0o666 & ~mask


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="only root may save over another user's file")
def test_save_as_root_over_a_users_file_keeps_its_owner(tmp_path):
    path = tmp_path / "theirs.npz"
    path.write_bytes(b"")
    os.chown(path, 1234, 5678)
    mg.save({"w": np.ones(2)}, path)
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (1234, 5678)


def test_save_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    store, links = tmp_path / "store", tmp_path / "links"
    store.mkdir()
    links.mkdir()
    target = store / "model.npz"
    mg.save({"w": np.zeros(2)}, target)
    os.chmod(target, 0o600)
    (links / "latest.npz").symlink_to(os.path.relpath(target, links))
    (links / "chain.npz").symlink_to("latest.npz")  # a link to a link
    for link in (links / "latest.npz", links / "chain.npz"):
        mg.save({"w": np.full(2, 7.0)}, link)
        assert os.path.islink(link)
        np.testing.assert_array_equal(mg.load(target)["w"], [7.0, 7.0])
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(os.listdir(store)) == ["model.npz"]  # the temporary was beside the target
    assert sorted(os.listdir(links)) == ["chain.npz", "latest.npz"]
    dangling = links / "new.npz"
    dangling.symlink_to(os.path.join("..", "store", "fresh.npz"))
    mg.save({"w": np.ones(1)}, dangling)  # creates the file the link names, as open() does
    assert os.path.islink(dangling) and (store / "fresh.npz").is_file()


def test_save_into_a_pipe_writes_into_it_rather_than_replacing_it(tmp_path):
    """A FIFO (like /dev/null or /dev/stdout) stays what it is: replacing it with a
    regular file would break whoever reads it (for /dev/null, the whole machine)."""
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the save can open it
    try:
        mg.save({"w": np.ones(2)}, fifo)  # a few hundred bytes: the pipe's buffer holds them
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        try:
            data = os.read(reader, 1 << 16)
        except BlockingIOError:
            data = b""
    finally:
        os.close(reader)
    np.testing.assert_array_equal(np.load(io.BytesIO(data))["w"], [1.0, 1.0])
    assert os.listdir(tmp_path) == ["pipe.npz"]


def test_save_onto_a_directory_is_an_is_a_directory_error_naming_it(tmp_path):
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        mg.save({"w": np.ones(2)}, tmp_path)
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_directory_names_the_path_not_a_temporary(tmp_path):
    path = tmp_path / "missing" / "model.npz"
    with pytest.raises(FileNotFoundError) as info:
        mg.save({"w": np.ones(1)}, path)
    assert str(path) in str(info.value) and ".tmp" not in str(info.value)


SLOW_SAVE = textwrap.dedent("""
    import sys, time
    import numpy as np
    import minigrad as mg
    write_array = np.lib.format.write_array

    def write_then_hang(*args, **kwargs):
        write_array(*args, **kwargs)
        print("writing", flush=True)
        time.sleep(120)

    np.lib.format.write_array = write_then_hang
    mg.save({"w": np.zeros(100000), "b": np.zeros(3)}, sys.argv[1])
""")


def start_a_save_that_hangs(path):
    """A process that has written part of `path`'s temporary and stops there."""
    child = subprocess.Popen([sys.executable, "-c", SLOW_SAVE, str(path)],
                             stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, PYTHONPATH=ROOT))
    assert child.stdout.readline().strip() == "writing"
    return child


def temporaries(directory):
    return sorted(name for name in os.listdir(directory) if name.startswith(".tmp-"))


def test_a_killed_saves_temporary_is_removed_by_the_next_save_but_not_while_it_runs(
        tmp_path):
    path = tmp_path / "m.npz"
    child = start_a_save_that_hangs(path)
    try:
        [running] = temporaries(tmp_path)
        assert str(child.pid) in running
        mg.save({"w": np.ones(2)}, path)  # another save of the same file, meanwhile
        assert temporaries(tmp_path) == [running]  # a save in progress is left alone
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    mg.save({"w": np.full(2, 3.0)}, path)
    assert os.listdir(tmp_path) == ["m.npz"]
    np.testing.assert_array_equal(mg.load(path)["w"], [3.0, 3.0])


def a_finished_pid():
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_only_temporaries_of_the_same_file_whose_process_ended_are_removed(tmp_path):
    dead, alive = a_finished_pid(), os.getppid()
    keep = [f".tmp-m.npz-{alive}-0123abcd.npz",        # a save in progress
            f".tmp-other.npz-{dead}-0123abcd.npz",     # another file's
            f".tmp-m.npz-1-{dead}-0123abcd.npz",       # the file "m.npz-1"'s
            f".tmp-m.npz-{dead}-0123abcd.npz.part",    # not of our making
            f".tmp-m.npz-{dead}.npz"]
    stale = [f".tmp-m.npz-{dead}-0123abcd.npz", f".tmp-m.npz-{dead}-ffffffff.npz"]
    for name in keep + stale:
        (tmp_path / name).write_bytes(b"x")
    mg.save({"w": np.ones(2)}, tmp_path / "m.npz")
    assert temporaries(tmp_path) == sorted(keep)


def test_a_file_name_too_long_for_a_temporarys_name_still_saves_and_cleans_up(tmp_path):
    path = tmp_path / ("x" * 250 + ".npz")
    mg.save({"w": np.ones(2)}, path)
    mg.save({"w": np.zeros(2)}, path)
    assert os.listdir(tmp_path) == [path.name]
    np.testing.assert_array_equal(mg.load(path)["w"], [0.0, 0.0])


def test_max_bytes_must_be_a_non_negative_int_or_none(tmp_path):
    path = tmp_path / "m.npz"
    mg.save({"w": np.ones(2)}, path)
    with pytest.raises(TypeError, match="max_bytes must be an int or None, got str"):
        mg.load(path, max_bytes="1GB")
    with pytest.raises(ValueError, match="max_bytes must be >= 0"):
        mg.load(path, max_bytes=-1)
    with pytest.raises(ValueError, match="expands to 144 bytes in 1 entry, more than "
                                         "max_bytes=100 bytes"):
        mg.load(path, max_bytes=100)
