"""Reading archives from anywhere: bounded cost, a one-line message, never a traceback.

Each spoiled archive here is built byte by byte, the way a damaged download,
a hand edit or a crafted file would look, and the tests check three things:
the right error (``ValueError`` for the content, ``OSError`` for a file that
cannot be read, never called corrupt), that the check happens at the step
that can afford it (before any data is read, or while reading with bounded
memory), and, in a fuzz test, that no mutation of a good model file ever
ends in anything but a good load or such an error, quickly.
"""

import errno
import functools
import io
import json
import os
import struct
import tempfile
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minidl.archive
from minidl import MLP, save_model
from minidl.archive import MAX_HEADER_SIZE, open_archive
from minidl.files import load_npz, save_npz
from minidl.serialization import load_model
from minidl.training import Trainer


# ============================================================ building files
def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def central_entries(data):
    """Offset of each member's entry in the zip directory, by name."""
    entries, start = {}, data.find(b"PK\x01\x02")
    while start != -1:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        entries[data[start + 46:start + 46 + name_length].decode()] = start
        start = data.find(b"PK\x01\x02", start + 46 + name_length)
    return entries


def patched(data, name, field_offset, value):
    """``data`` with one 4-byte field of ``name``'s directory entry set to ``value``."""
    data = bytearray(data)
    struct.pack_into("<I", data, central_entries(bytes(data))[name] + field_offset, value)
    return bytes(data)


DECLARED_SIZE, LOCAL_HEADER_OFFSET = 24, 42  # fields of a zip directory entry


def model_file(path, **config_changes):
    """A saved 8 -> 8 -> 3 model (a few KB), its JSON settings changed by ``config_changes``."""
    save_model(MLP(8, [8], 3, seed=0), path, metadata={"dataset": "digits"})
    if config_changes:
        arrays, meta = load_npz(path)
        meta["tree"]["config"].update(config_changes)
        save_npz(path, arrays, meta)
    return path


# ==================================================== settings against shapes
def test_settings_asking_for_a_huge_layer_are_refused_before_anything_is_built(tmp_path, monkeypatch):
    path = model_file(tmp_path / "huge.npz", hidden_sizes=[50_000_000])
    assert path.stat().st_size < 4000

    def no_building(config):
        raise AssertionError("a network was built from settings the arrays do not match")

    monkeypatch.setattr(MLP, "from_config", no_building)
    monkeypatch.setattr(minidl.archive.Archive, "read", lambda self, name: pytest.fail("array data was read"))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"call for W1 of shape \(8, 50000000\), .* holds W1 of shape \(8, 8\)"):
        load_model(path)
    assert time.perf_counter() - start < 1.0  # milliseconds in fact; minutes and gigabytes before


# ================================================================ the file
def test_a_fifo_is_refused_by_its_stat_and_never_opened(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "pipe.npz")
    # Opening a FIFO for reading waits for a writer forever: it must not even be tried.
    monkeypatch.setattr(minidl.archive.os, "open", lambda *args: pytest.fail("the FIFO was opened"))
    with pytest.raises(ValueError, match=r"model '.*pipe.npz' is a named pipe \(FIFO\), not a file"):
        load_model(tmp_path / "pipe.npz")


def test_an_io_error_while_reading_is_not_called_corrupt(tmp_path, monkeypatch):
    path = model_file(tmp_path / "m.npz")

    def failing_read(self, size=-1):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(zipfile.ZipExtFile, "read", failing_read)
    with pytest.raises(OSError, match="cannot read model .*: Input/output error; the file itself may be") as caught:
        load_model(path)
    assert "corrupt" not in str(caught.value)


