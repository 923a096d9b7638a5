"""Every bad input across minidl, as one table: a clear error, and nothing on disk changed.

Each case runs in a folder full of good and spoiled files (the ``folder``
fixture), takes a snapshot of it (every file's bytes and modification time),
makes one mistake, and checks the exact exception type, fragments of the
message that name the problem (the value, shape, file or key), and that no
file changed and no half-written ``.tmp`` file remains. A second table does
the same through ``minidl ...`` (a real process: ``tests/cli/test_errors.py``);
the last tests press Ctrl-C while training and saving. ``docs/errors.md``
lists these mistakes for readers.
"""

import gzip
import importlib.util
import os
import re
import socket
import struct
import sys
import urllib.error
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import sklearn.datasets
from minidl.datasets import DatasetUnavailableError, MiniBatches, load_dataset, load_idx, load_mnist, read_idx, train_val_split
from minidl.datasets.cache import CACHE_FORMAT, CACHE_VERSION, CorruptCacheError, load_cache, save_cache
from minidl.datasets.openml import OpenMLDataset, _read_cache
from toys import Forgetful, Swish

import minidl
import minidl.archive
import minidl.files
import minidl.locks
from minidl import MLP, optim
from minidl.cli import main
from minidl.experiments import compare_initialisations, compare_optimizers, random_search
from minidl.experiments.dispatch import dask_scheduler
from minidl.experiments.filters import convolution_filters, neighbour_correlation
from minidl.experiments.results import prepare_folder
from minidl.export import from_torch, to_onnx, to_torch
from minidl.files import load_npz, save_npz
from minidl.homework.key.sgd import SGD
from minidl.layers import Convolution, Pooling
from minidl.serialization import load_checkpoint, load_model, save_model
from minidl.sklearn import MinidlClassifier
from minidl.training import EarlyStopping, History, Trainer, TrainingDivergedError

X = np.random.default_rng(0).random((40, 64), dtype=np.float32)
T = np.arange(40) % 10
CACHE = {name: np.zeros((2, 3), np.uint8) for name in ("x_train", "t_train", "x_test", "t_test")}
TINY = OpenMLDataset("Tiny", "tiny", 1, image_shape=(2, 2), n_train=10, n_test=3)  # MNIST's checks, small
TINY_CACHE = {"x_train": np.zeros((10, 4), np.uint8), "t_train": np.arange(10, dtype=np.uint8),
              "x_test": np.zeros((3, 4), np.uint8), "t_test": np.arange(3, dtype=np.uint8)}
ONNX_START = b"\x08\x08\x12\x06minidl\x1a\x030.1"  # how the files of minidl export begin (onnx 1.23)


class UndeclaredState(optim.Optimizer):
    """A custom optimizer that creates state without declaring it in ``slots``."""

    def update_one(self, param, grad, state, scratch):
        state["velocity"] = grad.copy()


class BookSGD(SGD):
    """An optimizer as the book's code writes it (the homework key's SGD): any class with update(params, grads)."""


def network(hidden=(16,)):
    return MLP(64, list(hidden), 10, seed=0)


def convolution(stride=1, pad=0):
    return Convolution(np.zeros((2, 3, 3, 2)), np.zeros(2), stride=stride, pad=pad)


def convnet_with_own_layer():
    net = minidl.SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_num": 2, "filter_size": 3}, hidden_size=4)
    net.layers["Relu1"] = Swish()
    return net


def with_own_layer():
    net = network()
    return minidl.Sequential([("Affine1", net.layers["Affine1"]), ("Swish1", Swish()),
                              ("Affine2", net.layers["Affine2"])])


def without(module, call):
    """``call()`` as if ``module`` were not installed."""
    with mock.patch.dict(sys.modules, {module: None}):
        return call()


def torch_sequential(*names):
    import torch

    sized = {"Linear": (4, 4), "Conv2d": (4, 4, 3)}
    return torch.nn.Sequential(*(getattr(torch.nn, name)(*sized.get(name, ())) for name in names))


def trainer(**settings):
    """A quick trainer: 40 samples in batches of 10 make 4 steps an epoch."""
    return Trainer(network(), **{"epochs": 2, "batch_size": 10, "verbose": 0, **settings})