def load_as_another_user(path):
    """What ``load_model(path)`` raises for a user other than the file's owner, as ``"Type: message"``.

    As root, whom permissions do not stop, it runs in a forked child that
    has become user 65534 ('nobody'), so the kernel itself refuses the file;
    as anyone else, in this process (the mode bits then concern this user).
    """
    def load():
        try:
            load_model(path)
        except Exception as exc:  # whatever it is, the test reports it
            return f"{type(exc).__name__}: {exc}"
        return "loaded"

    if os.geteuid() != 0:
        return load()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # modules are imported already: the new user cannot read them under /root
        try:
            os.close(read_end)
            os.setgid(65534)
            os.setuid(65534)
            os.write(write_end, load().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as stream:
        outcome = stream.read()
    os.waitpid(child, 0)
    return outcome


def test_a_file_without_read_permission_for_real():
    with tempfile.TemporaryDirectory() as folder:  # pytest's own folders are closed to other users
        os.chmod(folder, 0o755)
        path = model_file(os.path.join(folder, "m.npz"))
        os.chmod(path, 0)
        outcome = load_as_another_user(path)
    assert outcome == f"PermissionError: cannot read model {path!r}: permission denied; " \
                      "check its permissions (ls -l) or ask its owner"


# ========================================================= headers and sizes
def test_headers_are_read_without_the_data(tmp_path):
    # Every data byte changed: the headers still open, the checksum refuses the data.
    data = bytearray(zip_bytes({"W.npy": npy_bytes(np.arange(1000.0))}))
    start = data.index(b"\n", data.index(b"{'descr'")) + 1
    data[start:start + 8000] = b"\xff" * 8000
    (tmp_path / "spoiled.npz").write_bytes(bytes(data))
    with open_archive(tmp_path / "spoiled.npz") as archive:
        assert archive.headers["W"].shape == (1000,) and archive.headers["W"].dtype == np.float64
        with pytest.raises(ValueError, match="is corrupt: the bytes of array .W. do not match their CRC-32 checksum"):
            archive.read("W")


def test_a_huge_header_is_refused_by_its_length_alone(tmp_path):
    # The length field says 60000 bytes; only 10 follow: reading them first would fail otherwise.
    member = b"\x93NUMPY\x01\x00" + struct.pack("<H", 60_000) + b"{'descr': "
    (tmp_path / "long.npz").write_bytes(zip_bytes({"W.npy": member}))
    with pytest.raises(ValueError, match=f"array 'W' has a header of 60000 bytes, more than the {MAX_HEADER_SIZE}"):
        open_archive(tmp_path / "long.npz")


def test_a_declared_size_that_differs_from_the_header_is_refused(tmp_path):
    data = zip_bytes({"W.npy": npy_bytes(np.zeros(4))}, zipfile.ZIP_DEFLATED)
    (tmp_path / "lie.npz").write_bytes(patched(data, "W.npy", DECLARED_SIZE, 128 + 4 * 8 + 1))
    with pytest.raises(ValueError, match=r"'W' \(float64, shape \(4,\)\) takes 160 bytes .* declares 161"):
        open_archive(tmp_path / "lie.npz")


def test_a_member_declaring_more_than_deflate_can_give_is_refused_before_reading(tmp_path):
    # 3 GB of float64 announced by a header whose member compresses to about a hundred bytes.
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (375000000,), }".ljust(117) + b"\n"
    data = zip_bytes({"W.npy": b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header}, zipfile.ZIP_DEFLATED)
    (tmp_path / "bomb.npz").write_bytes(patched(data, "W.npy", DECLARED_SIZE, 128 + 3_000_000_000))
    with pytest.raises(ValueError, match=r"declares 3000000128 bytes from 73 compressed ones, .* \(a zip bomb\?\)"):
        open_archive(tmp_path / "bomb.npz")


def test_a_member_that_inflates_past_its_declared_size_is_refused_with_bounded_memory(tmp_path):
    member = npy_bytes(np.zeros(1000))
    data = zip_bytes({"W.npy": member + bytes(8_000_000)}, zipfile.ZIP_DEFLATED)
    (tmp_path / "bomb.npz").write_bytes(patched(data, "W.npy", DECLARED_SIZE, len(member)))
    with open_archive(tmp_path / "bomb.npz") as archive:
        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match="'W' holds more data than the 8128 bytes it declares"):
                archive.read("W")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 2_000_000, f"{peak} bytes taken to refuse a member of 8 KB declared"


def test_members_sharing_their_data_are_refused(tmp_path):
    data = zip_bytes({"A.npy": npy_bytes(np.zeros(3)), "B.npy": npy_bytes(np.zeros(3))})
    (tmp_path / "overlap.npz").write_bytes(patched(data, "B.npy", LOCAL_HEADER_OFFSET, 0))
    with pytest.raises(ValueError, match="'.*.npy' overlaps the next member"):
        open_archive(tmp_path / "overlap.npz")


def test_an_archive_larger_than_the_memory_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(minidl.archive, "_memory_size", lambda: 100)
    with pytest.raises(ValueError, match="holds 396 bytes of arrays, more than the 100 bytes of memory"):
        open_archive(model_file(tmp_path / "m.npz"))