# ================================================================= snapshots
def snapshot(folder):
    """Relative path -> (bytes, mtime in ns) of every file under ``folder``; None for a folder."""
    return {str(path.relative_to(folder)): None if path.is_dir() else (content(path), path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*"))}


def content(path):
    # Reading a FIFO would wait for a writer forever: only its kind is kept.
    return path.read_bytes() if path.is_file() else "not a regular file"


def assert_unchanged(folder, before):
    after = snapshot(folder)
    assert not [name for name in after if name.endswith(".tmp")], "a temporary file was left behind"
    assert sorted(after) == sorted(before), "files were created or deleted"
    assert not [name for name in before if after[name] != before[name]], "files were changed"


# ============================================================ files to spoil
def idx_bytes(array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx_folder(folder, test_labels):
    """The four IDX files of a 4-image data set, the last one (gzip) holding ``test_labels``."""
    folder.mkdir()
    images, labels = idx_bytes(np.zeros((4, 3, 3))), idx_bytes(np.array([0, 1, 2, 1]))
    for name, content in [("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels),
                          ("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte.gz", test_labels)]:
        (folder / name).write_bytes(content)


def edited(source, target, change):
    """Copy the archive ``source`` to ``target`` with ``change(arrays, meta)`` made by hand."""
    arrays, meta = load_npz(source)
    change(arrays, meta)
    save_npz(target, arrays, meta)


@pytest.fixture(scope="module")
def spoiled_archives(tmp_path_factory):
    """Name -> bytes of archives that an edit by hand, a crafted file or another program leaves as a model.

    Made once, from a model and a checkpoint like those of the ``folder``
    fixture, which writes copies of them into every case's folder.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("spoiled"))
        save_model(network(), "model.npz")
        trainer(epochs=1, checkpoint="run.npz").fit(X, T)
        os.mkdir("runs")
        save_model(network(), "runs/idx-model.npz", metadata={"dataset": "idx:idx-gone"})  # a folder since gone
        replaced = network()
        replaced.layers["Activation1"] = minidl.Tanh()  # saved as the Sequential it now is
        save_model(replaced, "sequential.npz")
        edited("sequential.npz", "unknown-layer.npz",
               lambda arrays, meta: meta["tree"]["config"]["layers"][1].update(type="Swish"))
        huge = {"hidden_sizes": [50_000_000]}
        edited("model.npz", "huge.npz", lambda arrays, meta: meta["tree"]["config"].update(huge))
        edited("run.npz", "huge-run.npz", lambda arrays, meta: meta["tree"]["network"]["config"].update(huge))
        edited("model.npz", "int-weights.npz", lambda arrays, meta: arrays.update({"state/W1": np.ones((64, 16), int)}))
        edited("model.npz", "large-weights.npz", lambda arrays, meta: arrays.update({"state/b1": np.full(16, -1e300)}))
        edited("model.npz", "3e38-weights.npz", lambda arrays, meta: arrays["state/W1"].__setitem__((0, 0), 3e38))
        save_model(MLP(64, [16], 10, batchnorm=True), "batchnorm.npz")
        edited("batchnorm.npz", "negative-variance.npz",
               lambda arrays, meta: arrays["state/running_var1"].__setitem__(0, -1.0))
        edited("run.npz", "nan-optimizer.npz",
               lambda arrays, meta: arrays["optimizer/state/state/W1/first_moment"].__setitem__((0, 0), np.nan))
        np.savez("deep.npz", __meta__=np.array("[" * 10_000 + "]" * 10_000))  # deeper than recursion goes
        header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }".ljust(20_000) + b"\n"
        with zipfile.ZipFile("long-header.npz", "w") as archive:
            archive.writestr("W1.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(4))
        with open("single.npz", "wb") as file:
            np.save(file, np.ones(3))
        names = ["unknown-layer.npz", "huge.npz", "huge-run.npz", "int-weights.npz", "large-weights.npz", "deep.npz", "long-header.npz",
                 "3e38-weights.npz", "negative-variance.npz", "nan-optimizer.npz",
                 "single.npz", "runs/idx-model.npz"]
        return {name: Path(name).read_bytes() for name in names}


def unreadable(trigger):
    """``trigger`` run as if no file could be opened: tests run as root, whom permissions do not stop."""
    def run():
        with mock.patch.object(minidl.archive.os, "open", side_effect=PermissionError(13, "Permission denied")):
            return trigger()
    return run


def load_opened(path):
    """``load_model`` given an open file instead of its name."""
    with open(path, "rb") as file:
        return load_model(file)


HOLDER = """
import sys
from minidl.locks import hold_outputs
with hold_outputs([("--save", sys.argv[1])]):
    print("held", flush=True)
    sys.stdin.read()
"""


def while_another_run_holds(path, call):
    """``call()`` while another process holds the lock of ``path`` (a run writing it); its lock file goes after."""
    import subprocess

    process = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout.readline() == "held\n"
        return call()
    finally:
        process.stdin.close()
        process.wait(timeout=60)
        process.stdout.close()


def with_environment(**variables):
    """A decorator: call the function with these environment variables set."""
    def wrap(call):
        with mock.patch.dict(os.environ, variables):
            return call()
    return wrap


def no_network(*args, **kwargs):
    """``fetch_openml`` on a machine without internet access, whether or not this one has it."""
    raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))


def load_mnist_from_a_corrupt_download():
    """``load_mnist`` when scikit-learn's cached ARFF fails its md5 check and is kept (scikit-learn 1.7, 1.8)."""
    message = ("md5 checksum of local file for https://api.openml.org/data/v1/download/52667/mnist_784.arff does "
               "not match description: expected: 0f28ee9b but got 41d3e6fa. Downloaded file could have been "
               "modified / corrupted, clean cache and retry...")
    with mock.patch.object(sklearn.datasets, "fetch_openml", side_effect=ValueError(message)):
        load_mnist(data_home=".")


@pytest.fixture
def folder(tmp_path, monkeypatch, spoiled_archives):
    """The current folder, holding good files and spoiled ones for the cases to stumble on; no network."""
    monkeypatch.chdir(tmp_path)  # relative paths, and any stray write, land in the snapshot
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", no_network)
    save_model(network(), "model.npz")
    trainer(epochs=1, checkpoint="run.npz").fit(X, T)
    save_cache("cache.npz", CACHE, "test")
    save_cache("labels-200.npz", {**TINY_CACHE, "t_train": np.arange(200, 210, dtype=np.uint8)}, TINY.source)
    meta = {"format": CACHE_FORMAT, "version": CACHE_VERSION, "source": "test", "sha256": "0" * 64}
    save_npz("tampered.npz", CACHE, meta=meta)  # a checksum that does not match the arrays
    np.savez("pickled.npz", W1=np.array([{"a": 1}], dtype=object))
    np.savez("plain.npz", W1=np.ones(3))
    spoiled = {"cut.npz": Path("model.npz").read_bytes()[:300], "notes.npz": b"hello", "afile": b"a file",
               "history.json": b"{not json", "page": b"<html>", "cut.idx": idx_bytes(np.zeros((4, 3, 3)))[:-2],
               "empty.npz": b"", "net.onnx": ONNX_START, "net-renamed.npz": ONNX_START, "b1.py": b"print(1)\n",
               **spoiled_archives}
    os.mkdir("runs")
    for name, content in spoiled.items():
        Path(name).write_bytes(content)
    Path("alias.npz").symlink_to("model.npz")  # one file, two names
    Path("notes.txt").write_text("my notes\n")
    Path("notes-link.npz").symlink_to("notes.txt")  # a link onto a file that is not a model
    write_idx_folder(tmp_path / "idx-cut", gzip.compress(idx_bytes(np.arange(4)))[:-6])
    write_idx_folder(tmp_path / "idx-count", gzip.compress(idx_bytes(np.arange(3))))
    write_idx_folder(tmp_path / "idx-both", gzip.compress(idx_bytes(np.arange(4))))
    (tmp_path / "idx-both" / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.ones((4, 3, 3)))))
    write_idx_folder(tmp_path / "idx-claims", gzip.compress(idx_bytes(np.arange(4))))
    claim = struct.pack(">BBBBIII", 0, 0, 0x08, 3, 2_000_000, 28, 28)  # 1.5 GB announced, 7.8 KB held
    (tmp_path / "idx-claims" / "train-images-idx3-ubyte").write_bytes(claim + bytes(10 * 28 * 28))
    os.mkfifo("pipe.npz")
    return tmp_path


def case(name, trigger, error, *fragments):
    return pytest.param(trigger, error, fragments, id=name)


# ===================================================================== table
CASES = [
    # ---- shapes, dtypes and values of the data
    case("features-width", lambda: network().predict(X[:5, :63]), ValueError, "63 features", "(5, 63)", "64 were"),
    case("features-1d", lambda: network().predict(X[0]), ValueError, "shape (64,)", "reshape(1, -1)"),
    case("features-empty", lambda: trainer().fit(X[:0], T[:0]), ValueError, "holds no sample", "(0, 64)"),
    case("features-nan", lambda: network().predict(np.where(X > 0.99, np.nan, X)),
         ValueError, "NaN or infinite", "row 0, feature 53"),
    case("features-inf", lambda: network().predict(np.where(X > 0.99, np.inf, X)), ValueError, "infinite", "(inf)"),
    case("features-strings", lambda: network().predict(X.astype(str)), ValueError, "x must hold numbers", "<U"),
    case("features-too-large-for-float32", lambda: network().predict(np.where(X > 0.99, 1e300, X.astype(float))),
         ValueError, "x holds values too large for float32", "largest magnitude 1e+300, row 0, feature 53"),
    case("labels-strings", lambda: trainer().fit(X, T.astype(str)), ValueError, "t must hold numbers", "<U",
         "convert them to integer classes", "astype(int)"),
    case("labels-out-of-range", lambda: network().loss(X, T + 1), ValueError, "label 10, outside [0, 10)", "0 to 9"),
    case("labels-negative", lambda: network().accuracy(X, T - 1), ValueError, "label -1, outside [0, 10)"),
    case("labels-not-whole", lambda: network().loss(X[:2], [1.0, 2.5]), ValueError, "non-integer value 2.5"),
    case("labels-booleans", lambda: network().loss(X[:2], [True, False]), ValueError, "not booleans"),
    case("labels-count", lambda: network().loss(X[:5], T[:4]), ValueError, "4 labels but the batch has 5 samples"),
    case("labels-not-one-hot", lambda: network().loss(X[:2], np.ones((2, 10))), ValueError, "row 0", "exactly one 1"),
    case("validation-not-a-pair", lambda: trainer().fit(X, T, validation_data=X), ValueError, "must be a pair"),
    case("split-sizes-differ", lambda: train_val_split(X, T[:30]), ValueError, "(40, 64)", "(30,)"),
    case("split-val-size", lambda: train_val_split(X, T, val_size=1.5), ValueError, "val_size", "got 1.5"),
    # ---- images for the convolution and pooling layers
    case("conv-no-channel-axis", lambda: convolution().forward(np.zeros((2, 5, 5))), ValueError,
         "Convolution expects images of shape (N, 3, H, W)", "(2, 5, 5)", "x.reshape(N, 1, H, W)"),
    case("conv-channels", lambda: convolution().forward(np.zeros((2, 1, 5, 5))), ValueError,
         "(N, 3, H, W) (3 channels)", "(2, 1, 5, 5) (1 channels)"),
    case("conv-window-too-large", lambda: convolution().forward(np.zeros((2, 3, 2, 5))), ValueError,
         "Convolution's 3x2 window does not fit into images of 2x5 pixels with pad 0 (2x5 padded)"),
    case("conv-weights-2d", lambda: Convolution(np.zeros((3, 3)), np.zeros(3)), ValueError,
         "W of shape (filters, channels, filter_h, filter_w) and b of shape (filters,); got W (3, 3) and b (3,)"),
    case("conv-stride", lambda: convolution(stride=0), ValueError, "Convolution stride must be a whole number >= 1", "got 0"),
    case("conv-pad", lambda: convolution(pad=-1), ValueError, "Convolution pad must be a whole number >= 0", "got -1"),
    case("pool-stride-non-square", lambda: Pooling(3, 2), ValueError, "a 3x2 window needs an explicit stride", "stride="),
    case("pool-pad", lambda: Pooling(2, 2, pad=2), ValueError,
         "Pooling pad must be a whole number in [0, 1] (at most half the 2x2 window); got 2; a window of padding only has no maximum"),
    case("pool-no-channel-axis", lambda: Pooling(2, 2).forward(np.zeros((4, 4))), ValueError,
         "Pooling expects images of shape (N, C, H, W); got an array of shape (4, 4)"),
    case("convnet-input-dim", lambda: minidl.SimpleConvNet(input_dim=(28, 28)), ValueError,
         "input_dim must be (channels, height, width) such as (1, 28, 28); got (28, 28)"),
    case("convnet-conv-param", lambda: minidl.SimpleConvNet(conv_param={"filters": 3}), ValueError,
         "conv_param must be a dict with keys among", "{'filters': 3}"),
    case("convnet-filter-too-large", lambda: minidl.SimpleConvNet(input_dim=(1, 8, 8), conv_param={"filter_size": 8}),
         ValueError, "a 8x8 convolution with pad 0 and stride 1 leaves 1x1 of a 8x8 image, too little for 2x2 pooling"),
    case("convnet-wrong-image-size", lambda: minidl.SimpleConvNet().predict(np.zeros((2, 64))), ValueError,
         "x has 64 features a sample (shape (2, 64)), but 784 were expected; a SimpleConvNet takes images of shape "
         "(1, 28, 28) (channels, height, width), its input_dim; for these, build SimpleConvNet(input_dim=(1, 8, 8))"),
    case("convnet-wrong-image-size-not-square", lambda: minidl.SimpleConvNet().predict(np.zeros((2, 60))), ValueError,
         "its input_dim; for these, build SimpleConvNet(input_dim=(channels, height, width)) with channels * height * "
         "width = 60"),
    # ---- training settings
    case("epochs-zero", lambda: trainer(epochs=0), ValueError, "epochs must be a whole number >= 1", "got 0"),
    case("batch-size-zero", lambda: trainer(batch_size=0), ValueError, "batch_size must be a whole number >= 1", "got 0"),
    case("batch-size-negative", lambda: MiniBatches(X, T, -5), ValueError, "batch_size must be a whole number >= 1", "got -5"),
    case("batch-size-not-whole", lambda: trainer(batch_size=2.5), ValueError, "batch_size", "got 2.5"),
    case("batch-size-above-data", lambda: MiniBatches(X, T, 50, drop_last=True), ValueError, "50 larger than the 40"),
    case("batch-negative-seed", lambda: MiniBatches(X, T, 8, rng=-1), ValueError, "rng must be a whole number >= 0; got -1"),
    case("threads-zero", lambda: trainer(threads=0), ValueError, "threads must be None (minidl decides)", "got 0"),
    case("threads-not-whole", lambda: minidl.fit(network(), X, T, threads=1.5), ValueError, "whole number", "1.5"),
    case("verbose-three", lambda: trainer(verbose=3), ValueError,
         "verbose must be a whole number in [0, 2] (0 silent, 1 a progress bar, 2 one line per epoch); got 3"),
    case("checkpoint-not-a-path", lambda: trainer(checkpoint=3), TypeError,
         "checkpoint must be None or a path (a str or pathlib.Path); got 3 of type int"),
    case("early-stopping-alone", lambda: trainer(callbacks=[EarlyStopping()]).fit(X, T), ValueError, "validation_data"),
    case("diverging", lambda: trainer(optimizer="sgd", optimizer_params={"lr": 1e38}, checkpoint="new.npz").fit(X, T),
         TrainingDivergedError, "training diverged", "try a lower learning rate"),
    case("diverging-finite", lambda: trainer(optimizer="sgd", optimizer_params={"lr": 1e6}, checkpoint="new.npz")
         .fit(X, T), TrainingDivergedError, "the loss of the final weights", "at the end of epoch 1",
         "try a lower learning rate, e.g. 0.01 (the default of SGD)"),
    case("diverging-at-the-start", lambda: Trainer(MLP(64, [16], 10, weight_init=1e19), verbose=0).fit(X, T),
         TrainingDivergedError, "very first step", "the learning rate is not the cause", "weight_init=1e+19"),
    case("inputs-far-too-large", lambda: trainer(checkpoint="new.npz").fit(X * 1e38, T), TrainingDivergedError,
         "very first step", "the inputs are large (|x| up to 1e+38); scale them"),
    case("inputs-times-1e30", lambda: trainer(checkpoint="new.npz").fit(X * 1e30, T), TrainingDivergedError,
         "very first step", "more than 1e+06 times the 2.3 of a network that guesses",
         "the inputs are large (|x| up to 1e+30)"),
    # ---- names and hyperparameters
    case("fit-learning-rate-alone", lambda: minidl.fit(network(), X, T, lr=0.1), TypeError,
         "fit() got unknown settings ['lr']", "go in optimizer_params", "optimizer_params={'lr': 0.1}"),
    case("fit-book-style-optimizer", lambda: minidl.fit(network(), X, T, optimizer=BookSGD()), TypeError,
         "BookSGD has update(params, grads) but is not a minidl.optim.Optimizer", "subclass minidl.optim.Optimizer"),
    case("unknown-optimizer", lambda: trainer(optimizer="adamm"), ValueError, "unknown optimizer 'adamm'", "adamw"),
    case("unknown-hyperparameter", lambda: optim.get("sgd", momentum=0.9), ValueError, "hyperparameter ['momentum']"),
    case("learning-rate-negative", lambda: optim.Adam(lr=-0.1), ValueError, "lr must be a finite number", "-0.1"),
    case("adam-beta1-one", lambda: optim.Adam(beta1=1.0), ValueError, "beta1", "[0.0, 1.0)", "got 1.0"),
    case("momentum-string", lambda: optim.Momentum(momentum="0.9"), TypeError, "momentum must be a finite number in", "'0.9' of type str"),
    case("unknown-schedule", lambda: trainer(schedule="linear"), ValueError, "schedule 'linear'", "cosine"),
    case("unknown-activation", lambda: MLP(64, [16], 10, activation="relu6"), ValueError, "'relu6'", "'tanh'"),
    case("unknown-initialiser", lambda: MLP(64, [16], 10, weight_init="glorot"), ValueError, "'glorot'", "'xavier'"),
    case("dropout-one", lambda: MLP(64, [16], 10, dropout=1.0), ValueError, "dropout ratio", "[0.0, 1.0)", "1.0"),
    case("hidden-sizes-dict", lambda: MLP(8, {3: 1}, 3), ValueError, "hidden_sizes must be a list", "{3: 1}"),
    case("hidden-size-zero", lambda: MLP(64, [100, 0], 10), ValueError, "hidden_sizes[1] must be", "got 0"),
    case("network-too-large", lambda: MLP(8, [10**12], 3), MemoryError, "12,000,000,000,003 parameters",
         "44703.5 GiB as float32", "more than the", "of memory of this machine", "fewer or narrower hidden layers"),
    case("dtype-float16", lambda: MLP(64, [16], 10, dtype="float16"), ValueError, "'float16' is not supported"),
    case("one-class-output", lambda: MLP(64, [16], 1), ValueError, "output_size", ">= 2", "got 1"),
    case("gradient-wrong-shape", lambda: optim.SGD().update({"W": np.zeros((2, 3))}, {"W": np.zeros((3, 2))}),
         ValueError, "grads['W'] has shape (3, 2)", "(2, 3)"),
    case("gradient-nan", lambda: optim.Adam().update({"W": np.zeros(3)}, {"W": np.array([0, np.nan, 0])}),
         ValueError, "['W'] contain NaN", "no parameter was changed"),
    case("params-replaced", lambda: network().params.update(W1=np.zeros((64, 16))), TypeError,
         "cannot replace params['W1']", "never be trained", "params['W1'] -= step"),
    # ---- networks of any layers, layers of one's own
    case("layer-key-unknown", lambda: network().layers.__setitem__("Relu1", Swish()), KeyError,
         "this network has no layer 'Relu1'", "add a layer after the last",
         "its layers are ['Affine1', 'Activation1', 'Affine2']"),
    case("layer-replacement-shapes", lambda: network().layers.__setitem__(
        "Affine2", minidl.Affine(np.ones((16, 5), np.float32), np.zeros(5, np.float32))), ValueError,
         "layer 'Affine2' has parameters W (16, 10), b (10,), its replacement Affine has W (16, 5), b (5,)",
         "of the same names and shapes"),
    case("layer-without-backward", lambda: minidl.Sequential([minidl.Affine(np.ones((64, 3)), np.zeros(3)), len]),
         TypeError, "layer 'builtin_function_or_method1' (builtin_function_or_method) has no forward and no backward"),
    case("sequential-input-shape", lambda: minidl.Sequential([Swish(), minidl.Affine(np.ones((64, 3)), np.zeros(3))]),
         ValueError, "Sequential needs input_shape=(...)", "(1, 28, 28)"),
    case("layers-do-not-fit", lambda: minidl.Sequential([minidl.Affine(np.ones((64, 8)), np.zeros(8)),
                                                         minidl.Affine(np.ones((6, 3)), np.zeros(3))]),
         ValueError, "layer 'Affine2' (Affine) does not take the output of the layer before it, of shape (N, 8)"),
    case("gradient-not-left", lambda: minidl.Sequential([minidl.Affine(np.ones((64, 3)), np.zeros(3)),
                                                         Forgetful(np.ones(3))]).gradient(X, T % 3), ValueError,
         "layer 'Forgetful1' (Forgetful) left da = None after backward", "backward must set self.da"),
    case("save-unregistered-layer", lambda: save_model(with_own_layer(), "own.npz"), ValueError,
         "cannot save layer 'Swish1' (Swish): its class is not registered", "minidl.register_layer(Swish)"),
    case("load-unregistered-layer", lambda: load_model("unknown-layer.npz"), ValueError,
         "the layer type 'Swish' is not registered in this Python session", "import the module that defines it",
         "minidl --plugin FILE.py"),
    case("register-layer-name-taken", lambda: minidl.register_layer(Swish, name="ReLU"), ValueError,
         "a layer named 'ReLU' is already registered", "register_layer(name='...')"),
    case("checkpoint-unregistered-layer", lambda: Trainer(with_own_layer(), checkpoint="new.npz", verbose=0).fit(X, T),
         ValueError,
         "cannot save layer 'Swish1' (Swish): its class is not registered"),
    case("checkpoint-other-kind", lambda: Trainer(minidl.Sequential(list(network().layers.items())),
                                                  verbose=0).load_checkpoint("run.npz"),
         ValueError, "holds a network of type MLP, but this one is a Sequential"),
    case("state-not-declared", lambda: UndeclaredState().update({"W": np.zeros(3)}, {"W": np.ones(3)}), TypeError,
         "stored state 'velocity', which UndeclaredState does not declare", "slots = ('velocity',)"),
    case("sklearn-one-class", lambda: MinidlClassifier().fit(X, np.zeros(40)), ValueError, "at least 2 classes"),
    case("sklearn-partial-fit", lambda: MinidlClassifier().partial_fit(X, T), ValueError, "classes must be passed"),
    case("experiment-twice", lambda: compare_optimizers(optimizers=("sgd", "sgd")), ValueError, "listed twice"),
    case("experiment-names-as-a-string", lambda: compare_optimizers(optimizers="adam"), ValueError,
         'optimizers must be a sequence of names such as ("sgd", "adam"); got \'adam\'', "('adam',)"),
    case("experiment-inits-as-a-string", lambda: compare_initialisations(initialisations="he"), ValueError,
         "initialisations must be a sequence of initialisations", "('he',)"),
    case("experiment-hidden-sizes", lambda: compare_optimizers(hidden_sizes=(100, 0)), ValueError,
         "hidden_sizes[1] must be a whole number >= 1; got 0"),
    case("search-range-reversed", lambda: random_search(learning_rate_range=(1, 0)), ValueError,
         "learning_rate_range high must be a finite number in [1.0, inf) (at least low); got 0.0"),
    case("unknown-dataset", lambda: load_dataset("mnsit"), ValueError, "unknown dataset 'mnsit'", "digits"),
    case("experiment-option-name", lambda: compare_initialisations(inits=["he"]), TypeError,
         "compare_initialisations() got an unexpected keyword argument 'inits'",
         "on the command line --inits is the argument initialisations"),
    case("experiment-n-jobs-zero", lambda: compare_optimizers(n_jobs=0), ValueError, "n_jobs must be None or a whole number >= 1"),
    case("filters-shape", lambda: neighbour_correlation(np.zeros((30, 5, 5))), ValueError,
         "filters must have the shape (filters, channels, height, width)", "got (30, 5, 5)"),
    case("filters-one-pixel", lambda: convolution_filters(filter_size=1), ValueError,
         "filter_size must be a whole number >= 2; got 1", "no neighbours"),
    # ---- hand-off to other tools: layers they lack, packages not installed
    case("onnx-own-layer", lambda: to_onnx(with_own_layer(), "net.onnx"), ValueError,
         "cannot export layer 'Swish1' (Swish) to ONNX", "only Affine, BatchNorm, ReLU", "Convolution, Pooling"),
    case("onnx-own-layer-in-a-convnet", lambda: to_onnx(convnet_with_own_layer(), "net.onnx"), ValueError,
         "cannot export layer 'Relu1' (Swish) to ONNX"),
    case("onnx-not-a-network", lambda: to_onnx(network().params, "net.onnx"), TypeError,
         "exporting to ONNX needs a minidl network (a minidl.Sequential: an MLP, a SimpleConvNet", "got FlatArrays"),
    case("torch-not-a-network", lambda: to_torch(network().params), TypeError,
         "exporting to PyTorch needs a minidl network"),
    case("torch-own-layer", lambda: to_torch(with_own_layer()), ValueError, "'Swish1' (Swish) to PyTorch"),
    case("onnx-missing", lambda: without("onnx", lambda: to_onnx(network(), "net.onnx")), ModuleNotFoundError,
         "exporting to ONNX needs onnx, which is not installed", 'pip install "onnx>=1.14" "onnxruntime'),
    case("torch-missing", lambda: without("torch", lambda: to_torch(network())), ModuleNotFoundError,
         "to_torch needs torch, which is not installed; pip install torch --index-url "
         "https://download.pytorch.org/whl/cpu"),
    case("dask-missing", lambda: without("dask.distributed", lambda: dask_scheduler("tcp://127.0.0.1:8786")),
         ModuleNotFoundError, 'Dask cluster needs dask', 'pip install "dask[distributed]>=2023.1"'),
    pytest.param(lambda: from_torch(torch_sequential("Linear", "LeakyReLU", "Linear")), ValueError,
                 ("module 1 (LeakyReLU) has no minidl layer", "Linear, ReLU, Sigmoid", "Conv2d, MaxPool2d, Flatten"),
                 id="torch-leaky-relu",
                 marks=pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs PyTorch")),
    pytest.param(lambda: from_torch(torch_sequential("Conv2d", "Flatten", "Linear")), ValueError,
                 ("from_torch: a module with Conv2d or MaxPool2d needs input_shape=(channels, height, width)",),
                 id="torch-conv-no-input-shape",
                 marks=pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs PyTorch")),
    pytest.param(lambda: from_torch(torch_sequential("Conv2d", "ReLU", "Linear"), input_shape=(4, 6, 6)), ValueError,
                 ("from_torch: module 2 (Linear) takes images (N, C, H, W)", "put an nn.Flatten() before the Linear"),
                 id="torch-linear-on-images",
                 marks=pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs PyTorch")),
    # ---- files: corrupt, foreign, missing, unwritable
    case("model-truncated", lambda: load_model("cut.npz"), ValueError, "'cut.npz' is corrupt"),
    case("model-not-npz", lambda: load_model("notes.npz"), ValueError, "'notes.npz' is not an .npz", "b'hello'"),
    case("model-pickled", lambda: load_model("pickled.npz"), ValueError, "'pickled.npz' holds Python objects"),
    case("model-plain-npz", lambda: load_model("plain.npz"), ValueError, "'plain.npz'", "without minidl metadata"),
    case("model-missing", lambda: load_model("missing.npz"), FileNotFoundError, "'missing.npz' does not exist"),
    case("model-file-descriptor", lambda: load_model(3), TypeError,
         "the model must be given as a path (a str or pathlib.Path such as 'model.npz'); got 3 of type int"),
    case("model-open-file", lambda: load_opened("model.npz"), TypeError,
         "not as an open file (BufferedReader); pass its name instead, 'model.npz'"),
    case("save-to-a-number", lambda: save_model(network(), 3), TypeError, "the output file must be given as a path"),
    case("model-empty", lambda: load_model("empty.npz"), ValueError, "'empty.npz' is empty (0 bytes)", "save it again"),
    case("model-npy-as-npz", lambda: load_model("single.npz"), ValueError, "'single.npz' is a single-array .npy"),
    case("model-folder", lambda: load_model("idx-cut"), ValueError, "'idx-cut' is a folder, not a file"),
    case("model-fifo", lambda: load_model("pipe.npz"), ValueError, "'pipe.npz' is a named pipe (FIFO), not a file"),
    case("model-unreadable", unreadable(lambda: load_model("model.npz")), PermissionError,
         "cannot read model 'model.npz': permission denied", "check its permissions"),
    case("model-huge-settings", lambda: load_model("huge.npz"), ValueError,
         "'huge.npz' does not hold a valid network", "W1 of shape (64, 50000000)", "holds W1 of shape (64, 16)"),
    case("checkpoint-huge-settings", lambda: Trainer.from_checkpoint("huge-run.npz"), ValueError,
         "'huge-run.npz' does not hold a valid network", "W1 of shape (64, 50000000)"),
    case("model-int-weights", lambda: load_model("int-weights.npz"), ValueError, "W1 holds int64 values, not floating"),
    case("model-too-large-for-float32", lambda: load_model("large-weights.npz"), ValueError,
         "'large-weights.npz'", "state['b1'] holds values too large for float32 (largest magnitude 1e+300"),
    case("model-weights-near-float32-limit", lambda: load_model("3e38-weights.npz"), ValueError,
         "'3e38-weights.npz' does not hold a valid network", "state['W1'] holds values too large to compute with",
         "largest magnitude 3e+38; above 1.84e+19"),
    case("model-negative-running-variance", lambda: load_model("negative-variance.npz"), ValueError,
         "'negative-variance.npz'", "state['running_var1'] holds a negative running variance (-1)"),
    case("checkpoint-nan-optimizer-state", lambda: Trainer.from_checkpoint("nan-optimizer.npz"), ValueError,
         "checkpoint 'nan-optimizer.npz' holds a damaged optimizer state",
         "'state/W1/first_moment' holds NaN or infinite values"),
    case("model-deep-json", lambda: load_model("deep.npz"), ValueError, "'deep.npz' is corrupt", "nested more than 64"),
    case("model-long-header", lambda: load_model("long-header.npz"), ValueError,
         "array 'W1' has a header of 20001 bytes", "more than the 10000"),
    case("model-as-checkpoint", lambda: Trainer.from_checkpoint("model.npz"), ValueError, "'minidl-model' file"),
    case("checkpoint-other-architecture", lambda: Trainer(network([32]), verbose=0).load_checkpoint("run.npz"),
         ValueError, "different network", "hidden_sizes: saved [16], this network [32]"),
    case("checkpoint-other-optimizer", lambda: Trainer(network(), "sgd", verbose=0).load_checkpoint("run.npz"),
         ValueError, "trained with Adam, but this trainer uses SGD"),
    case("state-other-architecture", lambda: network().load_state_dict(network([16, 16]).state_dict()),
         ValueError, "unexpected keys ['W3', 'b3']", "64 -> 16 -> 10", "another architecture"),
    case("save-into-a-file", lambda: save_model(network(), "afile/m.npz"), ValueError, "'afile' is a file, not a"),
    case("save-into-missing-folder", lambda: save_model(network(), "no/m.npz"), ValueError, "'no' does not exist"),
    case("save-to-a-folder", lambda: save_model(network(), "idx-cut"), ValueError, "'idx-cut': it is a folder, not"),
    case("save-to-a-device", lambda: save_model(network(), os.devnull), ValueError, "character device", "never"),
    case("save-name-too-long", lambda: save_model(network(), "n" * 252 + ".npz"), ValueError,
         "the file name is 256 bytes long, more than the 255 that the file system allows", "a shorter name"),
    case("save-to-an-empty-path", lambda: save_model(network(), ""), ValueError, "is empty", "model.npz"),
    case("checkpoint-to-a-folder", lambda: trainer(checkpoint="idx-cut"), ValueError, "it is a folder, not a file"),
    case("save-object-array", lambda: save_npz("model.npz", {"names": np.array([None])}), ValueError, "dtype object"),
    case("checkpoint-of-an-earlier-run", lambda: trainer(checkpoint="run.npz").fit(X, T), ValueError,
         "'run.npz' already holds a minidl checkpoint at epoch 1 of 1", "Trainer.from_checkpoint('run.npz')",
         "another file name", "overwrite=True"),
    case("save-model-over-a-checkpoint", lambda: save_model(network(), "run.npz"), ValueError,
         "cannot write 'run.npz': it holds a minidl checkpoint at epoch 1 of 1, which a model file would replace",
         "a model cannot be resumed", "pass overwrite=True"),
    case("save-onto-the-output-of-a-running-run", lambda: while_another_run_holds(
        "model.npz", lambda: save_model(network(), "model.npz")), minidl.locks.OutputInUseError,
         "cannot write 'model.npz': it is being written by another run: process", "(-c model.npz) holds its lock "
         "'.model.npz.lock'; wait for that run to end (or stop it), or choose another file name"),
    case("checkpoint-held-by-a-running-run", lambda: while_another_run_holds(
        "new.npz", lambda: trainer(checkpoint="new.npz").fit(X, T)), minidl.locks.OutputInUseError,
         "checkpoint 'new.npz' is being written by another run: process"),
    case("save-over-notes", lambda: save_model(network(), "notes.npz"), ValueError,
         "'notes.npz': the file exists and does not hold a minidl archive", "overwrite=True"),
    case("save-through-a-link-to-notes", lambda: save_model(network(), "notes-link.npz"), ValueError,
         "symbolic link to", "notes.txt', which does not hold a minidl archive", "remove the link"),
    case("history-over-other-json", lambda: History().save("history.json"), ValueError,
         "does not hold a minidl history (CSV or JSON)"),
    case("checkpoint-into-a-file", lambda: trainer(checkpoint="afile/run.npz").fit(X, T), ValueError, "'afile' is a"),
    case("history-suffix", lambda: History().save("history.txt"), ValueError, "'history.txt'", ".csv", ".json"),
    case("history-not-json", lambda: History.load("history.json"), ValueError, "'history.json' is not valid JSON"),
    case("experiment-out-is-a-file", lambda: prepare_folder("afile"), ValueError, "'afile' exists and is a file"),
    case("idx-html", lambda: read_idx("page"), ValueError, "'page' is not an IDX file", "3c68746d"),
    case("idx-truncated", lambda: read_idx("cut.idx"), ValueError, "'cut.idx' is truncated", "(4, 3, 3)"),
    case("idx-gzip-truncated", lambda: load_idx("idx-cut"), ValueError, "labels-idx1-ubyte.gz", "could not be read"),
    case("idx-label-count", lambda: load_idx("idx-count"), ValueError, "4 images", "3 labels"),
    case("idx-plain-and-gz", lambda: load_idx("idx-both"), ValueError, "holds both 'train-images-idx3-ubyte' and "
         "'train-images-idx3-ubyte.gz'", "keep one of them"),
    case("idx-header-counts", lambda: load_idx("idx-claims"), ValueError, "holds 2000000 images but",
         "holds 4 labels"),
    case("idx-file-missing", lambda: load_idx("."), FileNotFoundError, "'train-images-idx3-ubyte'", "not found"),
    case("cache-checksum", lambda: load_cache("tampered.npz", "test"), CorruptCacheError, "'tampered.npz'", "SHA-256"),
    case("cache-truncated", lambda: load_cache("cut.npz", "test"), CorruptCacheError, "'cut.npz' is corrupt"),
    case("cache-other-source", lambda: load_cache("cache.npz", "mnist"), CorruptCacheError, "written for 'test'"),
    case("cache-labels-out-of-range", lambda: _read_cache("labels-200.npz", TINY), CorruptCacheError,
         "'labels-200.npz' holds the label 209 in t_train", "Tiny has 10 classes (labels 0 to 9)", "rebuild"),
    case("mnist-data-home-is-a-file", lambda: with_environment(SCIKIT_LEARN_DATA="afile")(load_mnist), ValueError,
         "the data home 'afile', named by the SCIKIT_LEARN_DATA environment variable, is a file, not a folder",
         "point SCIKIT_LEARN_DATA at a folder"),
    case("mnist-data-home-inside-a-file", lambda: load_mnist(data_home="afile/data"), ValueError,
         "data_home 'afile/data' lies inside a file, not a folder; pass the path of a folder"),
    case("mnist-offline", lambda: load_mnist(data_home="."), DatasetUnavailableError, "Could not download MNIST",
         "load_digits()", "load_idx(DIR)"),
    case("mnist-download-corrupt", load_mnist_from_a_corrupt_download, ValueError, "download cache of MNIST is corrupt",
         "md5 checksum", "Delete the folder", "openml'"),
]


@pytest.mark.parametrize("trigger, error, fragments", CASES)
def test_bad_input_is_refused_clearly_and_changes_nothing(trigger, error, fragments, folder):
    before = snapshot(folder)
    with pytest.raises(BaseException) as caught:
        trigger()
    assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert_unchanged(folder, before)


# ============================================================= command line
def run_command(argv):
    try:
        return main(argv)
    except SystemExit as exit_request:  # argparse's usage errors
        return exit_request.code


DIGITS = ["train", "--dataset", "digits", "--hidden", "8", "--epochs", "1", "-q"]
COMMAND_CASES = [
    pytest.param(["train", "--dataset", "mnsit"], 1, "unknown dataset 'mnsit'", id="unknown-dataset"),
    pytest.param(["train", "--dataset", "idx:no"], 1, "IDX folder 'no' does not exist", id="idx-folder-missing"),
    pytest.param([*DIGITS, "--optimizer", "adamm"], 1, "unknown optimizer 'adamm'", id="unknown-optimizer"),
    pytest.param([*DIGITS, "--lr", "0.1", "--optimizer-param", "lr=0.2"], 1, "given twice", id="lr-twice"),
    pytest.param([*DIGITS, "--early-stopping", "2"], 1, "add --validation-fraction", id="early-stopping-alone"),
    pytest.param([*DIGITS, "--save", "afile/m.npz"], 1, "--save 'afile/m.npz': folder 'afile'", id="save-into-a-file"),
    pytest.param([*DIGITS, "--checkpoint", "run.npz"], 1, "--checkpoint 'run.npz' already holds a minidl checkpoint "
                 "at epoch 1 of 1, which this new run would replace; continue it with --resume run.npz, or choose "
                 "another file name, or pass --overwrite", id="checkpoint-of-an-earlier-run"),
    pytest.param([*DIGITS, "--save", "notes-link.npz"], 1, "--save 'notes-link.npz': it is a symbolic link to",
                 id="save-through-a-link-to-notes"),
    pytest.param([*DIGITS, "--save", "notes.npz"], 1, "--save 'notes.npz': the file exists and does not hold a "
                 "minidl archive", id="save-over-notes"),
    pytest.param([*DIGITS, "--history", "history.json"], 1, "does not hold a minidl history",
                 id="history-over-other-json"),
    pytest.param([*DIGITS, "--save", "m.onnx"], 1, "--save 'm.onnx': --save writes a minidl .npz model; save to "
                 "m.npz, then run: minidl export m.npz m.onnx", id="save-as-onnx"),
    pytest.param([*DIGITS, "--checkpoint", "no/run.npz"], 1, "--checkpoint 'no/run.npz'", id="checkpoint-folder"),
    pytest.param([*DIGITS, "--save", "m.npz", "--checkpoint", "./m.npz"], 1,
                 "--save 'm.npz' and --checkpoint './m.npz' are the same file", id="save-over-checkpoint"),
    pytest.param([*DIGITS, "--save", "alias.npz", "--checkpoint", "model.npz"], 1, "are the same file",
                 id="save-over-checkpoint-through-a-link"),
    pytest.param([*DIGITS, "--resume", "run.npz", "--epochs", "2", "--save", "run.npz"], 1,
                 "--save 'run.npz' and --checkpoint 'run.npz' are the same file", id="save-over-resumed-checkpoint"),
    pytest.param([*DIGITS, "--save", "run.json", "--history", "run.json"], 1,
                 "--save 'run.json' and --history 'run.json' are the same file", id="history-over-model"),
    pytest.param([*DIGITS, "--save", "."], 1, "--save '.' is a folder, not a file", id="save-to-a-folder"),
    pytest.param([*DIGITS, "--checkpoint", os.devnull], 1, f"--checkpoint '{os.devnull}' is a character device",
                 id="checkpoint-to-a-device"),
    pytest.param([*DIGITS, "--save", ""], 1, "--save is empty; give a file name", id="save-empty"),
    pytest.param([*DIGITS, "--optimizer", "sgd", "--lr", "1e6", "--checkpoint", "new.npz"], 1,
                 "training diverged: the loss stayed above", id="diverging-finite"),
    pytest.param(["train", "--dataset", "digits", "--hidden", "10000000000"], 1, "a network 64 -> 10000000000 -> 10 "
                 "has 750,000,000,010 parameters, which need 2794.0 GiB as float32", id="network-too-large"),
    pytest.param([*DIGITS, "--resume", "runs"], 1, "--resume 'runs' is a folder, not a file", id="resume-a-folder"),
    pytest.param([*DIGITS, "--history", "h.txt"], 1, "'h.txt': use a file name ending in .csv", id="history-suffix"),
    pytest.param([*DIGITS, "--resume", "model.npz"], 1, "expected 'minidl-checkpoint'; pass a checkpoint (written by minidl train --checkpoint",
                 id="resume-from-a-model"),
    pytest.param(["train", "--data-home", "."], 1, "cannot load MNIST: it is not in the data home '.' and the "
                 "download failed", id="mnist-offline"),
    pytest.param(["train", "--data-home", "afile"], 1, "--data-home 'afile' is a file, not a folder; give a folder",
                 id="data-home-is-a-file"),
    pytest.param(["evaluate", "missing.npz"], 1, "'missing.npz' does not exist", id="evaluate-missing"),
    pytest.param(["evaluate", "cut.npz"], 1, "'cut.npz' is corrupt", id="evaluate-corrupt"),
    pytest.param(["evaluate", "huge.npz"], 1, "holds W1 of shape (64, 16)", id="evaluate-huge-settings"),
    pytest.param([*DIGITS, "--resume", "huge-run.npz"], 1, "holds W1 of shape (64, 16)", id="resume-huge-settings"),
    pytest.param(["evaluate", "pipe.npz"], 1, "'pipe.npz' is a named pipe (FIFO)", id="evaluate-fifo"),
    pytest.param(["evaluate", "deep.npz"], 1, "nested more than 64 levels deep", id="evaluate-deep-json"),
    pytest.param(["evaluate", "empty.npz"], 1, "'empty.npz' is empty (0 bytes)", id="evaluate-empty"),
    pytest.param(["evaluate", "net.onnx"], 1, "'net.onnx' is an ONNX file (what minidl export writes); evaluate "
                 "reads the .npz model it was exported from", id="evaluate-onnx"),
    pytest.param(["evaluate", "net-renamed.npz"], 1, "'net-renamed.npz' is an ONNX file", id="evaluate-onnx-as-npz"),
    pytest.param(["evaluate", "b1.py"], 1, "'b1.py' is not a model: evaluate reads a .npz file written by minidl "
                 "train --save or --checkpoint", id="evaluate-python-file"),
    pytest.param(["evaluate", "model.npz"], 1, "does not record its data set", id="evaluate-without-dataset"),
    pytest.param(["evaluate", "model.npz", "--dataset", "idx:idx-count"], 1, "3 labels", id="evaluate-bad-idx"),
    pytest.param(["evaluate", "runs/idx-model.npz"], 1, "model 'runs/idx-model.npz' was trained on --dataset "
                 "idx:idx-gone, but its IDX folder is neither beside the model ('runs/idx-gone') nor here "
                 "('idx-gone'); pass --dataset idx:DIR", id="evaluate-idx-folder-gone"),
    pytest.param(["experiment", "compare", "--out", "afile", "--no-plot"], 1, "'afile' exists and is a file",
                 id="experiment-out-is-a-file"),
    pytest.param([*DIGITS, "--schedule", "exponential"], 1, "e.g. gamma=0.95 (on the command line: --schedule-param",
                 id="schedule-setting-missing"),
    pytest.param([*DIGITS, "--schedule", "warmup"], 1, "'warmup'; known schedules: step, exponential, cosine, "
                 "inverse-time", id="schedule-unknown"),
    pytest.param([*DIGITS, "--schedule", "step"], 1, "the 'step' schedule needs step_size", id="schedule-step-missing"),
    pytest.param([*DIGITS, "--optimizer-param", "beta1=abc"], 1, "--optimizer-param beta1='abc': beta1 must be",
                 id="text-value"),
    pytest.param([*DIGITS, "--optimizer-param", "lr=(1,2)"], 1, "lr=(1, 2): lr must be a number", id="tuple-value"),
    pytest.param(["experiment", "compare", "--set", "sgd.lr=abc"], 1, "--set sgd.lr='abc': lr must be a number",
                 id="set-text"),
    pytest.param(["experiment", "search", "--scheduler", "no-port-here", "--no-plot"], 1,
                 "cannot reach a Dask scheduler at 'no-port-here'", id="scheduler-address"),
    pytest.param(["experiment", "search", "--scheduler", "tcp://127.0.0.1:8786", "--n-jobs", "2"], 1,
                 "--n-jobs and --scheduler do not go together", id="scheduler-and-n-jobs"),
    pytest.param(["export", "missing.npz", "net.onnx"], 1, "'missing.npz' does not exist", id="export-missing"),
    pytest.param(["export", "model.npz", "no/net.onnx"], 1, "OUT 'no/net.onnx': folder 'no' does not exist",
                 id="export-into-missing-folder"),
    pytest.param(["export", "model.npz", "./model.npz"], 1, "MODEL 'model.npz' and OUT './model.npz' are the same file",
                 id="export-over-its-model"),
    pytest.param(["export", "model.npz", "other.npz"], 1, "OUT 'other.npz' is named or made like a minidl .npz "
                 "model, which the ONNX file would replace; give OUT a name of its own ending in .onnx, e.g. "
                 "other.onnx", id="export-over-another-model"),
    pytest.param(["export", "net.onnx", "again.onnx"], 1, "model 'net.onnx' is an ONNX file (what minidl export "
                 "writes), not an .npz archive; pass the .npz model it was exported from", id="export-an-onnx-file"),
    pytest.param(["export", "model.npz", "--format", "torch", "net.pt"], 2, "argument --format: invalid choice",
                 id="export-format"),
    pytest.param(["train", "--dataset", "digits", "--optimiser", "adam"], 2,
                 "unrecognized arguments: --optimiser adam; did you mean --optimizer?", id="option-typo"),
    pytest.param(["train", "--plugin", "my_optimizer.py", "--dataset", "digits"], 2, "--plugin goes before the "
                 "command: minidl --plugin FILE.py train ...", id="plugin-after-the-command"),
    pytest.param(["experiment", "compare", "--smothing", "5"], 2, "did you mean --smooth?",
                 id="experiment-option-typo"),
    pytest.param([*DIGITS, "--optimizer", "sgd", "--optimizer-param", "momentum=0.9"], 1,
                 "SGD has no hyperparameter ['momentum']; valid ones: ['lr']; optimizers that take momentum: "
                 "momentum, nesterov", id="setting-of-another-optimizer"),
    pytest.param([*DIGITS, "--model", "cnn"], 1, "--hidden sets the network of --model mlp, not of --model cnn "
                 "(whose network options are --filters, --filter-size, --pad, --stride, --hidden-size, --init and "
                 "--dtype); drop it, or add --model mlp", id="mlp-option-with-cnn"),
    pytest.param(["train", "--dataset", "digits", "--filters", "8"], 1, "--filters sets the network of --model cnn, "
                 "not of --model mlp", id="cnn-option-with-mlp"),
    pytest.param(["train", "--dataset", "digits", "--model", "cnn", "--filter-size", "11"], 1, "--filter-size 11 "
                 "with --pad 1 and --stride 1 leaves too little of the 8x8 images for the 2x2 pooling",
                 id="cnn-filter-too-large"),
    pytest.param(["train", "--model", "rnn"], 2, "argument --model: invalid choice: 'rnn'", id="model-unknown"),
    pytest.param(["train", "--epochs", "0"], 2, "argument --epochs: expected a whole number >= 1", id="epochs-zero"),
    pytest.param(["train", "--batch-size", "-3"], 2, "argument --batch-size", id="batch-size-negative"),
    pytest.param(["train", "--dropout", "1"], 2, "argument --dropout: expected a finite number in [0.0, 1.0), got '1'", id="dropout"),
    pytest.param(["train", "--threads", "0"], 2, "argument --threads: expected a whole number >= 1, got '0'",
                 id="threads-zero"),
    pytest.param(["evaluate", "model.npz", "--threads", "two"], 2, "argument --threads: expected a whole number >= 1, got 'two'",
                 id="threads-text"),
    pytest.param(["train", "--threads", "1.5"], 2, "argument --threads: expected a whole number >= 1, got '1.5'",
                 id="threads-not-whole"),
    pytest.param(["train", "--seed", "-1"], 2, "argument --seed: expected a whole number >= 0, got '-1'", id="seed-negative"),
    pytest.param(["experiment", "search", "--lr-range", "1,0", "--no-plot"], 1, "--lr-range HIGH must be a finite "
                 "number in [1.0, inf) (at least LOW); got 0.0", id="experiment-range-reversed"),
    pytest.param(["experiment", "filters", "--filter-size", "0"], 2, "argument --filter-size: expected a whole number "
                 ">= 2, got '0'; a 1x1 filter has no neighbours to compare", id="experiment-filter-size-zero"),
    pytest.param(["experiment", "compare", "--seed", "-1"], 2, "argument --seed: expected a whole number >= 0, got '-1'",
                 id="experiment-seed-negative"),
    pytest.param(["homework", "check", "hw", "--jobs", "0"], 2, "argument --jobs: expected a whole number >= 1, got '0'",
                 id="homework-jobs-zero"),
]


@pytest.mark.parametrize("argv, exit_code, fragment", COMMAND_CASES)
def test_command_line_mistakes_end_in_one_line(argv, exit_code, fragment, folder, capsys):
    before = snapshot(folder)
    assert run_command(argv) == exit_code
    errors = capsys.readouterr().err
    last_line = errors.strip().splitlines()[-1]
    assert "Traceback" not in errors and fragment in last_line
    if exit_code == 1:  # minidl's own errors: exactly one line
        assert errors.count("\n") == 1 and last_line.startswith("minidl: error: ")
    else:  # argparse's: the usage, then one error line (an experiment's own: "minidl experiment compare: error:")
        assert re.match(rf"minidl {argv[0]}( \w+)?: error: ", last_line), last_line
    assert_unchanged(folder, before)


# ============================================================== interrupts
def ctrl_c_at_step(step, folder, snapshots):
    """A stand-in for ``MLP._loss_and_gradient`` (the Trainer's step): Ctrl-C at call ``step`` only,
    after a snapshot at ``step - 1``."""
    original, calls = MLP._loss_and_gradient, []

    def loss_and_gradient(self, x, t):
        calls.append(1)
        if len(calls) == step - 1:  # the run's lock file (minidl.locks) is there only while it runs
            snapshots.append({name: file for name, file in snapshot(folder).items() if not name.endswith(".lock")})
        if len(calls) == step:
            raise KeyboardInterrupt
        return original(self, x, t)
    return loss_and_gradient


def test_ctrl_c_in_epoch_3_keeps_the_checkpoint_of_epoch_2(tmp_path, monkeypatch):
    path, snapshots = tmp_path / "run.npz", []
    # 4 steps an epoch: step 9 is the first of epoch 3, when the file holds epoch 2.
    monkeypatch.setattr(MLP, "_loss_and_gradient", ctrl_c_at_step(10, tmp_path, snapshots))
    with pytest.raises(KeyboardInterrupt):
        trainer(epochs=4, checkpoint=path).fit(X, T)
    assert_unchanged(tmp_path, snapshots[0])
    assert load_checkpoint(path)["trainer"]["epoch"] == 2
    resumed, uninterrupted = Trainer.from_checkpoint(path, verbose=0), trainer(epochs=4)
    resumed.fit(X, T)
    uninterrupted.fit(X, T)
    assert resumed.epoch == 4 and resumed.history.step_loss == uninterrupted.history.step_loss


def test_ctrl_c_in_the_train_command_keeps_the_checkpoint(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    snapshots = []
    # 1437 training digits in batches of 500 make 3 steps an epoch: interrupt the second step of epoch 2.
    monkeypatch.setattr(MLP, "_loss_and_gradient", ctrl_c_at_step(5, tmp_path, snapshots))
    command = ["train", "--dataset", "digits", "--hidden", "8", "--batch-size", "500", "-q", "--checkpoint", "run.npz"]
    assert run_command([*command, "--epochs", "3"]) == 130
    assert capsys.readouterr().err == (
        "minidl: error: interrupted; last checkpoint kept at run.npz (continue with --resume run.npz)\n")
    assert_unchanged(tmp_path, snapshots[0])
    assert run_command([*command, "--resume", "run.npz"]) == 0
    assert load_checkpoint(tmp_path / "run.npz")["trainer"]["epoch"] == 3


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError(28, "No space left on device")],
                         ids=["ctrl-c", "disk-full"])
def test_a_save_cut_short_keeps_the_old_file(failure, folder):
    before = snapshot(folder)

    def half_write(file, arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise failure

    with mock.patch.object(minidl.files, "write_npz", half_write), pytest.raises(type(failure)):
        save_model(network([32]), "model.npz")
    assert_unchanged(folder, before)
    assert load_model("model.npz").hidden_sizes == [16]