# ================================================================ metadata
def meta_file(path, text):
    path.write_bytes(zip_bytes({"__meta__.npy": npy_bytes(np.array(text))}))
    return path


def test_metadata_deeper_than_allowed_but_not_than_python_recursion_is_refused(tmp_path):
    # 100 000 levels (RecursionError in json) are a case of tests/test_errors.py.
    path = meta_file(tmp_path / "deep.npz", "[" * 100 + "]" * 100)
    with pytest.raises(ValueError, match="its metadata is nested more than 64 levels deep"):
        load_model(path)


def test_metadata_larger_than_the_limit_is_refused_unread(tmp_path, monkeypatch):
    path = meta_file(tmp_path / "long.npz", json.dumps({"format": "minidl-model", "notes": "x" * 1000}))
    monkeypatch.setattr(minidl.archive, "MAX_META_BYTES", 1000)
    monkeypatch.setattr(minidl.archive.Archive, "_read_data", lambda *args: pytest.fail("the metadata was read"))
    with pytest.raises(ValueError, match=r"has 4\.\d KiB of metadata, more than the 1000 bytes minidl reads"):
        load_model(path)


# ================================================================ fuzzing
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**30) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)
CONFIG_KEYS = ["input_size", "hidden_sizes", "output_size", "activation", "weight_init", "weight_decay",
               "dropout", "batchnorm", "dtype", "seed", "unknown"]


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    """A model and a trainer's checkpoint, both with batch normalisation: their bytes, by name."""
    folder = tmp_path_factory.mktemp("good")
    network = MLP(8, [8], 3, batchnorm=True, seed=0)
    save_model(network, folder / "model.npz")
    trainer = Trainer(network, epochs=1, batch_size=5, verbose=0, checkpoint=folder / "run.npz")
    trainer.fit(np.random.default_rng(0).random((10, 8)), np.arange(10) % 3)
    return {name: GoodFile((folder / f"{name}.npz").read_bytes()) for name in ("model", "run")}


class GoodFile(bytes):
    """The bytes of a good file, shown by their length: hypothesis prints its arguments."""

    def __repr__(self):
        return f"<{len(self)} bytes>"


def interesting_places(data):
    """Offsets of the bytes that steer a reader: local headers with the .npy headers, and the zip directory."""
    places = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            places += range(member.header_offset, member.header_offset + 30 + len(member.filename) + 128)
        places += range(min(central_entries(data).values()), len(data))
    return places


@functools.lru_cache
def mutations(good):
    """Truncations, flipped bytes and edited settings of the file ``good`` (built once a file)."""
    places = interesting_places(good)
    position = st.integers(0, len(good) - 1) | st.integers(0, len(places) - 1).map(places.__getitem__)
    return st.one_of(
        st.tuples(st.just("truncate"), st.integers(0, len(good) - 1)),
        st.tuples(st.just("flip"), st.lists(st.tuples(position, st.integers(1, 255)), min_size=1, max_size=6)),
        st.tuples(st.just("edit"), st.tuples(st.sampled_from(CONFIG_KEYS), JSON_VALUES)),
    )


def mutated(good, path, mutation):
    kind, detail = mutation
    if kind == "truncate":
        path.write_bytes(good[:detail])
    elif kind == "flip":
        data = bytearray(good)
        for place, bits in detail:
            data[place] ^= bits
        path.write_bytes(bytes(data))
    else:
        with np.load(io.BytesIO(good)) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(str(arrays.pop("__meta__")))
        config = meta["tree"]["network"]["config"] if "network" in meta["tree"] else meta["tree"]["config"]
        config[detail[0]] = detail[1]
        np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)


@pytest.mark.parametrize("kind", ["model", "run"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(data=st.data())
def test_every_mutation_of_a_good_file_loads_or_fails_in_one_line_quickly(kind, good_files, tmp_path, data):
    good = good_files[kind]
    mutation = data.draw(mutations(good))
    path = tmp_path / "mutated.npz"
    mutated(good, path, mutation)
    start = time.perf_counter()
    try:
        loaded = load_model(path) if kind == "model" else Trainer.from_checkpoint(path, verbose=0)
    except (ValueError, OSError) as exc:
        message = str(exc)
        assert message and "\n" not in message and "delete" not in message, message
    else:
        assert isinstance(loaded, (MLP, Trainer))
    assert time.perf_counter() - start < 2.0, mutation
